#!/usr/bin/env bash
# Hostile input against a real crier-console and a real mosquitto: oversized
# bodies and uploads, bad UTF-8, path traversal in static files and uploads,
# SQL metacharacters, script in text fields (stored and returned as text),
# forged or missing CSRF tokens, a wrong Origin, a viewer trying to publish,
# the login rate limit, and 1000 parallel requests (loopback only) with the
# server still serving and nothing lost.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/console_lib.sh"
unset CRIER_FAKE_TIME
start_broker
start_console --max-body 65536 --max-upload 200000
ulimit -n 4096 2>/dev/null || true

rc=0
python3 - "$api" "$cdir" <<'PY' || rc=$?
import base64, concurrent.futures, http.client, json, socket, sys, time, urllib.parse
api, cdir = sys.argv[1], sys.argv[2]
host, port = urllib.parse.urlparse(api).hostname, urllib.parse.urlparse(api).port
passed = failed = 0
def check(desc, cond, extra=""):
    global passed, failed
    if cond:
        passed += 1; print("ok   " + desc)
    else:
        failed += 1; print("FAIL " + desc + (" (" + str(extra)[:300] + ")" if extra != "" else ""))

def req(method, path, body=None, headers=None, timeout=30):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    h = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode(); h.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    c.request(method, path, body=body, headers=h)
    r = c.getresponse(); data = r.read(); hdrs = dict((k.lower(), v) for k, v in r.getheaders())
    c.close()
    return r.status, hdrs, data

def raw(path):  # the path exactly as given, no client normalisation
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n" % (path, host, port)).encode("latin-1"))
    out = b""
    while True:
        b = s.recv(65536)
        if not b: break
        out += b
    s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    code = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
    return code, body

class Session:
    def __init__(self, user, pw):
        st, h, d = req("POST", "/api/login", {"user": user, "password": pw})
        self.status = st
        self.cookie = h.get("set-cookie", "").split(";")[0]
        self.csrf = json.loads(d).get("csrf", "") if st == 200 else ""
        self.set_cookie = h.get("set-cookie", "")
    def __call__(self, method, path, body=None, csrf=True, origin=None, extra=None):
        h = {"Cookie": self.cookie}
        if csrf is True: h["X-CSRF-Token"] = self.csrf
        elif csrf: h["X-CSRF-Token"] = csrf
        if origin: h["Origin"] = origin
        h.update(extra or {})
        return req(method, path, body, h)

admin = Session("admin", "correct horse battery")
check("admin logs in", admin.status == 200 and admin.csrf)
check("session cookie is HttpOnly, Secure, SameSite=Strict",
      all(x in admin.set_cookie for x in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/")), admin.set_cookie)

# --- security headers on every response, errors and static files included
for path in ("/", "/api/me", "/api/nothing", "/static/none.js"):
    st, h, _ = req("GET", path)
    check("CSP, nosniff, no-referrer on %s (%d)" % (path, st),
          "script-src 'self'" in h.get("content-security-policy", "") and "frame-ancestors 'none'" in h.get("content-security-policy", "")
          and h.get("x-content-type-options") == "nosniff" and h.get("referrer-policy") == "no-referrer", h)

# --- oversized bodies and uploads
st, _, d = admin("POST", "/api/posts", {"title": "x" * 70000})
check("JSON body over --max-body is 413", st == 413, (st, d))
st, _, d = admin("POST", "/api/uploads", b"\x89PNG\r\n\x1a\n" + b"\0" * 300000, extra={"Content-Type": "image/png"})
check("upload over --max-upload is 413", st == 413, (st, d))
# a chunked body without Content-Length that grows past the limit
try:
    c = http.client.HTTPConnection(host, port, timeout=20)
    c.putrequest("POST", "/api/posts"); c.putheader("Cookie", admin.cookie); c.putheader("X-CSRF-Token", admin.csrf)
    c.putheader("Transfer-Encoding", "chunked"); c.putheader("Content-Type", "application/json"); c.endheaders()
    for i in range(40):
        chunk = b"a" * 4096
        c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    c.send(b"0\r\n\r\n")
    r = c.getresponse(); st = r.status; r.read(); c.close()
except Exception as e:
    st = "closed"
check("chunked body over the limit is refused (%s)" % st, st in (413, "closed"))
st, _, _ = req("GET", "/api/health")
check("server still serves after oversized bodies", st == 200)

# --- bad UTF-8 and bad JSON
st, _, d = admin("POST", "/api/posts", b'{"title":"caf\xc3\x28 \xff\xfe"}', extra={"Content-Type": "application/json"})
check("invalid UTF-8 body is 400 with a clear error", st == 400 and b"UTF-8" in d, (st, d))
st, _, d = admin("POST", "/api/posts", b'{"title":"a\\u0000b", "body": "\\ud800"}')
check("escaped NUL / lone surrogate refused or stored safely (%d)" % st, st in (400, 201), d)
st, _, d = admin("POST", "/api/posts", b'{"title":')
check("truncated JSON is 400", st == 400 and json.loads(d).get("error"), d)
st, _, d = admin("POST", "/api/posts", b'[' * 100000 + b']' * 100000)
check("deeply nested JSON is refused", st in (400, 413), st)

# --- uploads: type sniffed, traversal refused
png = open(cdir + "/../../console/../console/admin.pw", "rb").read() if False else None
tiny_png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
st, _, d = admin("POST", "/api/uploads", b"<html><script>alert(1)</script></html>", extra={"Content-Type": "image/png"})
check("HTML posing as image/png is refused (415)", st == 415, (st, d))
st, _, d = admin("POST", "/api/uploads", tiny_png, extra={"Content-Type": "text/html"})
check("a PNG sent as text/html is refused (415)", st == 415, (st, d))
st, _, d = admin("POST", "/api/uploads", tiny_png, extra={"Content-Type": "image/png"})
up = json.loads(d) if st == 201 else {}
check("a real PNG is stored (201)", st == 201 and up.get("url", "").startswith("/uploads/"), (st, d))
st, h, d = req("GET", up.get("url", "/uploads/x"))
check("the upload is served back as image/png, byte for byte", st == 200 and d == tiny_png and h.get("content-type") == "image/png")

def not_leaked(body):
    return b"SQLite format" not in body and b"root:" not in body and b"correct horse" not in body and b"PRIVATE" not in body.upper()[:0] + b"X"
for path in ("/static/../console.db", "/static/%2e%2e/console.db", "/static/..%2f..%2fetc%2fpasswd", "/static//etc/passwd",
             "/static/.hidden", "/static/./index.html", "/static/", "/static", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
             "/uploads/../console.db", "/uploads/..%2F..%2Fetc%2Fpasswd", "/uploads/%2e%2e", "/static/index.html%00.png",
             "/static/" + "a/" * 200 + "x", "/uploads/" + "A" * 5000):
    code, body = raw(path)
    check("traversal %s refused (%d)" % (path[:60], code), code in (400, 404, 405, 414) and b"SQLite format" not in body
          and b"root:x:" not in body and b"correct horse" not in body, (code, body[:100]))
code, body = raw("/")
check("the page itself is served", code == 200 and b"<html" in body.lower())

# --- SQL metacharacters and script in every text field: stored and returned as text
evil = {"title": "x'); DROP TABLE posts;-- <script>alert('t')</script>",
        "body": "\" OR 1=1 -- <img src=x onerror=alert(1)> \u202e \U0001F600",
        "lang": "en", "link": "https://example.org/?q=<script>alert(1)</script>&x='OR'1'='1", "qr": True,
        "target": {"sites": ["north"]}, "schedule": {"days": "mon-fri", "hours": "8-18"}}
st, h, d = admin("POST", "/api/posts", evil)
check("post with SQL and script in its fields is accepted (201)", st == 201, (st, d))
p = json.loads(d) if st == 201 else {}
check("response is JSON with nosniff", h.get("content-type", "").startswith("application/json") and h.get("x-content-type-options") == "nosniff")
st, _, d = admin("GET", "/api/posts/" + p.get("id", "x"))
got = json.loads(d) if st == 200 else {}
check("every text field comes back byte for byte", all(got.get(k) == evil[k] for k in ("title", "body", "link")), got)
st, _, d = admin("GET", "/api/posts")
check("the posts table survived", st == 200 and len(json.loads(d)["posts"]) >= 1)
st, _, d = req("POST", "/api/login", {"user": "admin' OR '1'='1", "password": "' OR '1'='1"})
check("SQL in the login is just a wrong login (401)", st == 401, (st, d))
st, _, d = admin("GET", "/api/posts?status=" + urllib.parse.quote("published' OR 1=1 --"))
check("SQL in a query parameter is 400", st == 400, st)
st, _, d = admin("GET", "/api/posts?screen=" + urllib.parse.quote("x' UNION SELECT * FROM users --"))
check("SQL in the screen filter is 400", st == 400, st)
st, _, d = admin("POST", "/api/users", {"user": "eve'--", "password": "long enough 1", "role": "admin"})
check("SQL in a user name is refused (400)", st == 400, (st, d))

# --- CSRF and Origin
st, _, d = admin("POST", "/api/posts", {"title": "no token"}, csrf=False)
check("missing CSRF token is 403", st == 403, (st, d))
st, _, d = admin("POST", "/api/posts", {"title": "forged"}, csrf="A" * 43)
check("forged CSRF token is 403", st == 403, (st, d))
other = Session("admin", "correct horse battery")
st, _, d = admin("POST", "/api/posts", {"title": "another session's token"}, csrf=other.csrf)
check("another session's CSRF token is 403", st == 403, (st, d))
st, _, d = admin("POST", "/api/posts", {"title": "cross site"}, origin="http://evil.example")
check("wrong Origin is 403 even with the right token", st == 403, (st, d))
st, _, d = admin("POST", "/api/posts", {"title": "same site"}, origin=api)
check("own Origin with the right token passes (201)", st == 201, (st, d))
st, _, d = admin("GET", "/api/events", origin="http://evil.example")
check("event stream with a wrong Origin is 403", st == 403, st)
st, _, d = req("POST", "/api/login", {"user": "admin", "password": "correct horse battery"}, {"Origin": "http://evil.example"})
check("login from another origin is 403", st == 403, st)
st, _, d = req("POST", "/api/posts", {"title": "no session"}, {"X-CSRF-Token": admin.csrf})
check("a token without the session is 401", st == 401, st)

# --- roles
for name, role in (("vic", "viewer"), ("ed", "editor"), ("pub", "publisher")):
    st, _, d = admin("POST", "/api/users", {"user": name, "password": "long enough " + name, "role": role, "sites": ["north"]})
    check("admin creates %s (%s)" % (name, role), st == 201, (st, d))
vic = Session("vic", "long enough vic")
st, _, d = vic("POST", "/api/posts", {"title": "viewer post", "publish": True, "target": {"sites": ["north"]}})
check("viewer cannot publish (403)", st == 403, (st, d))
st, _, d = vic("POST", "/api/posts/%s/retract" % p.get("id", "x"))
check("viewer cannot retract (403)", st == 403, (st, d))
st, _, d = vic("POST", "/api/users", {"user": "vic2", "password": "long enough", "role": "admin"})
check("viewer cannot create users (403)", st == 403, (st, d))
st, _, d = vic("GET", "/api/posts")
check("viewer can read posts", st == 200)
ed = Session("ed", "long enough ed")
st, _, d = ed("POST", "/api/posts", {"title": "everywhere", "publish": True})
check("editor of 'north' cannot target all screens (403)", st == 403, (st, d))
st, _, d = ed("POST", "/api/posts", {"title": "needs approval", "publish": True, "target": {"sites": ["north"]}})
pend = json.loads(d) if st == 201 else {}
check("editor's publish becomes pending", st == 201 and pend.get("status") == "pending", (st, d))
st, _, d = ed("POST", "/api/posts/%s/approve" % pend.get("id"))
check("editor cannot approve (403)", st == 403, st)
pub = Session("pub", "long enough pub")
st, _, d = pub("POST", "/api/posts/%s/approve" % pend.get("id"))
check("publisher approves: published", st == 200 and json.loads(d).get("status") == "published", (st, d))

# --- login rate limit
codes = [req("POST", "/api/login", {"user": "pub", "password": "wrong %d" % i})[0] for i in range(7)]
check("repeated wrong logins end in 429", codes[-1] == 429 and codes[0] == 401, codes)
st, _, _ = req("POST", "/api/login", {"user": "pub", "password": "long enough pub"})
check("the right password is refused too while limited (429)", st == 429, st)

# --- 1000 parallel requests with an API token
st, _, d = admin("POST", "/api/tokens", {"name": "load test"})
token = json.loads(d).get("token", "") if st == 201 else ""
check("admin makes an API token", st == 201 and token.startswith("crt_"), (st, d))
st, _, d = req("POST", "/api/posts", {"title": "token, no CSRF"}, {"Authorization": "Bearer " + token})
check("bearer requests need no CSRF token (201)", st == 201, (st, d))
st, _, d = req("POST", "/api/posts", {"title": "bad token"}, {"Authorization": "Bearer crt_" + "x" * 43})
check("a wrong bearer token is 401", st == 401, st)
N = 1000
def one(i):
    try:
        if i % 4 == 3:
            return req("GET", "/api/screens", None, {"Authorization": "Bearer " + token}, timeout=120)[0], None
        st, _, d = req("POST", "/api/posts", {"title": "load %d" % i, "body": "parallel"}, {"Authorization": "Bearer " + token}, timeout=120)
        return st, json.loads(d).get("id") if st == 201 else None
    except Exception as e:
        return repr(e), None
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(max_workers=N) as ex:
    results = list(ex.map(one, range(N)))
elapsed = time.time() - t0
codes = {}
for st, _ in results: codes[st] = codes.get(st, 0) + 1
created = set(i for st, i in results if st == 201)
check("%d parallel requests all answered (%s) in %.1f s" % (N, codes, elapsed),
      all(st in (200, 201, 503) for st, _ in results), codes)
st, _, d = req("GET", "/api/posts?status=draft", None, {"Authorization": "Bearer " + token}, timeout=60)
stored = set(x["id"] for x in json.loads(d)["posts"]) if st == 200 else set()
check("nothing lost: every 201 is stored (%d of %d)" % (len(created & stored), len(created)), created <= stored and len(created) > 0)
st, _, d = req("GET", "/api/health")
check("server still serves after the burst", st == 200 and json.loads(d)["ok"])
st, _, d = admin("GET", "/api/audit?format=jsonl&limit=2000")
lines = [json.loads(l) for l in d.decode().splitlines()] if st == 200 else []
check("audit lines are JSON lines with the refusals in them",
      any(l["action"] == "csrf" and l["result"] == "refused" for l in lines) and any(l["action"] == "origin" for l in lines))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
if ! kill -0 "$cpid" 2>/dev/null; then
  fail "crier-console died"; cat "$cdir/err"
else
  ok "crier-console still running"
fi
check "hostile-input checks" test $rc -eq 0
summary
