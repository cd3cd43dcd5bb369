"""e2e_fleet.py - a simulated fleet for the console's browser tests.

Publishes, for N made-up kiosks, the retained status and heartbeat messages a
real kiosk leaves on the broker (docs/protocol.md "Status", "Heartbeat"), in
one MQTT 3.1.1 connection: a console that subscribes afterwards gets them all
at once, exactly as after a restart in a town with N screens.  Most are
online; some have an old heartbeat (stale) and some said goodbye (offline).

    e2e_fleet.py HOST PORT N [PREFIX]     prints "published N kiosks"
"""
import json
import socket
import sys
import time

SITES = ["town-hall", "library", "station", "pool", "museum", "school", "market"]
TITLES = ["Town hall closed Friday", "Library opens at 10:00 on Sunday",
          "Road works on Hill Road until 24 December", "Vaccination day at the sports hall",
          "Bus 7 diverted: stop moved to Market Square"]


def _varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(s):
    b = s.encode()
    return len(b).to_bytes(2, "big") + b


def _packet(kind, body):
    return bytes([kind]) + _varint(len(body)) + body


def _publish_retained(topic, payload):
    return _packet(0x31, _str(topic) + payload)  # PUBLISH, QoS 0, retain


def fleet_messages(n, prefix="sim", now_ms=None):
    """(topic, payload bytes) for n kiosks: status and heartbeat each."""
    now_ms = now_ms or int(time.time() * 1000)
    for i in range(1, n + 1):
        kiosk = f"{prefix}-{i:04d}"
        site = SITES[i % len(SITES)]
        state = "online"
        ts = now_ms - (i % 50) * 1000
        if i % 33 == 0:
            state = "offline"
        elif i % 31 == 0:
            ts = now_ms - 3600 * 1000  # an hour without a heartbeat: stale
        status = {"kiosk": kiosk, "site": site, "state": state, "ts": ts, "version": "0.1.0"}
        if state == "offline":
            del status["ts"]
        yield f"crier/v1/kiosk/{kiosk}/status", json.dumps(status).encode()
        hb = {"kiosk": kiosk, "site": site, "version": "0.1.0", "ts": ts, "uptime_s": 3600 + i,
              "showing": None if i % 9 == 0 else {
                  "id": f"p-demo-{i % len(TITLES)}", "source": "mqtt",
                  "title": TITLES[i % len(TITLES)], "since": ts - 5000},
              "content_age_s": 30 + i % 600, "alerts": 1 if i % 97 == 0 else 0,
              "mem_free_kb": 812345, "temp_c": 40.0 + (i % 45), "mqtt": 5}
        yield f"crier/v1/kiosk/{kiosk}/heartbeat", json.dumps(hb).encode()


def publish_fleet(host, port, n, prefix="sim", timeout=10.0):
    """Publishes the fleet and returns once the broker has taken every message
    (a PINGRESP after the last PUBLISH: the broker handles a connection's
    packets in order)."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        connect = _str("MQTT") + bytes([4, 0x02]) + (30).to_bytes(2, "big") + _str(f"{prefix}-fleet-{time.time_ns()}")
        s.sendall(_packet(0x10, connect))
        ack = s.recv(4)
        if len(ack) < 4 or ack[0] != 0x20 or ack[3] != 0:
            raise RuntimeError(f"broker refused the connection: {ack!r}")
        buf = bytearray()
        for topic, payload in fleet_messages(n, prefix):
            buf += _publish_retained(topic, payload)
            if len(buf) > 65536:
                s.sendall(buf)
                buf.clear()
        buf += bytes([0xC0, 0])  # PINGREQ
        s.sendall(buf)
        got = b""
        while len(got) < 2:
            chunk = s.recv(2 - len(got))
            if not chunk:
                raise RuntimeError("broker closed the connection")
            got += chunk
        if got[0] != 0xD0:
            raise RuntimeError(f"expected PINGRESP, got {got!r}")
        s.sendall(bytes([0xE0, 0]))  # DISCONNECT
    finally:
        s.close()
    return n


if __name__ == "__main__":
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    prefix = sys.argv[4] if len(sys.argv) > 4 else "sim"
    publish_fleet(host, port, n, prefix)
    print(f"published {n} kiosks")
