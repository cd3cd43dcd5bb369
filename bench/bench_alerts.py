"""bench_alerts - emergency alert from crierctl to a presented frame on a headless kiosk.

200 alerts sent one by one with `crierctl alert --wait 1` (each then
cancelled), through a local mosquitto, to a headless crier at 1920x1080.
"send to presented" is crierctl's own figure: the kiosk's presented_ms (the
frame showing the alert was presented) minus the time crierctl sent it.
Paced: the kiosk presents on a 60 Hz grid as vsync would (headless_pace_hz).
"""
import pathlib
import re
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float("nan")


def _run(build, tmp, url, pace, n):
    tmp = pathlib.Path(tmp)
    state = tmp / f"state{pace}"
    state.mkdir()
    ev = tmp / f"ev{pace}.jsonl"
    kiosk = subprocess.Popen([str(build / "crier"), "--config", str(ROOT / "assets/demo/demo.conf"), "--headless",
                              "--size", "1920x1080", "--set", f"broker_url={url}", "--set", "kiosk_id=bench-1",
                              "--set", f"state_dir={state}", "--set", f"alert_keys_dir={tmp / 'keys'}",
                              "--set", f"headless_pace_hz={pace}", "--set", "ticker_motion=static",
                              "--set", "log_level=error", "--events", str(ev)])
    lat = []
    try:
        time.sleep(2.5)
        ctl = [str(build / "crierctl"), "--broker", url, "--timeout", "5"]
        key = str(tmp / "staff" / "Bench.key")
        for i in range(n):
            out = subprocess.run(ctl + ["alert", "--key", key, "--kiosk", "bench-1", "--event", "Flood warning",
                                        "--severity", "Extreme", "--headline", f"Evacuate zone {i}",
                                        "--instruction", "Go to the sports hall on Hill Road", "--expires", "+1h",
                                        "--id", f"b{pace}-{i}", "--wait", "1"], capture_output=True, text=True).stdout
            m = re.search(r"send to screen: p50 (-?\d+) ms", out)
            if m:
                lat.append(int(m.group(1)))
            subprocess.run(ctl + ["cancel", f"b{pace}-{i}", "--kiosk", "bench-1", "--key", key],
                           capture_output=True)
    finally:
        kiosk.terminate()
        kiosk.wait()
    return lat


def bench_alerts(build, quick):
    n = 20 if quick else 200
    line = subprocess.run([str(ROOT / "scripts/broker.sh"), "start"], check=True, capture_output=True,
                          text=True).stdout
    fields = dict(kv.split("=", 1) for kv in line.split())
    url = f"mqtt://127.0.0.1:{fields['port']}"
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            (pathlib.Path(tmp) / "keys").mkdir()
            subprocess.run([str(build / "crierctl"), "keygen", "--issuer", "Bench", "--out", f"{tmp}/staff"],
                           check=True, capture_output=True)
            (pathlib.Path(tmp) / "keys" / "Bench.pub").write_bytes((pathlib.Path(tmp) / "staff/Bench.pub").read_bytes())
            paced = _run(build, tmp, url, 60, n)
            unpaced = _run(build, tmp, url, 0, n)
    finally:
        subprocess.run([str(ROOT / "scripts/broker.sh"), "stop", fields["dir"]], capture_output=True)
    rows.append((f"alert send to presented, paced 60 Hz, p50 (n={len(paced)})", statistics.median(paced) if paced else float("nan"), "ms", "<= 20"))
    rows.append(("alert send to presented, paced 60 Hz, p99", _pct(paced, 99), "ms", "<= 35"))
    rows.append((f"alert send to presented, unpaced, p50 (n={len(unpaced)})", statistics.median(unpaced) if unpaced else float("nan"), "ms", ""))
    rows.append(("alert send to presented, unpaced, p99", _pct(unpaced, 99), "ms", "<= 10"))
    return rows


BENCHES = {"alerts": bench_alerts}
