#!/usr/bin/env bash
# Layers are link targets: every firmware file is listed under one layer in its
# folder's CMakeLists.txt (core, io or render; build/crier_layers.txt), and
# every include it makes is allowed for that layer:
#   core    includes core headers only; no SDL, curl, mosquitto or systemd
#   io      core and io headers; no SDL
#   render  core and render headers; no curl, mosquitto or systemd
# A negative control checks that the check itself catches a bad include.
source "$(dirname "$0")/lib.sh"
map=$CRIER_BUILD/crier_layers.txt
fw=$CRIER_SOURCE/firmware

# check_layers MAPFILE ROOT: prints one line per violation
check_layers() {
  python3 - "$1" "$2" <<'PY'
import re, sys, os
mapfile, root = sys.argv[1], sys.argv[2]
layer = {}
for line in open(mapfile):
    parts = line.split()
    if len(parts) == 2:
        layer[parts[1]] = parts[0]
allowed = {"core": {"core"}, "io": {"core", "io"}, "render": {"core", "render"}}
banned = {"core": ("SDL", "curl/", "mosquitto", "systemd/"),
          "io": ("SDL",),
          "render": ("curl/", "mosquitto", "systemd/")}
inc = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
bad = []
for dirpath, _, files in os.walk(root):
    for f in files:
        if not f.endswith((".c", ".h")):
            continue
        rel = os.path.relpath(os.path.join(dirpath, f), root)
        if rel == "main.c":
            continue
        if rel not in layer:
            bad.append(f"{rel}: not listed under a layer in its folder's CMakeLists.txt")
            continue
        lay = layer[rel]
        text = open(os.path.join(dirpath, f), encoding="utf-8", errors="replace").read()
        for kind, name in inc.findall(text):
            if kind == '"':
                if name == "crier_version.h":
                    continue
                if name not in layer:
                    bad.append(f"{rel}: includes \"{name}\", which is no firmware header")
                elif layer[name] not in allowed[lay]:
                    bad.append(f"{rel} ({lay}): includes \"{name}\" ({layer[name]})")
            elif name.startswith(banned[lay]):
                bad.append(f"{rel} ({lay}): includes <{name}>")
print("\n".join(bad))
PY
}

out=$(check_layers "$map" "$fw")
check "every firmware file is in a layer and includes only what its layer may${out:+:
$out}" test -z "$out"

# Negative control: a copy of the tree where a pure file includes SDL and an io header.
ctl=$TMP/fw
cp -r "$fw" "$ctl"
printf '#include <SDL.h>\n#include "remote/mqtt.h"\n' >> "$ctl/base/log.c"
printf 'int stray;\n' > "$ctl/base/stray.c"
out=$(check_layers "$map" "$ctl")
check "negative control: SDL in base/log.c is caught" grep -q 'base/log.c (core): includes <SDL.h>' <<<"$out"
check "negative control: io header in base/log.c is caught" grep -q 'base/log.c (core): includes "remote/mqtt.h" (io)' <<<"$out"
check "negative control: an unlisted file is caught" grep -q 'base/stray.c: not listed' <<<"$out"
summary
