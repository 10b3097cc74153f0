#!/usr/bin/env python3
"""Packaging: the Flatpak manifest's invariants, offline. TAP output."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The source tree: this file is tests/guests/<name>.
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
path = os.path.join(top, "flatpak", "io.github.corral.Corral.json")
results = []


def check(name, ok, diag=""):
    results.append((name, ok, diag))


with open(path) as fh:
    m = json.load(fh)

check("app id matches the app", m.get("id") == "io.github.corral.Corral")
check("GNOME runtime and SDK", m.get("runtime") == "org.gnome.Platform" and m.get("sdk") == "org.gnome.Sdk")
# GNOME 51 (September 2026) is the current stable runtime; flatpak/README.md
# says which module versions were chosen to fit it.
check("runtime version is the current stable GNOME (>= 51)",
      str(m.get("runtime-version", "")).isdigit() and int(m["runtime-version"]) >= 51, m.get("runtime-version"))

args = m.get("finish-args", [])
for need in ("--device=kvm", "--share=network", "--socket=wayland", "--socket=fallback-x11"):
    check(f"finish-args has {need}", need in args)
# Not the whole home folder (issue 13): each optional share's own path,
# read-only where the guest only reads it; projects are granted one by one
# (flatpak/README.md says why the document portal cannot serve them).
check("finish-args does not grant the home folder", "--filesystem=home" not in args, args)
for need in ("--filesystem=~/.claude", "--filesystem=~/.gitconfig:ro", "--filesystem=xdg-config/git:ro",
             "--filesystem=xdg-config/gh:ro", "--filesystem=~/.ssh:ro", "--filesystem=xdg-data/corral/guests:ro"):
    check(f"finish-args has {need}", need in args)
check("no other part of the home folder is granted",
      all(not a.startswith("--filesystem=~") or a in (
          "--filesystem=~/.claude", "--filesystem=~/.claude.json:ro", "--filesystem=~/.gitconfig:ro",
          "--filesystem=~/.ssh:ro") for a in args), args)
for bad in ("--device=all", "--filesystem=host", "--filesystem=host-os", "--socket=session-bus",
            "--socket=system-bus", "--talk-name=org.freedesktop.Flatpak", "--socket=x11"):
    check(f"finish-args lacks {bad} (no host escape)", bad not in args)
check("no talk-name to flatpak-spawn or host portals",
      not any(a.startswith("--talk-name=org.freedesktop.Flatpak") for a in args))

modules = m.get("modules", [])
names = [mod.get("name") for mod in modules if isinstance(mod, dict)]
for need in ("libslirp", "qemu", "gtk-vnc", "fast_float", "simdutf", "vte"):
    check(f"module {need} is built", need in names, names)
# Meson wraps cannot download inside flatpak-builder: VTE's own dependencies
# must be built before it.
for dep, user in (("fast_float", "vte"), ("simdutf", "vte"), ("libslirp", "qemu")):
    check(f"{dep} is built before {user}",
          dep in names and user in names and names.index(dep) < names.index(user), names)
check("the app is the last module", names and names[-1] == "corral", names)
app_sources = modules[-1].get("sources", []) if modules else []
check("the app builds from a dir source", any(s.get("type") == "dir" for s in app_sources), app_sources)


def remote_sources(mods):
    for mod in mods:
        if not isinstance(mod, dict):
            continue
        for s in mod.get("sources", []):
            if isinstance(s, dict) and s.get("type") != "dir":
                yield mod["name"], s
        yield from remote_sources(mod.get("modules", []))


for name, s in remote_sources(modules):
    t = s.get("type")
    if t in ("archive", "file"):
        ok = re.fullmatch(r"[0-9a-f]{64}", s.get("sha256", "")) is not None and s.get("url", "").startswith("https://")
        check(f"{name}: {t} source pinned by sha256 over https", ok, s)
    elif t == "git":
        # The tag says which release; the commit pins it (flatpak-builder
        # fails if the tag no longer points there).
        ok = re.fullmatch(r"[0-9a-f]{40}", s.get("commit", "")) is not None and bool(s.get("tag"))
        check(f"{name}: git source pinned by tag and commit", ok, s)
    else:
        check(f"{name}: source type {t} is pinned", False, s)

# Every pin is written down in flatpak/README.md with how it was verified:
# a bumped pin without that record fails here.
with open(os.path.join(top, "flatpak", "README.md")) as fh:
    readme = fh.read()
for name, s in remote_sources(modules):
    pin = s.get("sha256") or s.get("commit") or ""
    check(f"{name}: pin {pin[:12]} and how it was verified are in flatpak/README.md",
          bool(pin) and pin in readme, pin)

qemu = next((mod for mod in modules if mod.get("name") == "qemu"), {})
opts = qemu.get("config-opts", [])
check("QEMU builds x86_64-softmmu only", "--target-list=x86_64-softmmu" in opts, opts)
for need in ("--enable-vnc", "--enable-virtfs", "--enable-slirp"):
    check(f"QEMU configured with {need}", need in opts, opts)
# QEMU's release tarballs have not carried the dtc sources since 8.2: with
# downloads off, an internal libfdt cannot be built (x86_64 needs none).
check("QEMU asks for no subproject its tarball lacks",
      not ("--disable-download" in opts and "--enable-fdt=internal" in opts), opts)
vte = next((mod for mod in modules if mod.get("name") == "vte"), {})
check("VTE built for GTK4", "-Dgtk4=true" in vte.get("config-opts", []))

# flatpak-builder itself (build-aux/debian-packages) reads the manifest
# offline: a JSON error fails, an unknown property or source type only
# warns and is dropped, so the warnings and a lossless round trip count too.
if shutil.which("flatpak-builder"):
    env = {k: v for k, v in os.environ.items() if k != "G_DEBUG"}
    with tempfile.TemporaryDirectory() as cwd:  # it leaves .flatpak-builder/ here
        p = subprocess.run(["flatpak-builder", "--show-manifest", path],
                           capture_output=True, text=True, cwd=cwd, env=env)
    check("flatpak-builder --show-manifest accepts it", p.returncode == 0, p.stderr)
    check("flatpak-builder warns about nothing (no unknown property or source type)",
          p.returncode == 0 and "WARNING" not in p.stderr and "CRITICAL" not in p.stderr, p.stderr)
    try:
        shown = json.loads(p.stdout)
    except ValueError:
        shown = None
    check("flatpak-builder reads every property back unchanged", shown == m,
          "its --show-manifest output differs from the file")
else:
    check("flatpak-builder is installed (build-aux/debian-packages)", False,
          "run build-aux/setup")

print(f"1..{len(results)}")
failed = 0
for i, (name, ok, diag) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        failed += 1
        print(f"# {diag}")
sys.exit(1 if failed else 0)
