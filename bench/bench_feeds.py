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
