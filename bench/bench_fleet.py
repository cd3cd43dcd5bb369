"""bench_fleet - one alert to a fleet: N simulated kiosks plus a few real ones (issue 8 "Fleet scale").

crier_fleet (bench/fleet.c) runs N kiosks of Crier's own MQTT thread and alert
service (firmware/remote/mqtt.c, firmware/alerts/alerts.c; no renderer) in a few
processes; beside them run a few real headless `crier` processes; all of them
talk to one throw-away mosquitto (scripts/broker.sh).  Each round the office
signs one alert (scope all) and publishes it once; the figures are the time
from that send until each kiosk's renderer had it (p50, p99, max over
kiosks, median over rounds), the memory per simulated kiosk, and the real
kiosks' send-to-presented from their receipts.  docs/scaling.md explains the
set-up and what the numbers mean.

Used by bench/run (BENCHES) and by bench/fleet (the command-line wrapper).
"""
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PKGS = "libmosquitto libcurl libcjson expat libical libsodium libqrencode libsystemd"


def raise_nofile():
    """Soft RLIMIT_NOFILE up to the hard limit; the broker (started from here) inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def fleet_binary(build, tmp):
    """build/crier_fleet (CMake target crier_fleet), else compile bench/fleet.c against build's libraries."""
    exe = pathlib.Path(build) / "crier_fleet"
    if exe.exists():
        return exe
    io, core = pathlib.Path(build) / "libcrier_io.a", pathlib.Path(build) / "libcrier_core.a"
    if not io.exists() or not core.exists():
        sys.exit(f"bench_fleet: {build} has neither crier_fleet nor libcrier_io.a/libcrier_core.a")
    exe = pathlib.Path(tmp) / "crier_fleet"
    libs = subprocess.run(["pkg-config", "--libs"] + PKGS.split(), check=True, capture_output=True,
                          text=True).stdout.split()
    subprocess.run(["cc", "-O2", "-g", "-std=gnu11", "-I", str(ROOT / "firmware"), "-I",
                    str(pathlib.Path(build) / "generated"), str(ROOT / "bench/fleet.c"), str(io), str(core),
                    *libs, "-lpthread", "-lm", "-o", str(exe)], check=True)
    return exe


def default_state_dir():
    # One simulated machine, 1000 "disks": every kiosk fsyncs its alert state after each
    # alert.  On one shared disk that is 2000 journal commits in a burst; a real fleet
    # has one disk per kiosk.  tmpfs keeps that artefact out (--state-dir to compare).
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def run_fleet(build, n=1000, per_proc=250, rounds=5, real=3, pace=60, state_dir="auto", extra=(), echo=True):
    """Runs one fleet measurement; returns (rows, output text, exit status)."""
    build = pathlib.Path(build)
    nofile = raise_nofile()
    line = subprocess.run([str(ROOT / "scripts/broker.sh"), "start"], check=True, capture_output=True,
                          text=True).stdout
    broker = dict(kv.split("=", 1) for kv in line.split())
    url = f"mqtt://127.0.0.1:{broker['port']}"
    kiosks, logs = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="crier-fleet-bench.") as tmp:
            tmp = pathlib.Path(tmp)
            exe = fleet_binary(build, tmp)
            (tmp / "keys").mkdir()
            subprocess.run([str(build / "crierctl"), "keygen", "--issuer", "Fleet", "--out", str(tmp / "staff")],
                           check=True, capture_output=True)
            shutil.copy(tmp / "staff/Fleet.pub", tmp / "keys/Fleet.pub")
            real_ids = [f"real-{i + 1}" for i in range(real)]
            for kid in real_ids:
                (tmp / kid).mkdir()
                log = open(tmp / f"{kid}.log", "w")
                logs.append(log)
                kiosks.append(subprocess.Popen(
                    [str(build / "crier"), "--config", str(ROOT / "assets/demo/demo.conf"), "--headless",
                     "--size", "1920x1080", "--set", f"broker_url={url}", "--set", f"kiosk_id={kid}",
                     "--set", f"state_dir={tmp / kid}", "--set", f"alert_keys_dir={tmp / 'keys'}",
                     "--set", f"headless_pace_hz={pace}", "--set", "ticker_motion=static",
                     "--set", "log_level=error", "--events", str(tmp / f"{kid}.jsonl")],
                    stdout=log, stderr=subprocess.STDOUT))
            cmd = [str(exe), "--broker", url, "--broker-pid", broker["pid"], "--n", str(n), "--per-proc",
                   str(per_proc), "--rounds", str(rounds), "--key", str(tmp / "staff/Fleet.key"), "--keys",
                   str(tmp / "keys"), "--rows"]
            if real_ids:
                cmd += ["--real", ",".join(real_ids)]
            sd = default_state_dir() if state_dir == "auto" else state_dir
            if sd:
                cmd += ["--state-dir", sd]
            cmd += list(extra)
            p = subprocess.run(cmd, capture_output=True, text=True)
            out = p.stdout
            if echo:
                sys.stdout.write("".join(l + "\n" for l in out.splitlines() if not l.startswith("ROW\t")))
                if p.stderr.strip():
                    sys.stderr.write(p.stderr[-4000:])
            for kid, k in zip(real_ids, kiosks):
                if k.poll() is not None:
                    sys.stderr.write(f"bench_fleet: real kiosk {kid} exited ({k.returncode}): "
                                     f"{(tmp / f'{kid}.log').read_text()[-2000:]}\n")
            rows = []
            for l in out.splitlines():
                if l.startswith("ROW\t"):
                    _, name, value, unit, goal = (l.split("\t") + [""] * 5)[:5]
                    rows.append((name, float(value), unit, goal))
            rows.append(("fleet: RLIMIT_NOFILE for fleet and broker", float(nofile), "fds", ""))
            return rows, out, p.returncode
    finally:
        for k in kiosks:
            k.terminate()
        for k in kiosks:
            try:
                k.wait(timeout=10)
            except subprocess.TimeoutExpired:
                k.kill()
                k.wait()
        for log in logs:
            log.close()
        subprocess.run([str(ROOT / "scripts/broker.sh"), "stop", broker["dir"]], capture_output=True)


def bench_fleet(build, quick):
    n, rounds = (200, 2) if quick else (1000, 5)
    rows, _, _ = run_fleet(build, n=n, rounds=rounds, real=3, echo=False)
    return rows


BENCHES = {"fleet": bench_fleet}
