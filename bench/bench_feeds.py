"""bench_feeds - feed parsing rates: a 5 MB RSS file, a 5 MB Mastodon page and a
2000-event .ics (bench/gen_feeds.py makes them), parsed by crier_feeds_parse
(the same parsers the fetch thread uses); the peak-RSS growth is measured
from before each file's first parse."""
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def bench_feeds(build, quick):
    exe = build / "crier_feeds_parse"
    if not exe.exists():
        return [("feed parsing (crier_feeds_parse not built)", float("nan"), "", "")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "bench/gen_feeds.py"), tmp], check=True, capture_output=True)
        out = subprocess.run([str(exe), tmp, "2" if quick else "5"], check=True, capture_output=True,
                             text=True).stdout
    for line in out.splitlines():
        m = re.match(r"(\S+)\s+([\d.]+) MB\s+(\d+) items\s+([\d.]+) ms/parse\s+(\d+) items/s.*RSS \+(-?\d+) KiB",
                     line)
        if not m:
            continue
        name, mb, items, ms, rate, rss = m.groups()
        rows.append((f"parse {name} ({mb} MB, {items} items): items per second", float(rate), "items/s", ""))
        rows.append((f"parse {name}: time per parse", float(ms), "ms", ""))
        rows.append((f"parse {name}: peak RSS growth", int(rss) / 1024.0, "MB", ""))
    return rows


BENCHES = {"feeds": bench_feeds}


def bench_feed_refresh_frames(build, quick):
    """Frame work while a 5 MB RSS feed (4 622 items) is fetched, parsed and
    handed over every 10 s, with 1 s posts fading on a 1920x1080 headless kiosk."""
    import json
    import os
    import signal
    import time
    secs = 12 if quick else 32
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        www = tmp / "www"
        subprocess.run([sys.executable, str(ROOT / "bench/gen_feeds.py"), str(www)], check=True, capture_output=True)
        srv = subprocess.Popen([sys.executable, str(ROOT / "tests/tools/httpd.py"), "--root", str(www),
                                "--port-file", str(tmp / "port")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if (tmp / "port").exists() and (tmp / "port").read_text().strip():
                    break
                time.sleep(0.05)
            port = (tmp / "port").read_text().strip()
            (tmp / "posts.json").write_text(json.dumps({"posts": [
                {"id": f"p{i}", "title": f"Notice {i}", "body": "Short text that fits.", "duration_s": 1}
                for i in range(4)]}))
            (tmp / "k.conf").write_text(
                f"source.local.type = file\nsource.local.path = {tmp / 'posts.json'}\nsource.local.priority = 10\n"
                f"source.big.type = rss\nsource.big.url = http://127.0.0.1:{port}/f/rss_5mb.xml\n"
                f"source.big.refresh_s = 10\nsource.big.max_bytes = 8000000\nsource.big.max_items = 2000\n"
                f"cache_dir = {tmp / 'cache'}\nstate_dir = {tmp}\ntransition_ms = 400\nticker_motion = static\n")
            ev = tmp / "ev.jsonl"
            subprocess.run([str(build / "crier"), "--config", str(tmp / "k.conf"), "--headless", "--size", "1920x1080",
                            "--run-for", str(secs), "--events", str(ev), "--set", "log_level=error"],
                           capture_output=True, timeout=secs + 30)
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.wait()
        evs = [json.loads(l) for l in ev.read_text().splitlines()]
    updates = [e["t_ms"] for e in evs if e["event"] == "content_updated" and e.get("source") == "big"]
    frames = [e for e in evs if e["event"] == "frame_presented" and "work_us" in e]
    near = [e["work_us"] / 1000 for e in frames if any(abs(e["t_ms"] - u) <= 300 for u in updates)]
    trans = [e["work_us"] / 1000 for e in frames if e.get("transition")]
    def pct(v, p):
        v = sorted(v)
        return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float("nan")
    return [
        (f"feed refresh: 5 MB RSS handed over ({len(updates)} times)", len(updates), "refreshes", ""),
        ("feed refresh: frame work within 300 ms of a hand-over, max", max(near) if near else float("nan"), "ms",
         "<= 16.7"),
        ("feed refresh: transition frame work, p99", pct(trans, 99), "ms", "<= 16.7"),
    ]


BENCHES["feed_frames"] = bench_feed_refresh_frames
