#!/usr/bin/env bash
# Alert sound with the real kiosk (docs/alerts.md "Sound"): a headless crier
# with alert_tone and alert_speech plays into SDL's "disk" audio driver (a
# file of S16 mono 22050 Hz samples, written in real time).  A signed
# two-language alert sent with crierctl gives the attention tone (three
# bursts) and speech once, not again when the language on screen turns; a
# second alert with a long instruction is cut off by its Cancel.  Speech is
# checked when the build has espeak-ng ("espeak-ng ready" in the log).
source "$(dirname "$0")/lib.sh"
unset CRIER_FAKE_TIME
CTL=$CRIER_BUILD/crierctl
[[ -x "$CTL" ]] || { echo "skip: no crierctl"; exit 77; }
start_broker
mkdir -p "$TMP/staff" "$TMP/keys" "$TMP/state"
"$CTL" keygen --issuer "Civil Protection" --out "$TMP/staff" >/dev/null
cp "$TMP/staff/Civil-Protection.pub" "$TMP/keys/"
ctl() { "$CTL" --broker "$url" --timeout 5 "$@" --key "$TMP/staff/Civil-Protection.key"; }
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

raw=$TMP/audio.raw
ev=$TMP/events.jsonl
SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=$raw \
  "$CRIER" --config "$CRIER_SOURCE/assets/demo/demo.conf" --headless --size 640x360 \
  --set broker_url="$url" --set kiosk_id=hall-1 --set state_dir="$TMP/state" --set alert_keys_dir="$TMP/keys" \
  --set alert_tone=true --set alert_speech=true --set alert_volume=80 --set alert_language_s=2 \
  --events "$ev" 2>>"$TMP/crier.log" &
kpid=$!
on_exit "kill $kpid 2>/dev/null"
check "kiosk up" wait_for 10 '"first_frame"' "$ev"
check "audio device opened with the disk driver" wait_for 5 "driver disk" "$TMP/crier.log"
speech=0
grep -q "espeak-ng ready" "$TMP/crier.log" && speech=1
((speech)) || echo "note: this build has no espeak-ng; checking the tone only" >&2
sleep 1

ctl alert --kiosk hall-1 --id flood-1 \
  --lang en-US --expires +2h --event "Flood warning" --severity Extreme --urgency Immediate --certainty Observed \
  --headline "Evacuate the riverside district" --instruction "Go to the sports hall." \
  --lang fr --event "Alerte inondation" --severity Extreme --urgency Immediate --certainty Observed \
  --headline "Quittez le quartier du fleuve" --instruction "Allez au gymnase." >>"$TMP/ctl.log" 2>&1 || true
check "alert presented" wait_for 10 '"event":"alert_presented","identifier":"flood-1"' "$ev"
check "alert_sound event for flood-1" wait_for 5 '"event":"alert_sound","identifier":"flood-1"' "$ev"
audio_ms=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e["event"]=="alert_sound": print(e["audio_ms"], e["spoken"]); break' "$ev")
read -r ms spoken <<<"$audio_ms"
echo "announcement: ${ms} ms of audio, ${spoken} block(s) spoken" >&2
if ((speech)); then
  check "both languages spoken (got ${spoken})" test "${spoken:-0}" -eq 2
  check "tone and speech last 3-20 s (got ${ms} ms)" test "${ms:-0}" -gt 3000 -a "${ms:-0}" -lt 20000
else
  check "tone only: about 1.5 s (got ${ms} ms)" test "${ms:-0}" -ge 1400 -a "${ms:-0}" -le 1600
fi
# Let it play out; the languages turn every 2 s meanwhile (alert_language_s=2),
# at least 5 times: each turn must not announce it again.
sleep $(( ${ms:-2000} / 1000 + 3 ))
check "one announcement only, not one per language turn" test "$(count '"event":"alert_sound"' "$ev")" -eq 1
mark=$(stat -c %s "$raw")

# A long instruction, cancelled while it is being spoken.
long=$(printf 'Leave by the east bridge and go to the sports hall on Hill Road. %.0s' {1..15})
ctl alert --kiosk hall-1 --id flood-2 --expires +2h --event "Flood warning" --severity Extreme \
  --urgency Immediate --certainty Observed --headline "Second warning" --instruction "$long" >>"$TMP/ctl.log" 2>&1 || true
check "second alert announced" wait_for 10 '"event":"alert_sound","identifier":"flood-2"' "$ev"
sleep 3
ctl cancel flood-2 --kiosk hall-1 >>"$TMP/ctl.log" 2>&1 || true
((speech)) && check "Cancel stops the speech" wait_for 10 '"event":"alert_sound_stopped"' "$ev"
sleep 1
kill -TERM $kpid; rc=0; wait $kpid || rc=$?
check "kiosk exits 0" test $rc -eq 0

# The samples: bursts of sound separated by silence.
out=$(python3 - "$raw" "$mark" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
mark = int(sys.argv[2]) // 2
s = struct.unpack("<%dh" % (len(data) // 2), data[: len(data) // 2 * 2])
RATE, LOUD, GAP = 22050, 300, int(22050 * 0.1)
def runs(a, b):
    out, start, last = [], None, None
    for i in range(a, b):
        if abs(s[i]) > LOUD:
            if start is None or i - last > GAP:
                if start is not None:
                    out.append((start, last + 1))
                start = i
            last = i
    if start is not None:
        out.append((start, last + 1))
    return out
first, second = runs(0, mark), runs(mark, len(s))
ms = lambda r: (r[1] - r[0]) * 1000 // RATE
span = lambda rs: (rs[-1][1] - rs[0][0]) * 1000 // RATE if rs else 0
print(len(first), " ".join(str(ms(r)) for r in first[:3]), span(first), len(second), span(second))
PY
)
read -r n1 b1 b2 b3 span1 n2 span2 <<<"$out"
echo "first alert: $n1 runs, bursts $b1 $b2 $b3 ms, span $span1 ms; second: $n2 runs, span $span2 ms" >&2
check "three tone bursts of about 300 ms" test "${b1:-0}" -ge 250 -a "${b2:-0}" -ge 250 -a "${b3:-0}" -ge 250 \
  -a "${b1:-999}" -le 310 -a "${b2:-999}" -le 310 -a "${b3:-999}" -le 310
if ((speech)); then
  check "speech follows the tone (runs: $n1)" test "${n1:-0}" -gt 3
  check "first alert's sound lasts about as long as announced ($span1 vs $ms ms)" \
    test "${span1:-0}" -gt $(( ms - 1500 )) -a "${span1:-0}" -le "$ms"
  check "the cancelled alert stopped within 5 s of its start (span $span2 ms)" test "${span2:-99999}" -lt 5000 \
    -a "${span2:-0}" -gt 1500
else
  check "tone only: three runs (got $n1)" test "${n1:-0}" -eq 3
fi
summary
