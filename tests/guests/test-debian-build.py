#!/usr/bin/env python3
"""Slow: the Debian guest built for real the way Corral builds it from its
window (CorralGuestBuild, here through `corral --build-guest`, which runs
the same object), with the builder and recipe as `meson install` puts
them, into a guest store of the test's own; then booted with the QEMU
command Corral makes: a shell prompt on the agent console, claude
--version, a clean power-off. Before that, a build cancelled once it is
installing packages leaves nothing behind. TAP. Takes 10 to 30 minutes
and up to 9 GB of disk: CORRAL_TEST_BUILD_DIR says where (default: a
folder in the build tree, removed at the end unless
CORRAL_TEST_KEEP_BUILD is set).

Usage: test-debian-build.py BUILDDIR LIBEXECDIR DATADIR
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guestboot import GuestRun, TapReport  # noqa: E402

builddir, libexecdir, datadir = sys.argv[1:4]
corral = os.environ["CORRAL_BIN"]
t = TapReport()
PROMPT = r"\w+@sandbox:([^\r\n]*?)[#$] $"

work = os.environ.get("CORRAL_TEST_BUILD_DIR") or os.path.join(builddir, "tests", "debian-build")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
dest = os.path.join(work, "install")
data_home = os.path.join(work, "data")
store = os.path.join(data_home, "corral", "guests")

r = subprocess.run(["meson", "install", "-C", builddir, "--no-rebuild", "--quiet", "--destdir", dest],
                   capture_output=True, text=True)
if not t.check("meson install --destdir", r.returncode == 0, r.stdout + r.stderr):
    sys.exit(t.finish())

env = {k: v for k, v in os.environ.items()
       if k not in ("DISPLAY", "WAYLAND_DISPLAY", "CORRAL_GUEST_DIR") and not k.startswith("G_TEST")}
env.update(XDG_DATA_HOME=data_home,
           CORRAL_GUEST_BUILDER=dest + os.path.join(libexecdir, "corral", "build-guest"),
           CORRAL_GUEST_RECIPE=dest + os.path.join(datadir, "corral", "guests", "debian"))


def run_build(on_line=None):
    """corral --build-guest; returns (exit status, its lines, seconds)."""
    started = time.monotonic()
    p = subprocess.Popen(["nice", "-n", "10", corral, "--build-guest"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in p.stderr:
        line = line.rstrip("\n")
        lines.append(line)
        print(f"# {time.monotonic() - started:5.0f} s  {line}", flush=True)
        if on_line:
            on_line(p, line)
    return p.wait(), lines, time.monotonic() - started


def listing():
    return sorted(os.listdir(store)) if os.path.isdir(store) else []


keep = False
try:
    # 1. Cancel while installing packages (mmdebstrap's tree is in place).
    tempdir = []
    cancelled_at = []

    def cancel(p, line):
        m = re.search(r"The build’s log: (/\S+)", line)
        if m:
            tempdir.append(m.group(1))
        if "[3/5]" in line and p.poll() is None and not tempdir[1:]:
            time.sleep(20)
            try:
                with open(tempdir[0]) as fh:
                    used = re.search(r"^I: using (\S+) as tempdir", fh.read(), re.M)
                tempdir.append(used.group(1) if used else None)
            except OSError as e:
                tempdir.append(str(e))
            cancelled_at.append(time.monotonic())
            p.send_signal(signal.SIGINT)

    status, lines, secs = run_build(cancel)
    t.check("Ctrl+C while installing packages cancels the build (exit 130)",
            status == 130 and any("The build was cancelled. Nothing was installed." in l for l in lines),
            (status, lines[-5:]))
    took = time.monotonic() - cancelled_at[0] if cancelled_at else None
    t.note(f"cancelled in {took:.0f} s" if took is not None else "never cancelled")
    # mmdebstrap's apt and dpkg stop too, and it removes its tree (minutes
    # on a loaded machine), rather than installing everything first.
    t.check("the cancel stops the build within 5 minutes", took is not None and took < 300, took)
    t.check("nothing left in the store", listing() in ([], [".debian.lock"]), listing())
    t.check("mmdebstrap's temporary tree is gone too",
            len(tempdir) == 2 and tempdir[1] and tempdir[1].startswith("/") and not os.path.exists(tempdir[1]),
            tempdir)

    # 2. The whole build.
    status, lines, secs = run_build()
    manifest = os.path.join(store, "debian", "guest.ini")
    t.check("corral --build-guest builds the guest", status == 0 and f"corral: Installed: {manifest}" in lines,
            lines[-30:])
    steps = [int(m.group(1)) for m in (re.search(r"^corral: \[(\d)/5\] [^:]+$", l) for l in lines) if m]
    t.check("its five steps, in order", steps == [1, 2, 3, 4, 5], steps)
    t.note(f"built in {secs / 60:.1f} min")
    if status != 0:
        sys.exit(t.finish())
    du = subprocess.run(["du", "-s", "-B1M", os.path.join(store, "debian")], capture_output=True, text=True)
    t.note(f"the guest takes {du.stdout.split()[0]} MB")
    t.check("only the guest in the store", listing() == [".debian.lock", "debian"], listing())

    # 3. It boots: the agent console's prompt, Claude Code, power-off.
    g = GuestRun(corral, manifest, shell=True, memory=3072)
    try:
        g.start()
        m = g.agent.expect(PROMPT.encode(), 600)
        t.check("the built guest boots to a shell prompt on the agent console", m,
                g.agent.text()[-3000:] + g.qemu_stderr())
        if m:
            t.note(f"prompt after {g.elapsed():.0f} s")
            ver = g.agent.run("claude --version", 120)
            t.check("claude --version runs", ver and re.search(r"\d+\.\d+\.\d+ \(Claude Code\)", ver), ver)
            exited, secs, events = g.powerdown(180)
            t.check("it powers off cleanly", exited, events)
    finally:
        g.close()
    keep = bool(os.environ.get("CORRAL_TEST_KEEP_BUILD"))
finally:
    if not keep:
        subprocess.run(["rm", "-rf", work])

sys.exit(t.finish())
