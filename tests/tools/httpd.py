#!/usr/bin/env python3
"""httpd.py - a local HTTP(S) server for Crier's feed tests (python3 stdlib only).

Serves the fixtures and misbehaves on request, on a free loopback port:

  /f/NAME              the fixture NAME with a content type from its extension
  /etag/NAME           the fixture with ETag and Last-Modified; 304 when the
                       request's If-None-Match or If-Modified-Since matches
  /status/CODE         an empty answer with that status (404, 500, 503, ...)
  /hang                accepts the request and never answers
  /drip                200, Content-Length 1000, then one byte a second
  /big?mb=N            N MiB of RSS-ish bytes without Content-Length (chunked)
  /bigcl?mb=N          the same with a Content-Length header
  /loop                302 to itself, forever
  /wrongtype/NAME      the fixture served as text/html
  /truncated/NAME      Content-Length of the whole fixture, half of it, then close
  /switch/NAME         the fixture, or 500 after GET /control?switch=fail
                       (back with /control?switch=ok)
  /mastodon10mb        a Mastodon page whose one status has 10 MB of HTML
  /imgfeed             RSS whose items reference /f/tiny.png (good), /status/404
                       and /f/rss2.xml (not an image) on this same server
  /mode/KEY            whatever route GET /control?key=KEY&mode=PATH last chose
                       for KEY (PATH is any route above, e.g. /f/a.xml, /status/500,
                       /hang, /drip, /big?mb=50, /loop); 404 until one is chosen.
                       A /hang or /drip answer under /mode stops and closes the
                       connection as soon as KEY's mode changes (a server that
                       recovers drops what it was stuck on)
  /stats               JSON: {"PATH": {"200": n, "304": n, ...}} of requests so far

Options: --root DIR (fixture folder), --port-file FILE (the port is written
there once listening), --tls DIR (make a test CA and a server certificate for
127.0.0.1/localhost with openssl into DIR, serve HTTPS; the CA is DIR/ca.pem).
Stops on SIGTERM.
"""
import argparse
import http.server
import json
import os
import signal
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml",
    ".json": "application/json; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
}

STATE = {"switch": "ok", "stats": {}, "modes": {}}
LOCK = threading.Lock()
ETAG = '"crier-v1"'
LAST_MODIFIED = "Wed, 25 Nov 2026 08:00:00 GMT"


def make_tls(folder):
    os.makedirs(folder, exist_ok=True)
    def run(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ca_key, ca = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    key, csr, crt = (os.path.join(folder, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(folder, "ext.cnf")
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=Crier Test CA")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
        "-days", "2", "-extfile", ext)
    return crt, key


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def log_message(self, fmt, *args):
        if os.environ.get("HTTPD_VERBOSE"):
            sys.stderr.write("httpd: " + (fmt % args) + "\n")

    def count(self, code):
        path = urllib.parse.urlsplit(self.path).path
        with LOCK:
            STATE["stats"].setdefault(path, {}).setdefault(str(code), 0)
            STATE["stats"][path][str(code)] += 1

    def send(self, code, body=b"", ctype="text/plain", headers=None):
        self.count(code)
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def fixture(self, name):
        name = os.path.basename(name)
        path = os.path.join(self.root, name)
        if not os.path.isfile(path):
            return None, None
        with open(path, "rb") as f:
            data = f.read()
        return data, TYPES.get(os.path.splitext(name)[1], "application/octet-stream")

    mode_key = None
    mode_target = None

    def mode_changed(self):
        """Under /mode/KEY: has KEY been switched to another route since this request began?"""
        if self.mode_key is None:
            return False
        with LOCK:
            return STATE["modes"].get(self.mode_key) != self.mode_target

    def do_GET(self):
        self.mode_key = self.mode_target = None  # one handler serves every request of a connection
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        parts = url.path.strip("/").split("/", 1)
        head, rest = parts[0], (parts[1] if len(parts) > 1 else "")
        try:
            self.route(head, rest, q)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def route(self, head, rest, q):
        if head == "f":
            data, ctype = self.fixture(rest)
            if data is None:
                return self.send(404, b"no such fixture\n")
            return self.send(200, data, ctype)
        if head == "etag":
            data, ctype = self.fixture(rest)
            if data is None:
                return self.send(404)
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if inm == ETAG or (inm is None and ims == LAST_MODIFIED):
                return self.send(304, b"", None, {"ETag": ETAG})
            return self.send(200, data, ctype, {"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
        if head == "status":
            return self.send(int(rest or 500), b"status page\n")
        if head == "hang":
            self.count("hang")
            for _ in range(36000):
                if self.mode_changed():
                    break
                time.sleep(0.1)
            self.close_connection = True
            return
        if head == "drip":
            self.count("drip")
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"<")
                self.wfile.flush()
                for _ in range(10):
                    if self.mode_changed():
                        break
                    time.sleep(0.1)
                if self.mode_changed():
                    break
            self.close_connection = True
            return
        if head in ("big", "bigcl"):
            mb = int(q.get("mb", ["20"])[0])
            self.count(200)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            chunk = b"<item><title>x</title></item>" * 2048
            total = mb * 1024 * 1024
            if head == "bigcl":
                self.send_header("Content-Length", str(total))
                self.end_headers()
                sent = 0
                while sent < total:
                    n = min(len(chunk), total - sent)
                    self.wfile.write(chunk[:n])
                    sent += n
            else:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                sent = 0
                while sent < total:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                self.wfile.write(b"0\r\n\r\n")
            return
        if head == "loop":
            return self.send(302, b"", None, {"Location": "/loop"})
        if head == "wrongtype":
            data, _ = self.fixture(rest)
            return self.send(200, data or b"", "text/html; charset=utf-8")
        if head == "truncated":
            data, ctype = self.fixture(rest)
            self.count(200)
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if head == "switch":
            if STATE["switch"] == "fail":
                return self.send(500, b"down\n")
            data, ctype = self.fixture(rest)
            return self.send(200, data, ctype)
        if head == "control":
            if "mode" in q:
                with LOCK:
                    STATE["modes"][q.get("key", [""])[0]] = q["mode"][0]
            else:
                STATE["switch"] = q.get("switch", ["ok"])[0]
            return self.send(200, b"ok\n")
        if head == "mode":
            with LOCK:
                target = STATE["modes"].get(rest)
            if target is None:
                return self.send(404, b"no mode chosen\n")
            self.mode_key, self.mode_target = rest, target
            url = urllib.parse.urlsplit(target)
            parts = url.path.strip("/").split("/", 1)
            if parts[0] == "mode":
                return self.send(500, b"mode loop\n")
            return self.route(parts[0], parts[1] if len(parts) > 1 else "", urllib.parse.parse_qs(url.query))
        if head == "mastodon10mb":
            html = "<p>" + ("Lorem ipsum <b>dolor</b> sit amet &amp; more. " * 230000) + "</p>"
            body = json.dumps([{"id": "1", "created_at": "2026-11-25T09:00:00Z", "content": html,
                                "account": {"display_name": "Big"}, "media_attachments": []}]).encode()
            return self.send(200, body, "application/json")
        if head == "imgfeed":
            scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
            base = "%s://%s" % (scheme, self.headers.get("Host"))
            items = "".join(
                '<item><guid>img%d</guid><title>t%d</title><enclosure url="%s%s" type="image/png"/></item>'
                % (i, i, base, p) for i, p in enumerate(["/f/tiny.png", "/status/404", "/f/rss2.xml", "/f/tiny.png"]))
            body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>img</title>%s</channel></rss>'
                    % items).encode()
            return self.send(200, body, "application/rss+xml")
        if head == "stats":
            with LOCK:
                body = json.dumps(STATE["stats"]).encode()
            return self.send(200, body, "application/json")
        return self.send(404, b"unknown route\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # clients hanging up mid-answer is what the tests do on purpose
        if os.environ.get("HTTPD_VERBOSE"):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls")
    args = ap.parse_args()
    Handler.root = args.root
    srv = Server(("127.0.0.1", 0), Handler)
    if args.tls:
        crt, key = make_tls(args.tls)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
