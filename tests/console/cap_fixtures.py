"""cap_fixtures.py - writes the CAP relay test's documents into a folder, with
times around now (CAP alerts in tests/fixtures/cap have fixed dates, long
expired by the time a test runs).

    cap_fixtures.py DIR STEP [TAG]

STEP "start": storm.rss (an RSS index) lists single.xml; index.atom lists a new alert for the town centre, one for
another area, an expired one, malformed XML, an oversized document, a link
to a document that is not there, and a DOCTYPE (entity) attack; single.xml is
one alert (the draft-mode source).  "update": the index also lists an Update
of the first alert.  "cancel": and a Cancel of it.  "new": one more alert
(the bench: TAG makes its identifier unique)."""
import datetime
import os
import sys

SENDER = "warnings@civil-protection.example"


def t(minutes):
    d = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    return d.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def cap(ident, msg="Alert", area="Town centre", severity="Severe", expires=120, refs="", headline=None,
        event="Flood", sent=0):
    info = "" if msg == "Cancel" else f"""
  <info>
    <language>en-GB</language>
    <category>Met</category>
    <event>{event}</event>
    <urgency>Immediate</urgency>
    <severity>{severity}</severity>
    <certainty>Observed</certainty>
    <expires>{t(expires)}</expires>
    <senderName>Civil Protection</senderName>
    <headline>{headline or f"{event} warning for {area}"}</headline>
    <instruction>Move to higher floors. Avoid the river banks.</instruction>
    <area><areaDesc>{area}</areaDesc><geocode><valueName>ARS</valueName><value>081110000000</value></geocode></area>
  </info>"""
    ref = f"\n  <references>{refs}</references>" if refs else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{ident}</identifier>
  <sender>{SENDER}</sender>
  <sent>{t(sent)}</sent>
  <status>Actual</status>
  <msgType>{msg}</msgType>
  <scope>Public</scope>{ref}{info}
</alert>
"""


def atom(entries):
    items = "".join(f"""
  <entry><id>urn:x:{n}</id><title>{n}</title><updated>{t(0)}</updated>
    <link rel="alternate" type="application/cap+xml" href="{n}"/></entry>""" for n in entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Warnings</title><id>urn:x:feed</id><updated>{t(0)}</updated>{items}
</feed>
"""


def write(d, name, text):
    tmp = os.path.join(d, "." + name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, os.path.join(d, name))


def main():
    d, step = sys.argv[1], sys.argv[2]
    tag = sys.argv[3] if len(sys.argv) > 3 else "x"
    entries = ["new.xml", "wrong-area.xml", "expired.xml", "malformed.xml", "big.xml", "gone.xml", "doctype.xml"]
    if step == "start":
        write(d, "new.xml", cap("CP-0001", area="Town centre and riverside"))
        write(d, "wrong-area.xml", cap("CP-0002", area="Far away valley"))
        write(d, "expired.xml", cap("CP-0003", expires=-60, sent=-180))
        write(d, "malformed.xml", cap("CP-0004")[:300])
        write(d, "big.xml", cap("CP-0005").replace("<instruction>", "<instruction>" + "x" * (2 * 1024 * 1024)))
        write(d, "doctype.xml", '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "boom">]><alert>&e;</alert>')
        write(d, "single.xml", cap("CP-0100", area="Town centre", headline="Storm warning for the town centre",
                                   event="Storm"))
        write(d, "storm.rss", f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Storms</title><link>http://example.org/</link><description>x</description>
<item><title>Storm</title><link>single.xml</link><guid>urn:x:single</guid></item>
</channel></rss>
""")
    if step in ("update", "cancel"):
        entries.append("update.xml")
        write(d, "update.xml", cap("CP-0001-U1", msg="Update", refs=f"{SENDER},CP-0001,{t(-1)}",
                                   headline="Flood warning extended to the old town", area="Town centre and old town"))
    if step == "cancel":
        entries.append("cancel.xml")
        write(d, "cancel.xml", cap("CP-0001-C1", msg="Cancel",
                                   refs=f"{SENDER},CP-0001,{t(-2)} {SENDER},CP-0001-U1,{t(-1)}"))
    if step == "new":
        entries = [f"new-{tag}.xml"]
        write(d, f"new-{tag}.xml", cap(f"CP-B-{tag}", area="Town centre", headline=f"Bench alert {tag}"))
    write(d, "index.atom", atom(entries))


if __name__ == "__main__":
    main()
