"""e2e_console.py - the staff console in a real browser (headless Chromium)
against a real crier-console, mosquitto and headless kiosk, started by
tests/scripts/test_console_e2e.sh, which passes:

  CONSOLE_URL   http://127.0.0.1:PORT        ADMIN_PASSWORD   admin's password
  KIOSK_ID      the real kiosk's id           KIOSK_EVENTS     its --events file
  BROKER_PORT   the broker (for the fleet)    FLEET            simulated kiosks (1000)
  SHOTS         folder for the page's screenshots (optional)

Prints one "ok"/"FAIL" line per check and "N passed, N failed"; exits 1 on
any failure.  Every wait polls for a condition with a deadline: no fixed
sleeps."""
import json
import os
import re
import statistics
import sys
import time
import traceback
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_browser import Browser  # noqa: E402
from e2e_fleet import publish_fleet  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

URL = os.environ["CONSOLE_URL"].rstrip("/")
ADMIN_PW = os.environ["ADMIN_PASSWORD"]
KIOSK = os.environ.get("KIOSK_ID", "hall-1")
EVENTS = os.environ["KIOSK_EVENTS"]
KIOSK_LOG = os.environ.get("KIOSK_LOG", os.devnull)
BROKER_PORT = int(os.environ["BROKER_PORT"])
FLEET = int(os.environ.get("FLEET", "1000"))
SHOTS = os.environ.get("SHOTS", "")
SOURCE = os.environ.get("CRIER_SOURCE", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
READY_LIMIT_MS = 1000

passed = failed = 0
t_start = time.monotonic()


def ok(what):
    global passed
    passed += 1
    print(f"ok   {what}", flush=True)


def fail(what):
    global failed
    failed += 1
    print(f"FAIL {what}", flush=True)


def check(what, cond):
    (ok if cond else fail)(what)
    return cond


def step(what, fn, *args):
    """Runs one check that may raise (a timed-out wait): FAIL, not a crash."""
    try:
        r = fn(*args)
        check(what, r is not False)
        return r
    except Exception as e:  # noqa: BLE001 - report and go on
        fail(f"{what}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        return None


def wait_until(cond, timeout, what):
    end = time.monotonic() + timeout
    while True:
        r = cond()
        if r:
            return r
        if time.monotonic() > end:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def kiosk_event(event, post_id, timeout=10):
    pat = f'"event":"{event}","id":"{post_id}"'

    def seen():
        try:
            with open(EVENTS, encoding="utf-8") as f:
                return pat in f.read()
        except OSError:
            return False
    return wait_until(seen, timeout, f"{event} of {post_id} on the kiosk")


class Api:
    """A plain HTTP client with its own session (set-up and checks).  Keeps
    the cookie by hand: it is Secure, which Python's cookie jar never sends
    over http://127.0.0.1 (browsers do, for loopback)."""

    def __init__(self, user, password):
        self.cookie = ""
        self.csrf = ""
        st, me = self.call("POST", "/api/login", {"user": user, "password": password})
        if st != 200:
            raise RuntimeError(f"login as {user}: HTTP {st} {me}")
        self.csrf = me["csrf"]

    def call(self, method, path, body=None, csrf=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(URL + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        tok = self.csrf if csrf is None else csrf
        if tok:
            req.add_header("X-CSRF-Token", tok)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                for h in r.headers.get_all("Set-Cookie") or []:
                    if h.startswith("crier_session="):
                        self.cookie = h.split(";", 1)[0]
                raw = r.read()
                return r.status, (json.loads(raw) if raw and "json" in r.headers.get("Content-Type", "") else raw)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw


def shot(b, name, full=False):
    if SHOTS:
        b.screenshot(os.path.join(SHOTS, name + ".png"), full=full)


def login(b, user, password):
    b.driver.get(URL + "/")
    b.visible("#login-user")
    b.type("#login-user", user)
    b.type("#login-password", password)
    b.click("#login-submit")
    b.wait(lambda d: d.find_element("id", "top").is_displayed(), 10, "the page after logging in")


def in_page_fetch(b, method, path, body, csrf):
    """fetch() from inside the page (the browser's own cookie and Origin)."""
    return b.driver.execute_async_script("""
        const [method, path, body, csrf, done] = arguments;
        const h = {'Content-Type': 'application/json'};
        if (csrf !== null) h['X-CSRF-Token'] = csrf;
        fetch(path, {method, headers: h, body: body === null ? undefined : JSON.stringify(body), credentials: 'same-origin'})
          .then(async r => done({status: r.status, text: await r.text()}))
          .catch(e => done({status: -1, text: String(e)}));
    """, method, path, body, csrf)


def kiosk_alert(identifier, timeout=15):
    """The kiosk's events file names the alert (alert_presented, or a Cancel's event)."""
    pat = f'"identifier":"{identifier}"'

    def seen():
        try:
            with open(EVENTS, encoding="utf-8") as f:
                return pat in f.read()
        except OSError:
            return False
    return wait_until(seen, timeout, f"alert {identifier} on the kiosk")


def alert_item(b, alert_id):
    return b.js("const li = document.querySelector(`#alerts-list li[data-id=\"${arguments[0]}\"]`);"
                "return li ? [li.className, li.textContent] : ['', '']", alert_id)


def emergency_desk(b, v, admin):
    """An editor composes an evacuation on a desktop (b), an approver approves
    it on a phone (v, logged in), the kiosk shows it, receipts fill in, cancel
    from the receipt view; one person cannot approve their own alert."""
    # An admin saves a pre-approved template from the form.
    b.click("#nav-alerts")
    b.wait(lambda d: d.find_elements("css selector", '#alert-template option[value="shelter"]'), 10, "templates")
    Select(b.find("#alert-template")).select_by_value("shelter")
    b.type("#tpl-name", "Shelter in place (drill)")
    b.js("document.getElementById('tpl-pre').click()")
    b.click("#tpl-save")
    step("an admin saves a pre-approved template from the form", b.text_in, "#notice", "saved (pre-approved)", 10)
    st, tl = admin.call("GET", "/api/alert-templates")
    t = [x for x in tl.get("templates", []) if x.get("name") == "Shelter in place (drill)"] if isinstance(tl, dict) else []
    check("it keeps its blanks and is pre-approved", bool(t) and t[0]["preapproved"] and "area" in t[0]["placeholders"])
    b.click("#logout")
    b.visible("#login-user")
    login(b, "eddie", "pass-eddie-1234")
    b.click("#nav-alerts")
    step("the editor sees the alert composer", b.visible, "#alert-template")
    b.wait(lambda d: d.find_elements("css selector", '#alert-template option[value="evacuation"]'), 10, "templates")
    Select(b.find("#alert-template")).select_by_value("evacuation")
    step("the template asks for its placeholders", b.visible, "#alert-value-zone")
    b.type("#alert-value-zone", "B")
    b.type("#alert-value-route", "the east stairs")
    Select(b.find("#alert-scope-kind")).select_by_value("site")
    b.type("#alert-scope-name", "town-hall")
    step("the two-person rule is said before sending", b.text_in, "#alert-rule", "Two-person rule", 5)
    check("the button asks for approval", b.find("#alert-send").text == "Ask for approval")
    pv = step("the preview shows the alert in landscape and portrait (drawn by crier)", b.wait,
              lambda d: d.execute_script(
                  "const f = [...document.querySelectorAll('#alert-preview figure')];"
                  "return f.length === 2 && f.every(x => { const i = x.querySelector('img'); return i.complete && i.naturalWidth > 0; })"
                  " ? f.map(x => x.querySelector('figcaption').textContent) : null"), 20, "alert preview")
    if pv:
        print("     alert preview: " + ", ".join(pv))
    shot(b, "desktop-alert-compose", full=True)
    b.click("#alert-send")
    step("the editor is told it waits for a second person", b.text_in, "#notice", "second person", 10)
    t0 = time.monotonic()
    appr = '#approvals button[data-act="approve"]'
    if not step("the request shows on the approver's phone at once (SSE)", v.visible, appr, 10):
        return
    print(f"     on the approver's phone after {1000 * (time.monotonic() - t0):.0f} ms")
    aid = v.js("return document.querySelector('#approvals .approval').dataset.id")
    check("the approver sees the headline with the placeholders filled", "Evacuate zone B now" in v.find("#approvals").text)
    shot(v, "phone-approval")
    check("the author has no Approve button", not b.finds(f'#alerts-list li[data-id="{aid}"] button[data-act="approve"]'))
    csrf = b.js("return fetch('/api/me').then(r => r.json()).then(j => j.csrf)")
    r = in_page_fetch(b, "POST", f"/api/alerts/{aid}/approve", {}, csrf)
    check(f"one person cannot send a non-pre-approved Actual alert: approving your own is refused (HTTP {r['status']})",
          r["status"] == 403)
    v.click(appr)
    step("approved on the phone: the kiosk shows the alert", kiosk_alert, aid, 15)
    step("the editor's page says it is sent (live)", b.wait, lambda d: "state-sent" in alert_item(b, aid)[0], 10, "sent")
    b.click(f'#alerts-list li[data-id="{aid}"] button[data-act="receipts"]')
    row = f'#receipts-body tr'
    got = step("the kiosk's receipt appears in the page with its time on screen", b.wait,
               lambda d: d.execute_script(
                   "const r = [...document.querySelectorAll('#receipts-body tr')].find(t => t.cells[0].textContent === arguments[0]);"
                   "return r && / ms$/.test(r.cells[5].textContent) ? r.cells[5].textContent : null", KIOSK), 15, "receipt")
    if got:
        print(f"     {KIOSK}: on screen {got} after sending; summary: " + b.find("#receipts-summary").text.replace("\n", " · "))
    check("the screens that have not answered are highlighted",
          b.js("return document.querySelectorAll('#receipts-body tr.row-waiting').length") > 0 or FLEET == 0)
    check("the per-site summary lists town-hall", "town-hall" in b.find("#receipts-sites").text)
    shot(b, "desktop-receipts")
    cancel = '#receipts-actions button[data-act="cancel"]'
    b.click(cancel)
    b.text_in(cancel, "Yes", 5)
    b.click(cancel)
    step("cancel from the receipt view is sent", b.text_in, "#notice", "Cancel sent", 10)
    st, lst = admin.call("GET", "/api/alerts")
    cid = next((a["id"] for a in lst.get("alerts", []) if a.get("msgType") == "Cancel" and a.get("refers_to") == aid), "") \
        if isinstance(lst, dict) else ""
    check(f"the Cancel refers to the alert ({cid})", bool(cid))
    if cid:
        step("the kiosk takes the Cancel", kiosk_alert, cid, 15)
    st, au = admin.call("GET", "/api/audit?format=json&limit=200")
    lines = au if isinstance(au, list) else (au.get("audit") or au.get("lines") or []) if isinstance(au, dict) else []
    check("the audit log has the approval with both names",
          any(x.get("action") == "alert.approve" and x.get("object") == aid and x.get("user") == "pat"
              and "author eddie, approver pat" in x.get("detail", "") for x in lines))
    check("and the refused self-approval", any(x.get("action") == "alert.approve" and x.get("object") == aid
                                                and x.get("result") == "refused" for x in lines))
    # A CAP source that cannot be reached: the approver's page warns, whatever the view.
    st, _ = admin.call("POST", "/api/relay", {"id": "national", "url": "http://127.0.0.1:9/warnings.atom", "interval_s": 60,
                                              "mode": "draft", "rules": {"areas": ["Town"]}})
    check(f"admin adds a CAP source (HTTP {st})", st == 201)
    step("a failing CAP source raises a warning on the approver's page", v.text_in, "#relay-warn", 'CAP source "national" is failing', 10)
    v.click("#nav-alerts")
    step("the approver's phone lists it", v.visible, f'#alerts-list li[data-id="{aid}"]', 10)
    step("the CAP sources are listed with their state", v.text_in, "#relay-list", "Failing", 10)
    shot(v, "phone-alerts", full=True)
    v.click("#logout")
    v.visible("#login-user")


def people_view(b, admin, stamp):
    """The admin (on b) adds a user on the People view, sees it listed, makes
    a token whose secret is shown once, revokes it and deletes the user, each
    with the two-step confirm; the API agrees."""
    name = "pia-" + stamp
    step("the admin sees the People nav item", b.visible, "#nav-people")
    b.click("#nav-people")
    step("People lists the users", b.text_in, "#users-list", "eddie", 10)
    b.type("#user-name", name)
    b.type("#user-password", "pass-pia-12345")
    Select(b.find("#user-role")).select_by_value("editor")
    b.type("#user-sites", "north, south")
    b.click("#user-save")
    item = f'#users-list li[data-user="{name}"]'
    step("the new user is listed with role and sites", b.wait,
         lambda d: "editor" in d.find_element("css selector", item).text.lower() and "north, south" in d.find_element("css selector", item).text
         if d.find_elements("css selector", item) else False, 10, "the new user")
    st, res = admin.call("GET", "/api/users")
    check(f"the API knows the user ({st})", any(u.get("user") == name for u in res.get("users", [])))
    # a token acting as the new user: the secret once, then revoked
    b.type("#token-name", "kiosk script " + stamp)
    Select(b.find("#token-user")).select_by_value(name)
    b.click("#token-create")
    step("the token's secret is shown with the copy-it-now note", b.text_in, "#token-secret", "not shown again", 10)
    secret = b.find("#token-secret-value").get_attribute("value")
    check("the secret is a crt_ token", secret.startswith("crt_"))
    titem = step("the token is listed", b.wait, lambda d: [e for e in d.find_elements("css selector", "#tokens-list li")
                                                         if "kiosk script " + stamp in e.text], 10, "the token")
    check("the token list does not show the secret", secret[4:] not in b.find("#tokens-list").text)
    shot(b, "desktop-people", full=True)
    b.click("#token-done")
    check("the secret is gone from the page", not b.find("#token-secret").is_displayed()
          and b.find("#token-secret-value").get_attribute("value") == "")
    if titem:
        revoke = f'#tokens-list li[data-token="{titem[0].get_attribute("data-token")}"] button[data-act="revoke"]'
        b.click(revoke)
        b.text_in(revoke, "Yes", 5)
        b.click(revoke)
        step("the token is revoked (gone from the list)", b.wait, lambda d: not d.find_elements("css selector", revoke), 10, "revoked")
    # Delete with the two-step confirm: the first press only asks
    delete = item + ' button[data-act="delete"]'
    b.click(delete)
    step("the first press asks", b.text_in, delete, "Yes, delete", 5)
    check("and deletes nothing yet", any(u.get("user") == name for u in admin.call("GET", "/api/users")[1].get("users", [])))
    b.click(delete)
    step("the second press deletes: the user leaves the list", b.wait,
         lambda d: not d.find_elements("css selector", item), 10, "the user gone")
    step("the notice says so", b.text_in, "#notice", "deleted", 10)
    check("the API agrees", not any(u.get("user") == name for u in admin.call("GET", "/api/users")[1].get("users", [])))
    check("the admin's own row has no Delete button",
          not b.finds('#users-list li[data-user="admin"] button[data-act="delete"]'))


def relay_sources(b, admin, stamp):
    """The admin (on b) adds a CAP source with the Emergency view's form, sees
    it listed with its rules, changes it, and removes it with the two-step
    confirm; the API agrees at each step."""
    sid = "regional-" + stamp
    b.click("#nav-alerts")
    step("the admin sees the CAP source form", b.visible, "#relay-form", 10)
    b.type("#relay-id", sid)
    b.type("#relay-url", "http://127.0.0.1:9/regional.atom")
    b.type("#relay-interval", "300")
    Select(b.find("#relay-mode")).select_by_value("auto")
    b.type("#relay-scope", "site:town-hall")
    b.type("#relay-events", "Flood warning, Storm")
    Select(b.find("#relay-severity")).select_by_value("Severe")
    b.click("#relay-save")
    item = f'#relay-list li[data-id="{sid}"]'
    step("the new source is listed with its rules", b.wait,
         lambda d: "Flood warning, Storm" in d.find_element("css selector", item).text
         and "Severe and above" in d.find_element("css selector", item).text
         if d.find_elements("css selector", item) else False, 10, "the new source")
    src = lambda: next((x for x in admin.call("GET", "/api/relay")[1].get("sources", []) if x.get("id") == sid), None)
    got = src()
    check("the API has it as typed", got is not None and got.get("mode") == "auto" and got.get("interval_s") == 300
          and got.get("scope") == "site:town-hall" and got.get("rules", {}).get("events") == ["Flood warning", "Storm"]
          and got.get("rules", {}).get("min_severity") == "Severe")
    shot(b, "desktop-relay", full=True)
    b.click(item + ' button[data-act="edit"]')
    step("Change fills the form", b.wait, lambda d: d.find_element("id", "relay-id").get_attribute("value") == sid
         and d.find_element("id", "relay-url").get_attribute("value").endswith("regional.atom"), 5, "the form filled")
    b.type("#relay-interval", "120")
    b.click("#relay-save")
    step("the change is saved", b.wait, lambda d: (src() or {}).get("interval_s") == 120, 10, "interval 120")
    remove = item + ' button[data-act="remove"]'
    b.click(remove)
    step("the first press of Remove asks", b.text_in, remove, "Yes, remove", 5)
    check("and removes nothing yet", src() is not None)
    b.click(remove)
    step("the second press removes it from the list", b.wait, lambda d: not d.find_elements("css selector", item), 10, "removed")
    check("the API agrees", src() is None)


def post_item(b, post_id):
    """(class, text) of the post's list item, read in one go: the list is
    re-rendered on live updates, so element references go stale."""
    return b.js("const li = document.querySelector(`#posts-list li[data-id=\"${arguments[0]}\"]`);"
                "return li ? [li.className, li.textContent] : ['', '']", post_id)


def main():
    stamp = time.strftime("%H%M%S")
    title = f"Boil-water notice {stamp}"

    # Users: an editor and a viewer, made by the admin through the API.
    admin = Api("admin", ADMIN_PW)
    for user, role in (("eddie", "editor"), ("vera", "viewer")):
        st, _ = admin.call("POST", "/api/users", {"user": user, "password": "pass-" + user + "-1234", "role": role, "sites": ["*"]})
        check(f"admin creates the {role} '{user}' (HTTP {st})", st in (200, 201))

    # The fleet: FLEET simulated kiosks' retained status and heartbeats.
    t = time.monotonic()
    publish_fleet("127.0.0.1", BROKER_PORT, FLEET)
    def fleet_known():
        st, res = admin.call("GET", "/api/screens")
        return st == 200 and len(res.get("screens", [])) >= FLEET + 1
    wait_until(fleet_known, 15, "the fleet in /api/screens")
    ok(f"the console knows {FLEET} simulated screens + the real kiosk ({time.monotonic() - t:.1f} s)")

    b = Browser(1366, 900)
    v = None
    try:
        b.driver.get(URL + "/")
        b.type("#login-user", "admin")
        b.type("#login-password", "not the password")
        b.click("#login-submit")
        step("a wrong password is said in #error", b.text_in, "#error", "Wrong user name or password", 10)
        login(b, "admin", ADMIN_PW)
        check("the error is gone after logging in", not b.find("#error").is_displayed())
        step("admin logs in and sees the compose form", b.visible, "#post-title")
        check("the publisher's button says Publish", b.find("#post-publish").text == "Publish")

        # Compose: title, body, target one screen, schedule.
        b.type("#post-title", title)
        b.type("#post-body", "Boil tap water before drinking until further notice.\n\nQuestions: call 115.")
        b.type("#post-priority", "50")
        Select(b.find("#post-target")).select_by_value("screens")
        b.type("#post-target-screens", KIOSK)
        # valid until eight days from now (a datetime-local value, set as a person's picker would)
        b.js("""const d = new Date(Date.now() + 8 * 86400e3); const p = n => String(n).padStart(2, '0');
                const i = document.getElementById('post-until');
                i.value = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
                i.dispatchEvent(new Event('input', {bubbles: true}));""")
        # hours: a two-hour window that is open now (the kiosk's local time = this process's)
        h = time.localtime().tm_hour
        b.type("#post-hours", f"{h:02d}-{(h + 2) % 24:02d}")
        words = step("the schedule is shown back in words", b.wait,
                     lambda d: "until" in d.find_element("id", "schedule-words").text, 10, "schedule words")
        if words:
            print("     schedule: " + b.find("#schedule-words").text.replace("\n", " "))
        nxt = step("and as the next 5 showings", b.wait,
                   lambda d: len(d.find_elements("css selector", "#schedule-next li:not(.next-head)")) == 5, 10, "5 showings")

        # An image uploaded to the console (the kiosk will fetch it from there).
        b.find("#post-image-file").send_keys(os.path.join(SOURCE, "assets", "demo", "town-hall.png"))
        up = step("an uploaded image becomes the post's image address", b.wait,
                  lambda d: "/uploads/" in (d.find_element("id", "post-image").get_attribute("value") or ""), 15, "the upload")
        if up:
            print("     image: " + b.find("#post-image").get_attribute("value"))
        img = step("the preview image arrives (drawn by crier)", b.wait,
                   lambda d: d.execute_script(
                       "const i = document.querySelector('#preview img');"
                       "return i && i.complete && i.naturalWidth > 0 && i.src.startsWith('data:image/png') ? [i.naturalWidth, i.naturalHeight] : null"),
                   20, "#preview img")
        if img:
            print(f"     preview: {img[0]}x{img[1]}, captions: "
                  + "; ".join(e.text.replace("\n", " ") for e in b.finds("#preview figure")))
        shot(b, "desktop-compose")

        # Publish and see it on the kiosk.
        b.click("#post-publish")
        step("the notice says it is published", b.text_in, "#notice", "published", 10)
        li = step("the post is listed as published", b.wait,
                  lambda d: [e for e in d.find_elements("css selector", "#posts-list li.status-published") if title in e.text], 10, "the post")
        post_id = li[0].get_attribute("data-id") if li else ""
        check(f"the post has an id ({post_id})", bool(post_id))
        step("the kiosk shows the post", kiosk_event, "item_shown", post_id, 15)
        if up:
            step("the kiosk downloads the uploaded image from the console", wait_until,
                 lambda: f"image of post '{post_id}' downloaded" in open(KIOSK_LOG, encoding="utf-8", errors="replace").read(),
                 15, "the image download")

        # The screens view: the real kiosk shows it; a picture on request.
        b.click("#nav-screens")
        row_css = f'#screens-body tr[data-kiosk="{KIOSK}"]'
        step("the kiosk's row says what it shows", b.wait,
             lambda d: title in (d.find_element("css selector", row_css).text if d.find_elements("css selector", row_css) else ""),
             20, "the kiosk's row showing the post")
        b.click(row_css + ' button[data-act="shot"]')
        step("a picture taken on request opens", b.wait,
             lambda d: d.execute_script("const i = document.querySelector('#dialog img.shot'); return i && i.complete && i.naturalWidth > 0"),
             15, "the screenshot")
        shot(b, "desktop-screenshot")
        b.click("#dialog-close")

        # Page ready with the whole fleet, measured on fresh loads: from the
        # start of navigation to the first frame painted after /api/me,
        # /api/screens and building every row (marks set by screens.js).
        times = []
        for _ in range(3):
            b.driver.get(URL + "/#screens")
            b.driver.refresh()
            b.wait(lambda d: d.execute_script("return document.body.dataset.screensReady"), 15, "screens ready")
            times.append(b.js("const m = n => performance.getEntriesByName(n)[0].startTime;"
                              "return [m('screens-ready'), m('screens-data'), m('screens-built')]"))
        rows = b.js("return document.querySelectorAll('#screens-body tr').length")
        check(f"all {FLEET + 1} screens are listed ({rows} rows)", rows == FLEET + 1)
        ready = [t[0] for t in times]
        print(f"     page ready with {rows} screens: " + ", ".join(
            f"{r:.0f} ms (data {d:.0f}, rows built {bt:.0f})" for r, d, bt in times))
        # The best of three loads: a busy test machine only ever adds time.
        # (Sanitizer builds, CRIER_SKIP_TIMING=1, only report it.)
        what = (f"page ready < {READY_LIMIT_MS} ms with {rows} screens (best {min(ready):.0f} ms, "
                f"median {statistics.median(ready):.0f} ms)")
        if os.environ.get("CRIER_SKIP_TIMING"):
            print(f"     not checked in this build (CRIER_SKIP_TIMING): {what}")
        else:
            check(what, min(ready) < READY_LIMIT_MS)
        counts = b.find("#screens-counts").text
        check(f"counts shown ({counts.replace(chr(10), ', ')})", "online" in counts and "offline" in counts)
        Select(b.find("#screens-state")).select_by_value("offline")
        step("the state filter shows only offline screens", b.wait,
             lambda d: d.execute_script("const r = [...document.querySelectorAll('#screens-body tr')];"
                                        "return r.length > 0 && r.every(t => t.querySelector('.state').textContent === 'Offline')"),
             5, "offline rows")
        Select(b.find("#screens-state")).select_by_value("")
        shot(b, "desktop-screens")

        # Edit it: a new version, published again.
        b.click("#nav-posts")
        b.wait(lambda d: d.find_elements("css selector", f'#posts-list li[data-id="{post_id}"]'), 10, "the post in the list")
        b.click(f'#posts-list li[data-id="{post_id}"] button[data-act="edit"]')
        step("Edit loads the post into the form", b.wait,
             lambda d: d.find_element("id", "post-title").get_attribute("value") == title, 5, "the title in the form")
        title2 = title + " (updated)"
        b.type("#post-title", title2)
        b.click("#post-publish")
        step("the edited post is listed with its new title", b.wait,
             lambda d: title2 in post_item(b, post_id)[1], 10, "the new title")

        # Retract from the list.
        retract = f'#posts-list li[data-id="{post_id}"] button[data-act="retract"]'
        b.click(retract)
        b.text_in(retract, "Yes", 5)
        b.click(retract)
        step("the post is listed as retracted", b.wait,
             lambda d: "retracted" in post_item(b, post_id)[0], 10, "retracted")
        step("the kiosk drops it", kiosk_event, "item_retracted", post_id, 15)

        # An editor's post waits for approval; the publisher approves it in one click.
        eddie = Api("eddie", "pass-eddie-1234")
        st, pend = eddie.call("POST", "/api/posts", {"title": f"Library closes at 16:00 {stamp}", "priority": 60,
                                                      "target": {"screens": [KIOSK]}, "publish": True})
        check(f"an editor's publish is pending (HTTP {st}, {pend.get('status') if isinstance(pend, dict) else pend})",
              st == 201 and isinstance(pend, dict) and pend.get("status") == "pending")
        if isinstance(pend, dict) and pend.get("id"):
            approve = f'#posts-list li[data-id="{pend["id"]}"] button[data-act="approve"]'
            if step("the pending post appears live with an Approve button", b.visible, approve, 10):
                b.click(approve)
                step("approved: published", b.wait,
                     lambda d: "published" in post_item(b, pend["id"])[0], 10, "published")
                step("the kiosk shows the approved post", kiosk_event, "item_shown", pend["id"], 15)

        # Script in a title is shown as text, never run.
        evil = "<img src=x onerror=\"document.title='pwned'\">"
        st, p2 = admin.call("POST", "/api/posts", {"title": evil, "target": {"screens": [KIOSK]}})
        if st == 201:
            step("a title with markup is shown as text", b.wait,
                 lambda d: any(e.text == evil for e in d.find_elements("css selector", "#posts-list .post-title")), 10, "the draft")
            check("and no element was made from it", b.js("return document.querySelectorAll('#posts-list img').length") == 0
                  and b.driver.title != "pwned")
        else:
            fail(f"saving a draft through the API: HTTP {st} {p2}")

        # History
        b.click(f'#posts-list li[data-id="{post_id}"] button[data-act="history"]')
        step("the history lists the versions", b.wait,
             lambda d: len(d.find_elements("css selector", "#dialog .history-list li")) >= 2, 10, "history rows")
        b.click("#dialog-close")

        # Forged CSRF: refused, nothing made.
        r = in_page_fetch(b, "POST", "/api/posts", {"title": "forged " + stamp, "publish": True}, "forged-token")
        check(f"a forged CSRF token is refused (HTTP {r['status']})", r["status"] == 403)
        r = in_page_fetch(b, "POST", "/api/posts", {"title": "forged " + stamp, "publish": True}, None)
        check(f"a missing CSRF token is refused (HTTP {r['status']})", r["status"] == 403)
        st, lst = admin.call("GET", "/api/posts")
        check("no forged post exists", isinstance(lst, dict) and not any("forged" in p.get("title", "") for p in lst.get("posts", [])))

        # Audit lines, live, and the exports.
        b.click("#nav-audit")
        for action in ("post.create", "post.retract", "post.approve", "screen.screenshot"):
            step(f"the audit table has {action}", b.wait,
                 lambda d, a=action: any(a in r.text for r in d.find_elements("css selector", "#audit-body tr")), 10, action)
        step("the audit names the post", b.text_in, "#audit-table", post_id, 5)
        step("the refused CSRF is audited", b.wait,
             lambda d: any("csrf" in r.text.lower() and "refused" in r.text for r in d.find_elements("css selector", "#audit-body tr")), 10, "csrf line")
        shot(b, "desktop-audit")
        for fmt, marker in (("csv", ","), ("jsonl", "{")):
            href = b.find(f'#audit-{"csv" if fmt == "csv" else "json"}').get_attribute("href")
            r = b.driver.execute_async_script(
                "fetch(arguments[0], {credentials:'same-origin'}).then(async r => arguments[1]({s: r.status, t: await r.text(), c: r.headers.get('Content-Type')}))", href)
            check(f"the {fmt} export has the post's lines ({r['c']})", r["s"] == 200 and post_id in r["t"] and marker in r["t"])

        # People: users and tokens (admins).
        people_view(b, admin, stamp)
        relay_sources(b, admin, stamp)

        # The emergency desk: the editor on this desktop, an approver on a phone.
        st, _ = admin.call("POST", "/api/users", {"user": "pat", "password": "pass-pat-1234", "role": "publisher", "sites": ["*"]})
        check(f"admin creates the approver 'pat' (HTTP {st})", st in (200, 201))
        v = Browser(390, 844, mobile=True)
        login(v, "pat", "pass-pat-1234")
        emergency_desk(b, v, admin)
        check("the editor does not see the People nav item", not b.find("#nav-people").is_displayed())
        b.driver.get(URL + "/#people")
        step("an editor sent to #people gets the posts view", b.wait,
             lambda d: d.find_element("id", "view-posts").is_displayed() and not d.find_element("id", "view-people").is_displayed(),
             10, "the posts view")

        errs = [m for m in b.console_errors() + v.console_errors() if "Content Security Policy" in m or "Uncaught" in m]
        check("no CSP violation or script error in the browser log", not errs)
        for m in errs[:5]:
            print("     " + m)
    finally:
        b.close()

    # A viewer on a phone: no publish button, and the API refuses anyway.
    if v is None:
        v = Browser(390, 844, mobile=True)
    try:
        login(v, "vera", "pass-vera-1234")
        v.wait(lambda d: d.find_element("id", "view-posts").is_displayed(), 10, "the posts view")
        check("the viewer sees no Publish button", not v.find("#post-publish").is_displayed())
        check("nor Save draft", not v.find("#post-save").is_displayed())
        check("nor the audit view", not v.find("#nav-audit").is_displayed())
        check("nor People", not v.find("#nav-people").is_displayed())
        csrf = v.js("return fetch('/api/me').then(r => r.json()).then(j => j.csrf)")
        r = in_page_fetch(v, "POST", "/api/posts", {"title": "viewer " + stamp, "publish": True}, csrf)
        check(f"the API refuses the viewer's post with a valid CSRF token (HTTP {r['status']})", r["status"] == 403)
        shot(v, "phone-posts")
        v.click("#nav-screens")
        v.wait(lambda d: d.execute_script("return document.body.dataset.screensReady"), 15, "screens ready")
        check("the viewer sees no Take picture button", not v.finds('#screens-body button[data-act="shot"]'))
        t_phone = v.js("return performance.getEntriesByName('screens-ready')[0].startTime")
        print(f"     phone: screens ready {t_phone:.0f} ms after the page's start (logging in included)")
        shot(v, "phone-screens")
        v.click("#logout")
        step("logging out shows the login form", v.visible, "#login-user")
        r = in_page_fetch(v, "GET", "/api/me", None, None)
        check(f"the session is gone after logging out (HTTP {r['status']})", r["status"] == 401)
        # The admin on a phone: People fits the narrow screen.
        login(v, "admin", ADMIN_PW)
        v.click("#nav-people")
        step("People on a phone lists the users", v.text_in, "#users-list", "vera", 10)
        wide = v.js("return document.documentElement.scrollWidth - window.innerWidth")
        check(f"nothing sticks out sideways on a phone ({wide} px)", wide <= 0)
        shot(v, "phone-people", full=True)
    finally:
        v.close()


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        fail("the test stopped on an exception")
    print(f"     e2e run time {time.monotonic() - t_start:.1f} s")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
