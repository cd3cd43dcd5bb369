#!/usr/bin/env python3
"""gen_feeds.py - generate the feed-parsing benchmark inputs (deterministic).

  python3 bench/gen_feeds.py OUTDIR
writes OUTDIR/rss_5mb.xml        ~5 MB RSS 2.0, HTML descriptions, enclosures
       OUTDIR/mastodon_5mb.json  ~5 MB Mastodon statuses page (HTML content, media)
       OUTDIR/events_2000.ics    2000 VEVENTs (TZID, all-day, some weekly RRULEs)
Dates are relative to the time of generation so events fall in the coming window.
"""
import datetime as dt
import json
import os
import random
import sys

TARGET = 5 * 1024 * 1024
rnd = random.Random(42)
WORDS = ("council street market library school road closure snow water park festival meeting "
         "public notice recycling museum bus tram works permit election budget youth senior "
         "théâtre Straße café naïve Ünter résumé").split()


def sentence(n):
    return " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize() + "."


def rss(path):
    now = dt.datetime.now(dt.timezone.utc)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Bench</title>'
           '<link>https://bench.example/</link><description>bench</description>']
    size, i = 0, 0
    while size < TARGET:
        when = (now - dt.timedelta(minutes=i)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        desc = "".join("<p>%s <b>%s</b> &amp; <a href=\"https://bench.example/%d\">more</a></p>"
                       % (sentence(25), sentence(4), i) for _ in range(3))
        item = ("<item><title>%s &amp; %d</title><link>https://bench.example/news/%d</link>"
                "<guid>bench-%d</guid><pubDate>%s</pubDate><description><![CDATA[%s]]></description>"
                "<enclosure url=\"https://bench.example/img/%d.jpg\" type=\"image/jpeg\" length=\"1\"/></item>\n"
                % (sentence(6), i, i, i, when, desc, i))
        out.append(item)
        size += len(item.encode())
        i += 1
    out.append("</channel></rss>\n")
    open(path, "w").write("".join(out))
    return i


def mastodon(path):
    now = dt.datetime.now(dt.timezone.utc)
    items, size, i = [], 0, 0
    while size < TARGET:
        html = "".join("<p>%s <a href=\"https://city.example/t/%d\" class=\"mention hashtag\">#<span>tag%d</span></a></p>"
                       % (sentence(30), i, i) for _ in range(3))
        st = {"id": str(100000 + i), "created_at": (now - dt.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
              "in_reply_to_id": None, "visibility": "public", "sensitive": False, "spoiler_text": "",
              "language": "en", "uri": "https://social.example/users/city/statuses/%d" % i,
              "url": "https://social.example/@city/%d" % i, "content": html, "reblog": None,
              "replies_count": 0, "reblogs_count": 3, "favourites_count": 5,
              "account": {"id": "1", "username": "city", "acct": "city", "display_name": "City Hall",
                          "note": "<p>Official account</p>", "avatar": "https://social.example/a.png"},
              "media_attachments": [{"id": str(i), "type": "image", "url": "https://social.example/m/%d.jpg" % i,
                                     "preview_url": "https://social.example/m/%d_s.jpg" % i,
                                     "description": sentence(8)}] if i % 2 == 0 else [],
              "mentions": [], "tags": [{"name": "tag%d" % i}], "emojis": []}
        s = json.dumps(st, ensure_ascii=False)
        items.append(s)
        size += len(s.encode()) + 1
        i += 1
    open(path, "w").write("[" + ",".join(items) + "]")
    return i


def ics(path, n=2000):
    start = dt.datetime.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Crier//bench//EN",
           "BEGIN:VTIMEZONE", "TZID:Europe/Paris",
           "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "DTSTART:19701025T030000",
           "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
           "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "DTSTART:19700329T020000",
           "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT", "END:VTIMEZONE"]
    for i in range(n):
        t = start + dt.timedelta(hours=3 * i // 10)
        out += ["BEGIN:VEVENT", "UID:bench-%d@crier" % i, "DTSTAMP:20260101T000000Z"]
        if i % 10 == 0:
            out += ["DTSTART;VALUE=DATE:%s" % t.strftime("%Y%m%d")]
        else:
            out += ["DTSTART;TZID=Europe/Paris:%s" % t.strftime("%Y%m%dT%H%M%S"),
                    "DTEND;TZID=Europe/Paris:%s" % (t + dt.timedelta(hours=1)).strftime("%Y%m%dT%H%M%S")]
        if i % 50 == 0:
            out += ["RRULE:FREQ=WEEKLY;COUNT=10"]
        out += ["SUMMARY:%s" % sentence(5), "LOCATION:%s" % sentence(3),
                "DESCRIPTION:%s" % sentence(30), "END:VEVENT"]
    out.append("END:VCALENDAR")
    open(path, "w", newline="").write("\r\n".join(out) + "\r\n")
    return n


if __name__ == "__main__":
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(d, exist_ok=True)
    print("rss_5mb.xml: %d items" % rss(os.path.join(d, "rss_5mb.xml")))
    print("mastodon_5mb.json: %d statuses" % mastodon(os.path.join(d, "mastodon_5mb.json")))
    print("events_2000.ics: %d events" % ics(os.path.join(d, "events_2000.ics")))
