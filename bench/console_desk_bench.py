#!/usr/bin/env python3
"""bench/console_desk_bench.py - the emergency desk goals of issue 17 (not run in CI).

    bench/console_desk_bench.py [--build DIR] [--alerts N] [--cap N] [--interval S]

Starts a throw-away mosquitto (scripts/broker.sh), crier-console with a
signing key, one real headless kiosk (1920x1080) trusting that key, and a
local HTTP server serving CAP documents (tests/console/cap_server.py), then:

  approve -> pixels   an editor's Actual alert waits (two-person rule); the
                      approver's POST /api/alerts/ID/approve is timed from
                      just before the request to the kiosk's alert_presented
                      event (the frame with the alert presented; wall clock
                      of the kiosk's --events line).  Each alert is cancelled
                      before the next.  p50 / max; also the console's own
                      send-to-screen figure from the kiosk's receipt
  CAP item -> screen  a new CAP alert is written into the source's Atom index
                      (tests/console/cap_fixtures.py "new") at a random
                      moment of the poll interval; timed from the write to
                      the kiosk's alert_presented event.  p50 / max, against
                      the goal interval + 100 ms

Goals (issue 17): approve -> pixels p50 <= 50 ms on loopback; a new CAP item
at the source -> on screen <= poll interval + 100 ms.
"""
import argparse
import json
import pathlib
import random
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from console_bench import Rig, wait_until  # noqa: E402


def presented_at(ev, identifier):
    pat = '"identifier":"%s"' % identifier
    for line in ev.read_text().splitlines():
        if '"alert_presented"' in line and pat in line:
            return json.loads(line)["t_ms"]
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--alerts", type=int, default=20)
    ap.add_argument("--cap", type=int, default=8)
    ap.add_argument("--interval", type=int, default=2, help="the CAP source's poll interval, seconds")
    a = ap.parse_args()
    with Rig(a.build, "crier-desk-bench.") as rig:
        rig.start(["--pwhash-ops", "1", "--pwhash-mem-mib", "8"])
        tmp, ev = rig.tmp, rig.ev
        capdir = tmp / "cap"
        capdir.mkdir()
        subprocess.check_call([sys.executable, str(ROOT / "tests/console/cap_fixtures.py"), str(capdir), "new", "warmup"])
        cap = subprocess.Popen([sys.executable, "-u", str(ROOT / "tests/console/cap_server.py"), str(capdir)],
                               stdout=subprocess.PIPE, text=True)
        rig.procs.append(cap)
        cport = int(cap.stdout.readline().split()[1])

        admin = rig.login("admin", "correct horse battery")
        for u, role in (("ed", "editor"), ("bob", "publisher")):
            st, r = admin.call("POST", "/api/users", {"user": u, "password": "password-" + u, "role": role})
            assert st in (200, 201), r
        ed, bob = (rig.login(u, "password-" + u) for u in ("ed", "bob"))
        rig.wait_kiosk(admin)

        # approve -> pixels
        lat, rec = [], []
        for i in range(a.alerts):
            st, p = ed.call("POST", "/api/alerts", {"scope": "kiosk:bench-1", "status": "Actual", "expires_minutes": 30,
                                                    "info": [{"language": "en", "event": "Evacuation", "severity": "Extreme",
                                                              "urgency": "Immediate", "certainty": "Observed",
                                                              "headline": "Bench evacuation %d" % i,
                                                              "instruction": "Leave by the east stairs."}]})
            assert st == 202 and p["state"] == "pending", (st, p)
            t0 = time.time() * 1000
            st, s = bob.call("POST", "/api/alerts/%s/approve" % p["id"])
            assert st == 200, s
            t1 = wait_until(lambda: presented_at(ev, p["identifier"]), 10)
            if t1:
                lat.append(t1 - t0)
            d = wait_until(lambda: (lambda x: x if x["summary"]["last_screen_ms"] is not None else None)(
                admin.call("GET", "/api/alerts/%s" % p["id"])[1]), 5)
            if d:
                rec.append(d["summary"]["last_screen_ms"])
            st, c = ed.call("POST", "/api/alerts/%s/cancel" % p["id"], {})
            assert st == 201, c
            time.sleep(0.4)

        # a new CAP item at the source -> on screen
        st, r = admin.call("POST", "/api/relay", {"id": "bench", "url": "http://127.0.0.1:%d/index.atom" % cport,
                                                  "interval_s": a.interval, "mode": "auto", "scope": "kiosk:bench-1",
                                                  "rules": {"areas": ["town centre"]}})
        assert st == 201, r
        wait_until(lambda: presented_at(ev, "CP-B-warmup"), 3 * a.interval + 5)
        cap_lat = []
        for i in range(a.cap):
            time.sleep(random.uniform(0.2, a.interval))
            tag = "%d-%d" % (i, int(time.time()))
            t0 = time.time() * 1000
            subprocess.check_call([sys.executable, str(ROOT / "tests/console/cap_fixtures.py"), str(capdir), "new", tag])
            t1 = wait_until(lambda: presented_at(ev, "CP-B-" + tag), 2 * a.interval + 5)
            if t1:
                cap_lat.append(t1 - t0)

        nan = float("nan")
        rows = [
            ("approve -> alert pixels p50", statistics.median(lat) if lat else nan, "ms", "<= 50"),
            ("approve -> alert pixels max", max(lat) if lat else nan, "ms", ""),
            ("alerts measured", len(lat), "of %d" % a.alerts, ""),
            ("sent -> presented (kiosk receipt) p50", statistics.median(rec) if rec else nan, "ms", ""),
            ("CAP item -> alert pixels p50", statistics.median(cap_lat) if cap_lat else nan, "ms",
             "<= %d" % (a.interval * 1000 + 100)),
            ("CAP item -> alert pixels max", max(cap_lat) if cap_lat else nan, "ms", "<= %d" % (a.interval * 1000 + 100)),
            ("CAP items measured", len(cap_lat), "of %d" % a.cap, ""),
        ]
        print("%-40s %10s %-6s %s" % ("benchmark", "value", "unit", "goal"))
        for name, v, unit, goal in rows:
            print("%-40s %10.1f %-6s %s" % (name, v, unit, goal))


if __name__ == "__main__":
    main()
