"""bench_remote - staff posts through a real mosquitto to a headless kiosk.

post_to_shown: crierctl post (priority above the demo's posts, so it
interrupts the rotation) until the kiosk's item_shown event for it.
retract_to_frame: from the kiosk's item_retracted event (the retract arrived
and was applied) to the next frame_presented (the post is off the screen).
heartbeat CPU: the kiosk's CPU over 20 s with a 5 s heartbeat and nothing
else changing.
"""
import json
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _events(path):
    out = []
    try:
        for line in pathlib.Path(path).read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    except OSError:
        pass
    return out


def _wait(path, pred, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        for e in _events(path):
            if pred(e):
                return e
        time.sleep(0.002)
    return None


def _cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def bench_remote(build, quick):
    n = 10 if quick else 40
    line = subprocess.run([str(ROOT / "scripts/broker.sh"), "start"], check=True, capture_output=True,
                          text=True).stdout
    fields = dict(kv.split("=", 1) for kv in line.split())
    url = f"mqtt://127.0.0.1:{fields['port']}"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ev = pathlib.Path(tmp) / "ev.jsonl"
        conf = pathlib.Path(tmp) / "k.conf"
        conf.write_text("source.s.type = file\nsource.s.path = %s\ntransition = none\nticker_motion = static\n"
                        % (ROOT / "assets/demo/content.json"))
        kiosk = subprocess.Popen([str(build / "crier"), "--config", str(conf), "--headless", "--size", "1920x1080",
                                  "--set", f"broker_url={url}", "--set", "kiosk_id=bench-1", "--set", "heartbeat_s=5",
                                  "--set", f"state_dir={tmp}", "--set", "log_level=warn", "--events", str(ev)])
        try:
            _wait(ev, lambda e: e["event"] == "first_frame")
            time.sleep(1.5)  # connected and subscribed
            ctl = [str(build / "crierctl"), "--broker", url]
            shown, gone = [], []
            for i in range(n):
                t0 = time.time() * 1000
                pid = subprocess.run(ctl + ["post", "--kiosk", "bench-1", "--title", f"Bench notice {i}",
                                            "--priority", "90"], check=True, capture_output=True,
                                     text=True).stdout.strip()
                e = _wait(ev, lambda e: e["event"] == "item_shown" and e.get("id") == pid)
                if e:
                    shown.append(e["t_ms"] - t0)
                subprocess.run(ctl + ["retract", pid], check=True, capture_output=True)
                r = _wait(ev, lambda e: e["event"] == "item_retracted" and e.get("id") == pid)
                if r:
                    f = _wait(ev, lambda e: e["event"] == "frame_presented" and e["t_ms"] >= r["t_ms"])
                    if f:
                        gone.append(f["t_ms"] - r["t_ms"])
            c0, t0 = _cpu(kiosk.pid), time.monotonic()
            time.sleep(5 if quick else 20)
            cpu = 100 * (_cpu(kiosk.pid) - c0) / (time.monotonic() - t0)
        finally:
            kiosk.terminate()
            kiosk.wait()
            subprocess.run([str(ROOT / "scripts/broker.sh"), "stop", fields["dir"]], capture_output=True)

    def pct(v, p):
        v = sorted(v)
        return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float("nan")

    rows.append(("post sent (crierctl) to item_shown p50", statistics.median(shown) if shown else float("nan"),
                 "ms", "next rotation slot; here it interrupts"))
    rows.append(("post sent (crierctl) to item_shown p99", pct(shown, 99), "ms", ""))
    rows.append(("retract applied to frame without it, max", max(gone) if gone else float("nan"), "ms",
                 "within one frame (16.7)"))
    rows.append(("kiosk CPU with heartbeats every 5 s, static screen", cpu, "% of a core", "no visible CPU"))
    return rows


BENCHES = {"remote": bench_remote}
