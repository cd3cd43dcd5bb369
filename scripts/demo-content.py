#!/usr/bin/env python3
"""Copy the bundled demo content with its event dates moved to the coming days.

The committed assets/demo/content.json has fixed dates (the golden-image tests
need them); a demo shown next year must still list upcoming events, so the
demo script writes a copy whose first event is tomorrow evening.

usage: demo-content.py SRC_DIR DEST_DIR
"""
import datetime as dt
import json
import pathlib
import shutil
import sys


def main() -> int:
    src, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    dest.mkdir(parents=True, exist_ok=True)
    content = json.loads((src / "content.json").read_text(encoding="utf-8"))
    events = content.get("events", [])
    starts = [dt.datetime.fromisoformat(e["starts"].replace("Z", "+00:00")) for e in events]
    if starts:
        first = min(starts)
        tomorrow = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).date()
        shift = dt.datetime.combine(tomorrow, first.timetz()) - first
        for e in events:
            for key in ("starts", "ends"):
                if key in e:
                    t = dt.datetime.fromisoformat(e[key].replace("Z", "+00:00")) + shift
                    e[key] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    (dest / "content.json").write_text(json.dumps(content, indent=2, ensure_ascii=False), encoding="utf-8")
    for f in src.iterdir():
        if f.suffix in (".png", ".jpg", ".jpeg", ".webp"):
            shutil.copy(f, dest / f.name)
    shutil.copy(src / "demo.conf", dest / "demo.conf")
    return 0


if __name__ == "__main__":
    sys.exit(main())
