#!/usr/bin/env python3
"""vmtest.py - the booted-kiosk checks (tests/vm/run.sh builds and calls this).

  vmtest.py --image DIR --build DIR --work DIR --key FILE [--checks LIST] [--power-cycles N]

Checks (LIST, comma-separated, default all in this order):
  boot      crier.service active with NRestarts=0 and no failed start on this boot;
            the first frame on the virtual screen (QMP screendump) matches a headless
            render of the same content on the host (same clock minute); a render of
            different content does not (negative control)
  alert     an alert sent with crierctl on the host comes back with an "accepted"
            receipt from vm-1 and its view fills the virtual screen, matching the
            same alert on a host headless kiosk
  watchdog  crier frozen with SIGSTOP: systemd kills it (watchdog), restarts it, and
            the board is back on screen, within WatchdogSec + RestartSec + first frame
  netloss   QMP set_link off: the board stays on screen, the header gains "as of
            HH:MM" (stale_after_s = 60); set_link on: the kiosk is back on the broker
            (an alert gets a receipt) and the marker goes away
  sandbox   systemd-analyze security score of crier.service in the guest (recorded,
            <= 2.5); a process in crier's sandbox cannot write outside /var/lib/crier
  powercut  N cycles: alerts, posts and feed refreshes are being written when QEMU is
            SIGKILLed at a random moment (disks cache=none); the broker is down at the
            next boot, so what shows comes from the disk alone: every alert accepted
            before the cut is restored and on screen, no state file is corrupt, the
            root image is bit-identical to the built one and e2fsck finds it clean,
            the data file system is clean after a clean shutdown at the end
Every check prints "ok"/"FAIL" lines; the last line is "N passed, N failed".
Timings go to WORK/results.json.
"""
import argparse
import hashlib
import http.server
import json
import os
import random
import re
import shlex
import shutil
import socketserver
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vm import VM, VMError  # noqa: E402

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# A pixel differs when one of its channels differs by more than CHANNEL_TOL; the
# frames match when at most FRAME_TOL of the pixels differ (0.05 %, about 1000
# pixels at 1080p: the golden-image rule).  Measured between the guest (SDL
# KMSDRM, GLES2 on Mesa llvmpipe) and the host (SDL software renderer): 0 pixels;
# one word changed in the title is 0.26 % (the negative control).
CHANNEL_TOL = 40
FRAME_TOL = 0.0005
# Seen in the VM: after every start of crier the KMSDRM screen stays black after
# the first frame is presented (and logged) until the next present, which on a
# static board is the next clock minute.  Until the firmware presents its first
# frame again, the checks allow that long and record the delay.
FIRST_FRAME_VISIBLE_S = 70
WATCHDOG_S, RESTART_S = 30, 2

PASSED = FAILED = 0
RESULTS = {}


def ok(msg):
    global PASSED
    PASSED += 1
    print("ok   " + msg, flush=True)


def fail(msg):
    global FAILED
    FAILED += 1
    print("FAIL " + msg, flush=True)


def check(cond, msg, detail=""):
    if cond:
        ok(msg)
    else:
        fail(msg + ((": " + detail) if detail else ""))
    return cond


def note(msg):
    print("     " + msg, flush=True)


# ---- images -----------------------------------------------------------------------

def diff_fraction(a_path, b_path, box=None):
    """Fraction of pixels whose largest channel difference exceeds CHANNEL_TOL."""
    from PIL import Image, ImageChops
    a = Image.open(a_path).convert("RGB")
    b = Image.open(b_path).convert("RGB")
    if a.size != b.size:
        return 1.0
    if box:
        a, b = a.crop(box), b.crop(box)
    d = ImageChops.difference(a, b)
    r, g, bl = [c.point(lambda v: 255 if v > CHANNEL_TOL else 0) for c in d.split()]
    m = ImageChops.lighter(ImageChops.lighter(r, g), bl)
    bad = m.histogram()[255]
    return bad / float(a.size[0] * a.size[1])


# ---- host side: broker, feed server, reference kiosk --------------------------------

class Feed:
    """The news feed the kiosk fetches (RSS from tests/fixtures/feeds) on a fixed port."""

    def __init__(self, port):
        body = open(os.path.join(SRC, "tests/fixtures/feeds/rss2.xml"), "rb").read()
        self.hits = 0
        feed = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                feed.hits += 1
                if self.path.split("?")[0] != "/news.xml":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.srv = S(("127.0.0.1", port), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def stop(self):
        self.srv.shutdown()


class Broker:
    def __init__(self, port, work):
        self.dir = os.path.join(work, "broker")
        shutil.rmtree(self.dir, ignore_errors=True)
        out = subprocess.run(["bash", os.path.join(SRC, "scripts/broker.sh"), "start", "--port", str(port),
                              "--dir", self.dir], capture_output=True, text=True)
        if out.returncode != 0:
            raise VMError("broker.sh: " + out.stderr)
        self.url = "mqtt://127.0.0.1:%d" % port

    def kill(self):
        subprocess.run(["bash", os.path.join(SRC, "scripts/broker.sh"), "kill", self.dir], capture_output=True)

    def restart(self):
        subprocess.run(["bash", os.path.join(SRC, "scripts/broker.sh"), "restart", self.dir], check=True,
                       capture_output=True)

    def stop(self):
        subprocess.run(["bash", os.path.join(SRC, "scripts/broker.sh"), "stop", self.dir], capture_output=True)


class Host:
    def __init__(self, args):
        self.args = args
        self.crier = os.path.join(args.build, "crier")
        self.ctl = os.path.join(args.build, "crierctl")
        self.keydir = os.path.dirname(args.key)
        self.work = args.work
        self.guest_conf = os.path.join(args.extra, "etc/crier/crier.conf")

    def conf(self, name, broker=None, kiosk="vm-ref", content=None):
        """The guest's crier.conf rewritten for a headless kiosk on the host."""
        d = os.path.join(self.work, name)
        os.makedirs(os.path.join(d, "state", "cache"), exist_ok=True)
        lines = []
        for line in open(self.guest_conf):
            k = line.split("=")[0].strip()
            if k in ("broker_url", "kiosk_id") or k.startswith("source.news."):
                continue  # the reference shows the board only; its own id and broker
            if k == "source.board.path":
                line = "source.board.path = %s\n" % (content or os.path.join(self.args.extra,
                                                                              "etc/crier/content/content.json"))
            lines.append(line)
        lines += ["kiosk_id = %s\n" % kiosk, "assets_dir = %s\n" % os.path.join(SRC, "assets"),
                  "state_dir = %s\n" % os.path.join(d, "state"), "cache_dir = %s\n" % os.path.join(d, "state/cache"),
                  "alert_keys_dir = %s\n" % os.path.join(self.args.extra, "etc/crier/keys")]
        if broker:
            lines.append("broker_url = %s\n" % broker)
        p = os.path.join(d, "crier.conf")
        open(p, "w").writelines(lines)
        return p

    def render(self, name, fake_time, size, content=None):
        """One headless frame of the board at fake_time (ISO 8601, UTC)."""
        conf = self.conf(name, content=content)
        png = os.path.join(self.work, name + ".png")
        env = dict(os.environ, CRIER_FAKE_TIME=fake_time, TZ="UTC", LC_ALL="C.UTF-8")
        subprocess.run([self.crier, "--config", conf, "--headless", "--size", "%dx%d" % size, "--run-for", "2.5",
                        "--screenshot", png], env=env, check=True, capture_output=True)
        return png

    def ctl_cmd(self, broker, *args, timeout=90):
        cmd = [self.ctl, "--broker", broker, "--signing-key", self.args.key] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr


# ---- guest helpers -----------------------------------------------------------------

def unit_prop(vm, prop):
    return vm.out("systemctl show crier.service -p %s --value" % prop).strip()


def journal(vm, unit="crier.service", since_boot=True):
    return vm.out("journalctl -q -o cat -b -u %s --no-pager" % unit, timeout=60)


def wait_guest(vm, cond_cmd, timeout, interval=1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rc, _ = vm.sh(cond_cmd)
        if rc == 0:
            return True
        time.sleep(interval)
    return False


def wait_first_frame(vm, timeout, n_wanted=1):
    """Waits until crier.service is active and has logged its first frame n_wanted times."""
    return wait_guest(vm, "[ \"$(systemctl is-active crier.service)\" = active ] && "
                          "[ $(journalctl -b -u crier.service -o cat -q | grep -c 'first frame after') -ge %d ]"
                      % n_wanted, timeout)


def minute_of(t):
    return time.strftime("%Y-%m-%dT%H:%M", time.gmtime(t))


def screen_vs_render(vm, host, name, size, content=None, tries=6, box=None):
    """Screendump now and a host render for the same clock minute; returns (fraction, dump, ref)."""
    for _ in range(tries):
        t0 = time.time()
        dump = vm.screendump(os.path.join(host.work, name + "-vm.png"))
        t1 = time.time()
        # Not across a minute, and not in the first seconds of one: the guest redraws
        # the clock a few seconds after the minute under TCG.
        if minute_of(t0) != minute_of(t1) or int(t1) % 60 > 57 or int(t0) % 60 < 8:
            time.sleep(max(1, 8 - int(time.time()) % 60) if int(time.time()) % 60 < 8 else 3)
            continue
        ref = host.render(name + "-ref", minute_of(t0) + ":%02dZ" % (int(t0) % 60), size, content)
        return diff_fraction(dump, ref, box), dump, ref
    raise VMError("could not take a screendump inside one clock minute")


def wait_board(vm, host, name, size, timeout):
    """Reads the screen until it shows the board (as rendered on the host for the same
    minute) or timeout; returns (seconds waited, fraction)."""
    t = time.monotonic()
    while True:
        frac, _, _ = screen_vs_render(vm, host, name, size)
        if frac <= FRAME_TOL or time.monotonic() - t > timeout:
            return time.monotonic() - t, frac
        time.sleep(2)


# ---- checks -------------------------------------------------------------------------

def check_boot(vm, host, args):
    t = time.monotonic()
    vm.start()
    shell_s = vm.wait_shell(240)
    check(wait_guest(vm, "systemctl is-active -q var-lib-crier.mount", 120),
          "boot: the data partition is mounted (var-lib-crier.mount active)")
    check(wait_first_frame(vm, 180), "boot: crier.service active and a first frame logged")
    boot_s = time.monotonic() - t
    RESULTS["boot_to_first_frame_s"] = round(boot_s, 1)
    RESULTS["boot_to_shell_s"] = round(shell_s, 1)
    ff = re.findall(r"first frame after (\d+) ms", journal(vm))
    if ff:
        RESULTS["service_start_to_first_frame_ms"] = int(ff[-1])
    note("boot to shell %.1f s, to first frame %.1f s (crier: first frame %s ms after start)"
         % (shell_s, boot_s, ff[-1] if ff else "?"))
    nr = unit_prop(vm, "NRestarts")
    check(nr == "0", "boot: NRestarts=0 (crier started once)", "NRestarts=" + nr)
    jr = journal(vm)
    # The unit starts once: no failed start, and crier's own bounded retry of
    # the display (firmware/screen/backend.c), if it needed one, succeeded.
    check("Failed with result" not in jr and "gave up after" not in jr and "exited, code" not in jr,
          "boot: no failed start of crier.service in this boot's journal", jr[-800:])
    waits = re.findall(r"crier-wait-display: .*", jr)
    if waits:
        note("wait for the display: " + waits[0])
    RESULTS.setdefault("display_waits", []).append(waits[0] if waits else "none")
    retry = re.findall(r"display ready after .*", jr)
    if retry:
        note("crier retried the display itself: " + retry[0])
    RESULTS.setdefault("display_retries", []).append(retry[0] if retry else "none")
    check(vm.out("findmnt -no FSTYPE /").strip() == "overlay", "boot: the root is the read-only overlay")
    check("ro" in vm.out("findmnt -no OPTIONS /run/crier-root/ro").split(","), "boot: the root disk is mounted ro")
    check(vm.sh("touch /run/crier-root/ro/x")[0] != 0, "boot: writing the root disk itself fails")
    check(vm.out("findmnt -no SOURCE /var/lib/crier").strip() == "/dev/vdb",
          "boot: the data partition is /var/lib/crier")
    check(vm.out("journalctl --header | grep -c 'File path: /run/log/journal' || true").strip() not in ("", "0"),
          "boot: the journal is in RAM (/run/log/journal)")
    # The first frame on the virtual screen against the headless render, read again
    # until it matches (see FIRST_FRAME_VISIBLE_S).
    t_ff = time.monotonic()
    while True:
        frac, dump, ref = screen_vs_render(vm, host, "boot", args.size)
        if frac <= FRAME_TOL or time.monotonic() - t_ff > FIRST_FRAME_VISIBLE_S:
            break
        time.sleep(2)
    vis = round(time.monotonic() - t_ff, 1)
    RESULTS.setdefault("first_frame_log_to_screen_s", []).append(vis)
    note("the board appeared on the virtual screen %.1f s after crier logged its first frame" % vis)
    RESULTS["boot_frame_diff"] = round(frac, 5)
    check(frac <= FRAME_TOL, "boot: the screen matches the headless render (%.3f %% of pixels differ, limit %.2f %%)"
          % (frac * 100, FRAME_TOL * 100), "see %s and %s" % (dump, ref))
    # Negative control: other content must not match.
    other = os.path.join(host.work, "other-content.json")
    c = json.load(open(os.path.join(args.extra, "etc/crier/content/content.json")))
    c["posts"][0]["title"] = "Riverton Town Hall is closed"
    json.dump(c, open(other, "w"))
    ref2 = host.render("boot-neg", minute_of(time.time()) + ":00Z", args.size, other)
    f2 = diff_fraction(dump, ref2)
    check(f2 > FRAME_TOL, "boot: negative control: a render with another title differs (%.3f %%)" % (f2 * 100))


def send_alert(host, broker, headline, scope=("--kiosk", "vm-1"), wait=1, timeout=60, event="Evacuation"):
    rc, out = host.ctl_cmd(broker, "--timeout", str(timeout), "alert", *scope, "--event", event,
                           "--severity", "Extreme", "--headline", headline,
                           "--instruction", "Leave by the nearest exit.", "--expires", "+2h",
                           "--wait", str(wait), "--timeout", str(timeout), timeout=timeout + 30)
    ident = out.splitlines()[0].strip() if out else ""
    return rc, ident, out


def check_alert(vm, host, args, broker):
    ref_conf = host.conf("alert-ref", broker=broker.url, kiosk="vm-ref")
    ref_png = os.path.join(host.work, "alert-ref.png")
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
    ref = subprocess.Popen([host.crier, "--config", ref_conf, "--headless", "--size", "%dx%d" % args.size,
                            "--screenshot", ref_png, "--screenshot-every", "1"], env=env,
                           stdout=subprocess.DEVNULL, stderr=open(os.path.join(host.work, "alert-ref.log"), "w"))
    try:
        time.sleep(3)
        before = vm.screendump(os.path.join(host.work, "alert-before.png"))
        t = time.monotonic()
        rc, ident, out = send_alert(host, broker.url, "Evacuate the town hall now", scope=("--site", "lab"), wait=2)
        RESULTS["alert_send_to_receipt_s"] = round(time.monotonic() - t, 1)
        check(rc == 0 and re.search(r"^vm-1 +accepted", out, re.M),
              "alert: crierctl gets an 'accepted' receipt from vm-1 (%.1f s)" % RESULTS["alert_send_to_receipt_s"], out)
        m = re.search(r"send to screen: p50 (\d+) ms", out)
        note(out.strip().splitlines()[-1] if out.strip() else "")
        check(wait_guest(vm, "journalctl -b -u crier -o cat -q | grep -q \"alert '%s'.* on screen\"" % ident, 30),
              "alert: the guest logs the alert on screen")
        time.sleep(2)
        frac = 1.0
        for _ in range(3):
            dump = vm.screendump(os.path.join(host.work, "alert-vm.png"))
            frac = diff_fraction(dump, ref_png)
            if frac <= FRAME_TOL:
                break
            time.sleep(2)
        RESULTS["alert_frame_diff"] = round(frac, 5)
        check(frac <= FRAME_TOL, "alert: the virtual screen matches the host kiosk showing the same alert "
              "(%.3f %% differ)" % (frac * 100), "see %s and %s" % (dump, ref_png))
        fb = diff_fraction(before, dump)
        check(fb > 0.3, "alert: the alert took over the screen (%.0f %% of pixels changed)" % (fb * 100))
        rc, cout = host.ctl_cmd(broker.url, "--timeout", "60", "cancel", ident, "--wait", "2", "--timeout", "60")
        check(rc == 0, "alert: cancel accepted", cout)
        waited, frac = wait_board(vm, host, "alert-after", args.size, 30)
        check(frac <= FRAME_TOL, "alert: after the cancel the board is back on screen (%.1f s)" % waited)
    finally:
        ref.terminate()
        ref.wait()


def check_watchdog(vm, host, args):
    board = vm.screendump(os.path.join(host.work, "wd-before.png"))
    pid = unit_prop(vm, "MainPID")
    n0 = int(unit_prop(vm, "NRestarts"))
    frames0 = len(re.findall(r"first frame after", journal(vm)))
    t = time.monotonic()
    vm.out("kill -STOP %s" % pid)
    check(wait_guest(vm, "journalctl -b -u crier -o cat -q | grep -q 'Watchdog timeout'", WATCHDOG_S + 30),
          "watchdog: systemd reports the watchdog timeout")
    t_kill = time.monotonic() - t
    check(wait_first_frame(vm, 60, frames0 + 1), "watchdog: crier restarted and drew a first frame again")
    t_back = time.monotonic() - t
    n1 = int(unit_prop(vm, "NRestarts"))
    pid1 = unit_prop(vm, "MainPID")
    check(n1 == n0 + 1 and pid1 != pid, "watchdog: one restart, a new process (NRestarts %d -> %d)" % (n0, n1))
    ff = re.findall(r"first frame after (\d+) ms", journal(vm))
    # + 10 s: the unit start (ExecStartPre, exec) before crier's own clock starts, and
    # this loop's polling of the journal through the console (TCG, busy host)
    bound = WATCHDOG_S + RESTART_S + int(ff[-1]) / 1000.0 + 10
    RESULTS["watchdog_frozen_to_first_frame_s"] = round(t_back, 1)
    RESULTS["watchdog_frozen_to_kill_s"] = round(t_kill, 1)
    check(t_back <= bound, "watchdog: frozen to first frame logged again %.1f s <= WatchdogSec + RestartSec + first frame "
          "+ 10 s = %.1f s" % (t_back, bound))
    _, frac = wait_board(vm, host, "wd-after", args.size, FIRST_FRAME_VISIBLE_S)
    RESULTS["watchdog_frozen_to_visible_s"] = round(time.monotonic() - t, 1)
    check(frac <= FRAME_TOL, "watchdog: the board is back on the virtual screen %.1f s after the freeze "
          "(%.3f %% differ from a render)" % (RESULTS["watchdog_frozen_to_visible_s"], frac * 100))


HEADER = lambda size: (0, 0, size[0], int(size[1] * 0.1111))  # noqa: E731


def check_netloss(vm, host, args, broker, feed):
    w, h = args.size
    posts_box = (0, int(h * 0.12), w, int(h * 0.92))
    check(wait_guest(vm, "journalctl -b -u crier -o cat -q | grep -q \"content from 'news'\"", 40),
          "netloss: the news feed was fetched from the host before the cut")
    before = vm.screendump(os.path.join(host.work, "net-before.png"))
    hdr, _, _ = screen_vs_render(vm, host, "net-hdr0", args.size, box=HEADER(args.size))
    check(hdr <= FRAME_TOL, "netloss: before the cut the header is the fresh one (%.3f %% differ from a render)"
          % (hdr * 100))
    hits0 = feed.hits
    n0 = unit_prop(vm, "NRestarts")
    t = time.monotonic()
    vm.set_link(False)
    # The feed fails from the next refresh on; after stale_after_s (60 s) the header
    # says "as of HH:MM": it no longer matches a render of the fresh board (same minute).
    stale = False
    for _ in range(45):
        time.sleep(2)
        hdr, d, _ = screen_vs_render(vm, host, "net-off", args.size, box=HEADER(args.size))
        if hdr > 0.01:  # the marker "·  as of HH:MM" is about 3 % of the header's pixels
            stale = True
            break
    RESULTS["netloss_to_as_of_s"] = round(time.monotonic() - t, 1)
    check(stale, "netloss: the header gained the 'as of' marker %.0f s after the link went down (%.2f %% of the "
          "header differs from the fresh board)" % (RESULTS["netloss_to_as_of_s"], hdr * 100))
    jr = journal(vm)
    check(re.search(r"source news: .*failure", jr) is not None, "netloss: the guest logs the feed failures")
    d = vm.screendump(os.path.join(host.work, "net-off.png"))
    fp = diff_fraction(d, before, posts_box)
    check(fp <= FRAME_TOL, "netloss: the posts, events and ticker stay on screen (%.3f %% differ)" % (fp * 100))
    check(vm.out("systemctl is-active crier.service").strip() == "active" and unit_prop(vm, "NRestarts") == n0,
          "netloss: crier kept running through the loss (no restart)")
    vm.set_link(True)
    t = time.monotonic()
    rc, ident, out = send_alert(host, broker.url, "Link back test", wait=1, timeout=90)
    RESULTS["netloss_link_up_to_receipt_s"] = round(time.monotonic() - t, 1)
    check(rc == 0 and re.search(r"^vm-1 +accepted", out, re.M),
          "netloss: after the link is back an alert gets a receipt (%.1f s)" % RESULTS["netloss_link_up_to_receipt_s"],
          out)
    host.ctl_cmd(broker.url, "--timeout", "60", "cancel", ident, "--wait", "1", "--timeout", "60")
    fresh = False
    for _ in range(20):
        time.sleep(2)
        hdr, d, _ = screen_vs_render(vm, host, "net-on", args.size)
        if feed.hits > hits0 and hdr <= FRAME_TOL:
            fresh = True
            break
    check(fresh, "netloss: the feed is fetched again and the 'as of' marker is gone (screen as before the cut)")


def check_sandbox(vm, host, args):
    out = vm.out("systemd-analyze security crier.service --no-pager 2>&1 | tail -1")
    m = re.search(r"exposure level for crier.service: ([0-9.]+)", out)
    score = float(m.group(1)) if m else None
    RESULTS["systemd_analyze_security"] = score
    check(score is not None and score <= 2.5, "sandbox: systemd-analyze security in the guest: %s (<= 2.5)" % out.strip())
    # A process with crier.service's own sandbox (its [Service] settings and user,
    # in a oneshot unit written to /run) tries to write outside /var/lib/crier.
    lines = vm.out("systemctl cat crier.service | sed -n '/^\\[Service\\]/,/^\\[/p'").splitlines()
    keep = re.compile(r"^(User|Group|SupplementaryGroups|NoNewPrivileges|Protect[A-Za-z]+|ReadWritePaths|"
                      r"Private[A-Za-z]+|Restrict[A-Za-z]+|CapabilityBoundingSet|AmbientCapabilities|"
                      r"SystemCall[A-Za-z]+|LockPersonality|MemoryDenyWriteExecute|RemoveIPC|DevicePolicy|"
                      r"DeviceAllow|UMask)=")
    sandbox = [l.strip() for l in lines if keep.match(l.strip())]
    probe = ("for f in /etc/crier/x /usr/share/crier/x /var/cache/x /root/x /home/x /var/lib/x; do "
             "if ( : > $f ) 2>/dev/null; then echo WROTE $f; rm -f $f; else echo DENIED $f; fi; done; "
             ": > /var/lib/crier/sandbox-probe && echo WROTE-OK /var/lib/crier && rm /var/lib/crier/sandbox-probe; "
             "id -un")
    unit = "\n".join(["[Service]", "Type=oneshot", "ExecStart=/bin/sh -c %s" % shlex.quote(probe.replace("$", "$$")),
                       "StandardOutput=file:/run/crier-probe.out", "StandardError=inherit"] + sandbox) + "\n"
    vm.out("printf %s %s > /run/systemd/system/crier-probe.service && systemctl daemon-reload && "
           "systemctl start crier-probe.service" % ("'%s'", shlex.quote(unit)), timeout=60)
    res = vm.out("cat /run/crier-probe.out")
    note(res.strip().replace("\n", "; "))
    check("WROTE /" not in res and res.count("DENIED") == 6,
          "sandbox: in crier's sandbox (%d settings of its unit) nothing can be written to /etc/crier, /usr, "
          "/var/cache, /root, /home, /var/lib (/tmp and /var/tmp are private: PrivateTmp)" % len(sandbox), res)
    check("WROTE-OK /var/lib/crier" in res and res.strip().endswith("crier"),
          "sandbox: ... while /var/lib/crier is writable to the same process, user crier (the probe is real)", res)
    # The running crier itself: its mount namespace has / read-only.
    pid = unit_prop(vm, "MainPID")
    ro = vm.out("nsenter -t %s -m findmnt -no OPTIONS / | cut -d, -f1" % pid).strip()
    check(ro == "ro", "sandbox: / is read-only in the running crier's mount namespace", ro)


def check_powercut(vm, host, args, broker, cycles):
    root_sum = sha256(os.path.join(args.image, "root.img"))
    accepted_all = []
    rnd = random.Random(args.seed)
    results = []
    broker_up = True
    for cyc in range(1, cycles + 1):
        cyc_t = time.monotonic()
        if not vm.alive():
            broker.restart()
            broker_up = True
            vm.start()
            vm.wait_shell(240)
            if not wait_first_frame(vm, 120):
                fail("powercut %d: no first frame after the boot with the broker up" % cyc)
        if not broker_up:
            # the last cut killed it (the boot after a cut must see only its disk)
            broker.restart()
            broker_up = True
        accepted = []
        # The kiosk is back on the broker before the clock starts: one alert and
        # its receipt (without this, every cycle after the first ran while the
        # kiosk was still reconnecting and sent nothing that was accepted).
        rc, ident, out = send_alert(host, broker.url, "Cycle %d first alert" % cyc, wait=1, timeout=90,
                                    event="Test0")
        if rc == 0 and re.search(r"^vm-1 +accepted", out, re.M):
            accepted.append((ident, time.monotonic()))
        else:
            fail("powercut %d: the kiosk did not accept an alert before the cut (rc %d): %s" % (cyc, rc, out[-500:]))
        # Work while the clock runs: alerts with receipts, signed posts; the feed is
        # refreshed every 10 s into the cache.  Cut at a random moment inside.
        delay = rnd.uniform(2.0, 12.0)
        cut_at = time.monotonic() + delay
        stop = threading.Event()

        def writer():
            i = 0
            while not stop.is_set():
                i += 1
                rc, ident, out = send_alert(host, broker.url, "Cycle %d alert %d" % (cyc, i), wait=1, timeout=20,
                                            event="Test%d" % i)
                if stop.is_set():
                    break  # the receipt may have raced the cut; only count the ones before
                if rc == 0 and re.search(r"^vm-1 +accepted", out, re.M):
                    accepted.append((ident, time.monotonic()))
                host.ctl_cmd(broker.url, "--timeout", "5", "post", "--kiosk", "vm-1",
                             "--title", "Cycle %d post %d" % (cyc, i), "--until", "+1h", timeout=30)
        th = threading.Thread(target=writer, daemon=True)
        th.start()
        while time.monotonic() < cut_at:
            time.sleep(0.05)
        t_cut = time.monotonic()
        vm.power_cut()
        stop.set()
        broker.kill()  # the next boot sees only its own disk; crierctl in flight gives up
        broker_up = False
        th.join(60)
        acc = [i for i, tt in accepted if tt < t_cut]
        accepted_all += acc
        same = sha256(vm.root) == root_sum
        fsck = subprocess.run(["e2fsck", "-fn", vm.root], capture_output=True, text=True)
        vm.start()
        vm.wait_shell(240)
        booted = wait_first_frame(vm, 150)
        jr = journal(vm) if booted else ""
        restored = re.findall(r"(\d+) active alert\(s\) restored", jr)
        shown = [a for a in acc if re.search(r"alert '%s'.* on screen" % re.escape(a), jr)]
        state = vm.out("cat /var/lib/crier/alerts.json 2>/dev/null || ls -la /var/lib/crier", timeout=30)
        bad = re.findall(r".*(corrupt|cannot parse|cannot load|invalid JSON|truncated).*", jr, re.I)
        fsck_data = vm.out("journalctl -b -o cat -q -u 'systemd-fsck@*' --no-pager || true")
        r = {"cycle": cyc, "cut_after_s": round(delay, 1), "accepted_before_cut": len(acc),
             "restored": restored[-1] if restored else "0", "shown": len(shown), "booted": booted,
             "root_identical": same, "root_fsck_rc": fsck.returncode,
             "cycle_s": round(time.monotonic() - cyc_t, 1)}
        results.append(r)
        note("cycle %d: %s" % (cyc, json.dumps(r)))
        check(booted, "powercut %d: the kiosk boots and draws after the cut" % cyc)
        check(len(shown) == len(acc), "powercut %d: all %d alert(s) accepted before the cut are on screen after it "
              "(from the disk; broker down)" % (cyc, len(acc)),
              "missing %s; journal: %s; state: %s" % (set(acc) - set(shown), jr[-1500:], state[:500]))
        check(not bad, "powercut %d: no corrupt or unreadable state reported" % cyc, "; ".join(bad))
        check(same and fsck.returncode == 0, "powercut %d: root image bit-identical to the built one, e2fsck clean"
              % cyc, fsck.stdout[-500:])
        check("FILE SYSTEM WAS MODIFIED" not in fsck_data and "UNEXPECTED INCONSISTENCY" not in fsck_data,
              "powercut %d: boot fsck of the data partition repaired nothing" % cyc, fsck_data[-500:])
    RESULTS["powercut_cycles"] = results
    # End: the broker back, a clean shutdown, then the data file system checked offline.
    broker.restart()
    vm.shutdown()
    fsck = subprocess.run(["e2fsck", "-fn", vm.data], capture_output=True, text=True)
    check(fsck.returncode == 0, "powercut: after a clean shutdown e2fsck finds the data partition clean",
          fsck.stdout[-800:])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for blk in iter(lambda: f.read(1 << 20), b""):
            h.update(blk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--extra", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--broker-port", type=int, default=18883)
    ap.add_argument("--feed-port", type=int, default=18880)
    ap.add_argument("--checks", default="boot,alert,watchdog,netloss,sandbox,powercut")
    ap.add_argument("--power-cycles", type=int, default=3)
    ap.add_argument("--boots", type=int, default=1, help="boot check repeated this many times (bench)")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--size", default="1920x1080")
    args = ap.parse_args()
    args.size = tuple(int(x) for x in args.size.split("x"))
    checks = args.checks.split(",")
    os.makedirs(args.work, exist_ok=True)
    host = Host(args)
    broker = Broker(args.broker_port, args.work)
    feed = Feed(args.feed_port)
    vm = VM(args.image, os.path.join(args.work, "vm"), size=args.size)
    note("seed %d; work folder %s" % (args.seed, args.work))
    t_all = time.monotonic()
    try:
        for name in checks:
            t = time.monotonic()
            print("--- %s" % name, flush=True)
            try:
                if name == "boot":
                    for i in range(args.boots):
                        if vm.alive():
                            vm.shutdown()
                        check_boot(vm, host, args)
                elif name == "alert":
                    check_alert(vm, host, args, broker)
                elif name == "watchdog":
                    check_watchdog(vm, host, args)
                elif name == "netloss":
                    check_netloss(vm, host, args, broker, feed)
                elif name == "sandbox":
                    check_sandbox(vm, host, args)
                elif name == "powercut":
                    check_powercut(vm, host, args, broker, args.power_cycles)
                else:
                    fail("unknown check " + name)
            except (VMError, OSError, subprocess.SubprocessError) as e:
                fail("%s: %s" % (name, e))
            RESULTS.setdefault("check_s", {})[name] = round(time.monotonic() - t, 1)
            print("--- %s: %.1f s" % (name, time.monotonic() - t), flush=True)
    finally:
        try:
            if vm.alive():
                vm.power_cut()
        finally:
            feed.stop()
            broker.stop()
    RESULTS["total_s"] = round(time.monotonic() - t_all, 1)
    RESULTS["passed"], RESULTS["failed"] = PASSED, FAILED
    json.dump(RESULTS, open(os.path.join(args.work, "results.json"), "w"), indent=1)
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 0 if FAILED == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
