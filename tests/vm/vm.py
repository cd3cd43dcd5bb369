"""vm.py - drive a Crier system image in QEMU (TCG) from the host.

One VM = one qemu-system process with
  - direct kernel boot (vmlinuz + initrd.img of the image, kernel options below),
  - the root image (a per-run copy) and the data image as virtio disks opened with
    cache=none (O_DIRECT: what the guest has not flushed is lost when QEMU dies),
  - virtio-vga (a DRM/KMS device: card0) at the kiosk's resolution,
  - QMP on a unix socket (screendump, set_link, quit),
  - the kernel console (ttyS0) on a unix socket, logged to serial.log,
  - a root shell (test image only: autologin on the virtio console hvc0) on a
    unix socket, logged to console.log,
  - user-mode networking: the guest reaches the host's loopback as 10.0.2.2.
No KVM: /dev/kvm on these machines cannot run ordinary guests, so TCG
(-accel tcg,thread=multi -cpu max) always.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

QEMU = {"amd64": "qemu-system-x86_64", "arm64": "qemu-system-aarch64"}


class VMError(Exception):
    pass


class QMP:
    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise VMError("QMP socket %s did not open" % path)
                time.sleep(0.05)
        self.file = self.sock.makefile("rwb")
        self.events = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise VMError("no QMP greeting: %r" % greeting)
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise VMError("QMP connection closed")
        return json.loads(line)

    def cmd(self, _command, **args):
        name = _command
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.file.write(json.dumps(msg).encode() + b"\n")
        self.file.flush()
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise VMError("QMP %s: %s" % (name, r["error"]))
            return r.get("return")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Console:
    """The guest's root shell on hvc0: run(cmd) -> (status, output)."""

    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise VMError("console socket %s did not open" % path)
                time.sleep(0.05)
        self.buf = b""
        self.ready = False
        self.seq = 0

    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(min(left, 1.0))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        if not data:
            raise VMError("console closed")
        self.buf += data
        return True

    def _send(self, text):
        self.sock.sendall(text.encode())

    def wait_shell(self, timeout):
        """Waits for the autologin shell and makes it quiet (no echo, no prompt)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._send("\n")
            end = time.monotonic() + 2
            while time.monotonic() < end and self._recv(min(end, deadline)):
                if re.search(rb"root@[^\s]*[:#]", self.buf) or b"# " in self.buf:
                    break
            if re.search(rb"root@[^\s]*[:#]", self.buf):
                self.buf = b""
                self._send("stty -echo -onlcr; PS1=''; PS2=''; unset PROMPT_COMMAND; "
                           "bind 'set enable-bracketed-paste off' 2>/dev/null; export TERM=dumb SYSTEMD_PAGER= "
                           "SYSTEMD_COLORS=0 LC_ALL=C.UTF-8\n")
                time.sleep(0.5)
                self.ready = True
                self.run("true", timeout=20)
                return
        raise VMError("no root shell on the console within %d s" % timeout)

    def run(self, cmd, timeout=60):
        """Runs cmd in the guest shell; returns (exit status, output text)."""
        self.seq += 1
        tag = "%d_%d" % (os.getpid(), self.seq)
        begin = "@@B%s@@" % tag
        # The markers are printed with printf so that an echo of the line (if any)
        # never matches them.
        self.buf = b""
        self._send("printf '@@B%%s@@\\n' '%s'; %s\nprintf '@@E%%s:%%s@@\\n' '%s' \"$?\"\n" % (tag, cmd, tag))
        deadline = time.monotonic() + timeout
        pat = re.compile(rb"@@E" + tag.encode() + rb":(\d+)@@")
        while True:
            m = pat.search(self.buf)
            if m:
                text = self.buf[: m.start()].decode("utf-8", "replace").replace("\r", "")
                i = text.find(begin)
                if i >= 0:
                    text = text[i + len(begin):].lstrip("\n")
                return int(m.group(1)), text
            if not self._recv(deadline):
                raise VMError("guest command timed out after %d s: %s" % (timeout, cmd))

    def out(self, cmd, timeout=60):
        rc, text = self.run(cmd, timeout)
        if rc != 0:
            raise VMError("guest command failed (%d): %s\n%s" % (rc, cmd, text))
        return text

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class VM:
    def __init__(self, image, workdir, arch="amd64", size=(1920, 1080), mem=1024, smp=2,
                 cmdline_extra="", cache="none"):
        self.image, self.work, self.arch = image, workdir, arch
        self.size, self.mem, self.smp = size, mem, smp
        self.cmdline_extra, self.cache = cmdline_extra, cache
        self.proc = self.qmp = self.console = None
        self.boots = 0
        os.makedirs(workdir, exist_ok=True)
        self.root = os.path.join(workdir, "root.img")
        self.data = os.path.join(workdir, "data.img")
        self.reset_disks()

    def reset_disks(self):
        """A fresh copy of both disks from the image (sparse copies)."""
        for name, dst in (("root.img", self.root), ("data.img", self.data)):
            subprocess.run(["cp", "--sparse=always", os.path.join(self.image, name), dst], check=True)

    def path(self, name):
        return os.path.join(self.work, name)

    def argv(self):
        w, h = self.size
        kopts = ("root=/dev/vda ro rootwait console=ttyS0,115200 consoleblank=0 vt.global_cursor_default=0 "
                 "logo.nologo quiet loglevel=4 systemd.show_status=auto " + self.cmdline_extra).strip()
        a = [QEMU[self.arch], "-nodefaults", "-no-user-config", "-display", "none",
             "-accel", "tcg,thread=multi", "-cpu", "max", "-smp", str(self.smp), "-m", str(self.mem),
             "-rtc", "base=utc,clock=host",
             "-kernel", os.path.join(self.image, "vmlinuz"),
             "-initrd", os.path.join(self.image, "initrd.img"), "-append", kopts,
             "-drive", "file=%s,format=raw,if=virtio,cache=%s,aio=threads,discard=unmap" % (self.root, self.cache),
             "-drive", "file=%s,format=raw,if=virtio,cache=%s,aio=threads,discard=unmap" % (self.data, self.cache),
             "-device", "virtio-vga,xres=%d,yres=%d" % (w, h),
             "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0,id=nic0",
             "-chardev", "socket,id=qmp,path=%s,server=on,wait=off" % self.path("qmp.sock"),
             "-mon", "chardev=qmp,mode=control",
             "-chardev", "socket,id=ser0,path=%s,server=on,wait=off,logfile=%s,logappend=on"
             % (self.path("serial.sock"), self.path("serial.log")),
             "-serial", "chardev:ser0",
             "-device", "virtio-serial-pci",
             "-chardev", "socket,id=con0,path=%s,server=on,wait=off,logfile=%s,logappend=on"
             % (self.path("console.sock"), self.path("console.log")),
             "-device", "virtconsole,chardev=con0,name=console"]
        if self.arch == "amd64":
            a[1:1] = ["-machine", "q35"]
        return a

    def start(self):
        for s in ("qmp.sock", "serial.sock", "console.sock"):
            try:
                os.unlink(self.path(s))
            except FileNotFoundError:
                pass
        self.boots += 1
        with open(self.path("serial.log"), "a") as f:
            f.write("\n==== boot %d ====\n" % self.boots)
        self.t_start = time.monotonic()
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=open(self.path("qemu.log"), "a"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.qmp = QMP(self.path("qmp.sock"))
        self.console = Console(self.path("console.sock"))

    def wait_shell(self, timeout=180):
        self.console.wait_shell(timeout)
        return time.monotonic() - self.t_start

    def sh(self, cmd, timeout=60):
        return self.console.run(cmd, timeout)

    def out(self, cmd, timeout=60):
        return self.console.out(cmd, timeout)

    def screendump(self, png):
        """The virtual screen as the host sees it (QMP screendump), saved as PNG."""
        from PIL import Image
        ppm = png[:-4] + ".ppm"
        self.qmp.cmd("screendump", filename=ppm)
        for _ in range(100):
            if os.path.exists(ppm) and os.path.getsize(ppm) > 0:
                break
            time.sleep(0.05)
        Image.open(ppm).convert("RGB").save(png)
        os.unlink(ppm)
        return png

    def set_link(self, up):
        self.qmp.cmd("set_link", name="nic0", up=bool(up))

    def power_cut(self):
        """SIGKILL: no flush, no shutdown; what the guest had not written is gone."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close()

    def shutdown(self, timeout=90):
        """Clean power-off from inside the guest."""
        if self.proc and self.proc.poll() is None:
            try:
                self.console._send("systemctl poweroff\n")
            except Exception:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.power_cut()
        self._close()

    def _close(self):
        for c in (self.qmp, self.console):
            if c:
                c.close()
        self.qmp = self.console = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None
