"""cap_server.py - a local HTTP server for the console's CAP relay tests and
bench: serves the files of one folder (the test rewrites them between steps)
on a free loopback port, and prints "port N" when it is ready.

    cap_server.py DIR

GET /NAME returns DIR/NAME (404 when missing).  Nothing else is served."""
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the library's name
        name = self.path.split("?", 1)[0].lstrip("/")
        path = os.path.join(self.server.root, name)
        if "/" in name or name.startswith(".") or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        ctype = "application/atom+xml" if name.endswith(".atom") else \
            "application/rss+xml" if name.endswith(".rss") else "application/cap+xml"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.root = sys.argv[1]
    print(f"port {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
