"""bench/bench_render.py - renderer benchmarks (a bench/run plugin).

Headless software renderer, 1920x1080, on this machine:

- transition frames: the whole work of every frame drawn while a fade or slide
  runs (work_us of the frame_presented event: messages, any slide composed in
  that turn, drawing, copying out, present), p50 and p99, with a scrolling
  ticker as well; goal p99 <= 16.7 ms (60 fps).  Also with `rotation = 90`,
  where the software renderer turns every frame (a KMSDRM GPU does it for free).
- a static slide with a clock showing seconds (a frame every second) over
  60 s: CPU as % of one core; goal <= 0.5 %.
- every script and colour emoji on screen (the fixtures of the golden tests in
  rotation): process start to first frame (goal <= 250 ms) and peak RSS
  (goal <= 60 MB).
"""
import json
import pathlib
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TICK = __import__("os").sysconf("SC_CLK_TCK")


def _cmd(build, conf, *args):
    return [str(build / "crier"), "--headless", "--size", "1920x1080", "--set", "log_level=error",
            "--config", str(conf), *args]


def _pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def _events(path):
    out = []
    for line in pathlib.Path(path).read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def _rotation_content(d):
    """Four posts of 2 s (text, image + QR code, long text) and a long ticker that scrolls."""
    demo = json.loads((ROOT / "assets/demo/content.json").read_text())
    posts = []
    for i, p in enumerate(demo["posts"] + demo["posts"][:1]):
        q = dict(p, id=f"p{i}", duration_s=2)
        if "image" in q:
            q["image"] = str(ROOT / "assets/demo" / q["image"])
        posts.append(q)
    content = {"posts": posts, "events": demo.get("events", []),
               "ticker": ["Road works on Mill Street until 12 December: buses 4 and 7 divert via Station Road",
                          "Flu vaccinations at the health centre every weekday morning",
                          "Lost property can be collected at the Town Hall reception"]}
    (d / "content.json").write_text(json.dumps(content))
    (d / "k.conf").write_text("city_name = Riverton\nsource.s.type = file\nsource.s.path = content.json\n")
    return d / "k.conf"


def _transition_frames(build, conf, seconds, *args):
    with tempfile.TemporaryDirectory() as tmp:
        ev = pathlib.Path(tmp) / "ev.jsonl"
        subprocess.run(_cmd(build, conf, "--run-for", str(seconds), "--events", str(ev), *args), check=True)
        events = _events(ev)
    frames = [e for e in events if e.get("event") == "frame_presented" and e.get("transition") == 1]
    return [e["work_us"] / 1000.0 for e in frames], [e["draw_us"] / 1000.0 for e in frames]


def bench_render_transition(build, quick):
    seconds = 9 if quick else 41
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        conf = _rotation_content(pathlib.Path(tmp))
        for kind, extra in (("fade", ()), ("slide", ()), ("fade, rotation 90", ("--set", "rotation=90"))):
            work, _ = _transition_frames(build, conf, seconds, "--set", "transition=" + kind.split(",")[0],
                                         *extra)
            goal = "<= 16.7" if "rotation" not in kind else "(software rotation; none)"
            rows.append((f"transition frame, {kind}, p50 ({len(work)} frames)", _pct(work, 50), "ms", ""))
            rows.append((f"transition frame, {kind}, p99", _pct(work, 99), "ms", goal))
    return rows


def _cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def bench_render_idle_clock(build, quick):
    """A static slide whose clock shows seconds: one small redraw a second."""
    window = 10 if quick else 60
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "content.json").write_text(
            '{"posts":[{"id":"p","title":"Library: longer opening hours","body":"Open until 20:00 on weekdays."}],'
            '"events":[{"title":"Council meeting","starts":"2099-01-01T18:00:00Z"}],'
            '"ticker":["Lost property at the Town Hall reception"]}')
        (d / "k.conf").write_text("city_name = Riverton\nsource.s.type = file\nsource.s.path = content.json\n"
                                  "ticker_motion = static\ntransition = none\nclock_format = %H:%M:%S\n")
        p = subprocess.Popen(_cmd(build, d / "k.conf"))
        try:
            time.sleep(2)
            c0, t0 = _cpu_seconds(p.pid), time.monotonic()
            time.sleep(window)
            c1, t1 = _cpu_seconds(p.pid), time.monotonic()
        finally:
            p.terminate()
            p.wait()
    return [(f"idle CPU, static slide, clock with seconds, over {window} s", 100.0 * (c1 - c0) / (t1 - t0),
             "% of a core", "<= 0.5")]


def _peak_rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def bench_render_all_fonts(build, quick):
    """Every script, colour emoji, an image and QR codes on screen in turn."""
    fix = ROOT / "tests/fixtures/render"
    posts = []
    for name in ("scripts", "more_scripts", "zh_hans", "zh_hant", "mixed", "japanese", "emoji", "image_qr",
                 "overlong"):
        for p in json.loads((fix / f"{name}.json").read_text(encoding="utf-8"))["posts"]:
            q = dict(p, duration_s=1)
            if "image" in q:
                q["image"] = str(fix / q["image"])
            posts.append(q)
    firsts, peaks, missing = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "content.json").write_text(json.dumps({"posts": posts}, ensure_ascii=False), encoding="utf-8")
        (d / "k.conf").write_text("city_name = Riverton\nsource.s.type = file\nsource.s.path = content.json\n")
        for _ in range(2 if quick else 5):
            ev = d / "ev.jsonl"
            t0 = time.time() * 1000
            p = subprocess.Popen(_cmd(build, d / "k.conf", "--run-for", str(len(posts) + 1), "--events", str(ev)))
            peak = 0
            while p.poll() is None:
                try:
                    peak = max(peak, _peak_rss(p.pid))
                except (FileNotFoundError, ProcessLookupError):
                    pass
                time.sleep(0.05)
            events = _events(ev)
            firsts += [e["t_ms"] - t0 for e in events if e.get("event") == "first_frame"]
            missing += sum(1 for e in events if e.get("event") == "glyph_missing")
            peaks.append(peak)
    return [
        ("start to first frame, all scripts (1920x1080)", statistics.median(firsts), "ms", "<= 250"),
        ("peak RSS, every script + emoji + image shown", statistics.median(peaks) / 1e6, "MB", "<= 60"),
        ("glyphs drawn as .notdef boxes, all scripts", float(missing), "events", "0"),
    ]


BENCHES = {
    "render_transition": bench_render_transition,
    "render_idle_clock": bench_render_idle_clock,
    "render_all_fonts": bench_render_all_fonts,
}
