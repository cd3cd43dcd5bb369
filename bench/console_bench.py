#!/usr/bin/env python3
"""bench/console_bench.py - crier-console goals of issue 16 (not run in CI).

    bench/console_bench.py [--build DIR] [--posts N] [--previews N] [--kiosks N]

Starts a throw-away mosquitto (scripts/broker.sh), crier-console with a
signing key, and one real headless kiosk (1920x1080) trusting that key, then:

  publish -> presented  POST /api/posts (publish, signed) until the kiosk's
                        first frame_presented after its item_shown of that
                        post (wall clock of the kiosk's --events line minus
                        the wall clock just before the request); p50 / max
  preview               POST /api/preview for one layout (1280x720), wall
                        time of the request; p50 / max
  RSS with N kiosks     N simulated kiosks (a small MQTT 3.1.1 publisher in
                        this file) send a retained status and three rounds of
                        heartbeats in crier's own format; the console's VmRSS
                        once its table holds them all, and GET /api/screens
                        time with all of them

Goals (issue 16): publish -> presented p50 <= 100 ms on loopback, preview
<= 150 ms for one layout, console RSS <= 30 MB with 1000 kiosks known.
"""
import argparse
import http.client
import json
import os
import pathlib
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent


def mqtt_packet(ptype, body):
    n, rem = len(body), b""
    while True:
        b = n % 128
        n //= 128
        rem += bytes([b | (0x80 if n else 0)])
        if not n:
            break
    return bytes([ptype]) + rem + body


def mqtt_str(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


class MiniMqtt:
    """Just enough MQTT 3.1.1 to publish QoS 0 (retained or not)."""

    def __init__(self, port, client_id):
        self.s = socket.create_connection(("127.0.0.1", port))
        var = mqtt_str("MQTT") + bytes([4, 0x02]) + struct.pack(">H", 60)
        self.s.sendall(mqtt_packet(0x10, var + mqtt_str(client_id)))
        ack = self.s.recv(4)
        assert ack[:2] == b"\x20\x02" and ack[3] == 0, ack

    def publish(self, topic, payload, retain=False):
        self.s.sendall(mqtt_packet(0x30 | (1 if retain else 0), mqtt_str(topic) + payload.encode()))

    def close(self):
        self.s.sendall(b"\xe0\x00")
        self.s.close()


class Console:
    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.host, self.port, self.cookie, self.csrf = u.hostname, u.port, "", ""

    def call(self, method, path, body=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=60)
        h = {"Content-Type": "application/json", "Cookie": self.cookie, "X-CSRF-Token": self.csrf}
        c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
        r = c.getresponse()
        data = r.read()
        if r.getheader("Set-Cookie"):
            self.cookie = r.getheader("Set-Cookie").split(";")[0]
        c.close()
        return r.status, json.loads(data) if data[:1] in (b"{", b"[") else data


def rss_kb(pid):
    vals = {}
    for line in open("/proc/%d/status" % pid):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            vals[k] = int(v.split()[0])
    return vals


def wait_until(fn, timeout):
    end = time.time() + timeout
    while time.time() < end:
        r = fn()
        if r:
            return r
        time.sleep(0.02)
    return None


class Rig:
    """The set-up both console benches share (console_desk_bench.py imports it):
    a throw-away mosquitto (scripts/broker.sh), crier-console with a signing key
    ("Bench Desk") and user admin, and one real headless kiosk bench-1
    (1920x1080, site town-hall) trusting that key and taking signed posts only,
    its --events in rig.ev.  A context manager: on the way out every process
    in rig.procs is stopped, then the broker, and the temporary folder goes."""

    def __init__(self, build, prefix):
        self.build = pathlib.Path(build)
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
        self.procs, self.broker_dir = [], None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.broker_dir:
            subprocess.call([str(ROOT / "scripts/broker.sh"), "stop", self.broker_dir])
        subprocess.call(["rm", "-rf", str(self.tmp)])

    def start(self, console_args=()):
        """Broker, console (extra console_args before --log-level), kiosk; sets
        port, url, console (its Popen), base (its http://HOST:PORT) and ev."""
        build, tmp = self.build, self.tmp
        line = subprocess.check_output([str(ROOT / "scripts/broker.sh"), "start"], text=True)
        self.port = int(re.search(r"port=(\d+)", line).group(1))
        self.broker_dir = re.search(r"dir=(\S+)", line).group(1)
        self.url = url = "mqtt://127.0.0.1:%d" % self.port
        subprocess.check_call([str(build / "crierctl"), "keygen", "--issuer", "Bench Desk", "--out", str(tmp / "staff")],
                              stdout=subprocess.DEVNULL)
        (tmp / "keys").mkdir()
        (tmp / "keys/Bench-Desk.pub").write_bytes((tmp / "staff/Bench-Desk.pub").read_bytes())
        (tmp / "pw").write_text("correct horse battery\n")
        self.console = subprocess.Popen([str(build / "crier-console"), "--db", str(tmp / "c.db"), "--listen", "127.0.0.1:0",
                                         "--broker", url, "--signing-key", str(tmp / "staff/Bench-Desk.key"),
                                         "--create-user", "admin:admin", "--password-file", str(tmp / "pw"),
                                         *console_args,
                                         "--log-level", "warn"], stdout=subprocess.PIPE,
                                        stderr=open(tmp / "console.log", "w"), text=True)
        self.procs.append(self.console)
        self.base = re.search(r"listening on (\S+)", self.console.stdout.readline()).group(1)
        self.ev = tmp / "kiosk.jsonl"
        kiosk = subprocess.Popen([str(build / "crier"), "--config", str(ROOT / "assets/demo/demo.conf"), "--headless",
                                  "--size", "1920x1080", "--set", "broker_url=" + url, "--set", "kiosk_id=bench-1",
                                  "--set", "site=town-hall", "--set", "state_dir=%s/ks" % tmp,
                                  "--set", "cache_dir=%s/kc" % tmp, "--set", "alert_keys_dir=%s/keys" % tmp,
                                  "--set", "require_signed_posts=true", "--events", str(self.ev)],
                                 stderr=open(tmp / "kiosk.log", "w"))
        self.procs.append(kiosk)

    def login(self, user, password):
        """A Console logged in as user (its CSRF token set)."""
        con = Console(self.base)
        st, me = con.call("POST", "/api/login", {"user": user, "password": password})
        assert st == 200, me
        con.csrf = me["csrf"]
        return con

    def wait_kiosk(self, con):
        """Until the kiosk presents frames and con's console lists it (20 s each), then 1 s more."""
        ev = self.ev
        wait_until(lambda: '"first_frame"' in ev.read_text() if ev.exists() else False, 20)
        wait_until(lambda: any(s["kiosk"] == "bench-1" for s in con.call("GET", "/api/screens")[1]["screens"]), 20)
        time.sleep(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--posts", type=int, default=20)
    ap.add_argument("--previews", type=int, default=10)
    ap.add_argument("--kiosks", type=int, default=1000)
    a = ap.parse_args()
    with Rig(a.build, "crier-console-bench.") as rig:
        rig.start()
        port, console, ev = rig.port, rig.console, rig.ev
        con = rig.login("admin", "correct horse battery")
        rig.wait_kiosk(con)

        # publish -> presented
        lat = []
        for i in range(a.posts):
            t0 = time.time() * 1000
            st, p = con.call("POST", "/api/posts", {"title": "Bench post %d" % i, "body": "Publish to pixels.",
                                                    "priority": 90, "target": {"screens": ["bench-1"]}, "publish": True})
            assert st == 201, p

            def presented():
                shown = False
                for l in ev.read_text().splitlines():
                    if '"item_shown","id":"%s"' % p["id"] in l:
                        shown = True
                    elif shown and '"frame_presented"' in l:
                        return json.loads(l)["t_ms"]
                return None
            t1 = wait_until(presented, 10)
            if t1:
                lat.append(t1 - t0)
            con.call("POST", "/api/posts/%s/retract" % p["id"])
            time.sleep(0.3)

        # preview, one layout
        pv, pv_render = [], []
        for i in range(a.previews):
            t0 = time.time()
            st, r = con.call("POST", "/api/preview", {"post": {"title": "Library closes at 16:00 today %d" % i,
                                                               "body": "Because of the staff meeting."},
                                                      "orientation": "landscape"})
            assert st == 200, r
            pv.append((time.time() - t0) * 1000)
            pv_render.append(r["render_ms"])

        # RSS with N kiosks
        before = rss_kb(console.pid)
        sims = [MiniMqtt(port, "bench-sim-%d" % k) for k in range(4)]
        now = int(time.time() * 1000)
        for k in range(a.kiosks):
            kid = "sim-%04d" % k
            sims[k % 4].publish("crier/v1/kiosk/%s/status" % kid, json.dumps(
                {"kiosk": kid, "site": "site-%d" % (k % 20), "state": "online", "ts": now, "version": "0.1.0"}), True)
        for rnd in range(3):
            now = int(time.time() * 1000)
            for k in range(a.kiosks):
                kid = "sim-%04d" % k
                hb = {"kiosk": kid, "site": "site-%d" % (k % 20), "version": "0.1.0", "ts": now, "uptime_s": 100 + rnd,
                      "showing": {"id": "p-%d" % (k % 50), "source": "mqtt", "title": "Simulated post %d" % (k % 50),
                                  "since": now - 5000}, "content_age_s": 12, "feeds": {}, "alerts": 0,
                      "mem_free_kb": 512000, "temp_c": 48.5, "mqtt": 4}
                sims[k % 4].publish("crier/v1/kiosk/%s/heartbeat" % kid, json.dumps(hb), True)
            time.sleep(1)
        full = wait_until(lambda: con.call("GET", "/api/health")[1]["screens"] >= a.kiosks + 1, 30)
        time.sleep(2)
        after = rss_kb(console.pid)
        sc = []
        for i in range(10):
            t0 = time.time()
            st, r = con.call("GET", "/api/screens")
            sc.append((time.time() - t0) * 1000)
        n_screens = len(r["screens"])
        for s in sims:
            s.close()

        rows = [
            ("publish -> presented p50", statistics.median(lat) if lat else float("nan"), "ms", "<= 100"),
            ("publish -> presented max", max(lat) if lat else float("nan"), "ms", ""),
            ("posts measured", len(lat), "of %d" % a.posts, ""),
            ("preview, one layout, p50", statistics.median(pv), "ms", "<= 150"),
            ("preview, one layout, max", max(pv), "ms", ""),
            ("preview, crier render p50", statistics.median(pv_render), "ms", ""),
            ("console RSS before kiosks", before["VmRSS"] / 1024, "MiB", ""),
            ("console RSS with %d kiosks" % n_screens, after["VmRSS"] / 1024, "MiB", "<= 30"),
            ("console peak RSS (VmHWM)", after["VmHWM"] / 1024, "MiB", ""),
            ("GET /api/screens, %d rows, p50" % n_screens, statistics.median(sc), "ms", ""),
        ]
        if not full:
            print("warning: the console did not report every simulated kiosk", file=sys.stderr)
        print("%-36s %10s %-6s %s" % ("benchmark", "value", "unit", "goal"))
        for name, v, unit, goal in rows:
            print("%-36s %10.1f %-6s %s" % (name, v, unit, goal))


if __name__ == "__main__":
    main()
