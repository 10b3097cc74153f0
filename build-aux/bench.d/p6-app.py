#!/usr/bin/env python3
# P6, run by p6-app inside a private Xvfb and D-Bus session: Corral's
# window on a project whose tiny test guest runs (agent console and
# display side by side) against GNOME Console 43 (kgx) with one idle
# terminal in a window of the same size, alternating. For each: resident memory (VmRSS), its anonymous
# part (RssAnon: heap, anonymous maps, stacks, no shared libraries), both
# SETTLE seconds after the start, then CPU over IDLE seconds of nobody
# touching anything, and the wake-ups (context switches of all its
# threads) meanwhile. Corral's own process only (QEMU is the guest's).
# With BENCH_P6_DEBIAN=1, in the pass with each app's own renderer, also
# with the Debian guest (Chromium on its 1280x800 display; the agent
# console's relay is told the size, so it does not ask), settled for
# BENCH_P6_DEBIAN_SETTLE seconds (default 150: boot and Chromium).
import os
import shutil
import signal
import subprocess
import tempfile
import time

from benchlib import BUILDDIR, REPEATS, TOP, emit, log, paired, skip

SETTLE = float(os.environ.get("BENCH_P6_SETTLE", "20"))
IDLE = float(os.environ.get("BENCH_P6_IDLE", "10"))
TICK = os.sysconf("SC_CLK_TCK")
RENDERER = ("cairo renderer for both" if os.environ.get("GSK_RENDERER") == "cairo"
            else "renderer as each app picks")
GUEST = os.path.join(BUILDDIR, "tests", "guest", "guest.ini")
SHOTS = os.path.join(BUILDDIR, "bench-screenshots")
WINDOW = (1100, 720)


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def switches(pid):
    """Context switches of all the process's threads: each is a wake-up
    (a poll that returns, a timer) or a preemption."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
        except OSError:
            pass  # a thread that ended
    return total


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def descendants(pid):
    """QEMU runs jailed: under bwrap, not as corral's own child."""
    out = []
    for c in children(pid):
        out += [c] + descendants(c)
    return out


def resize(pid):
    """kgx gets the size of Corral's project window (its default), so both
    draw the same number of pixels."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
                             capture_output=True, text=True).stdout.split()
        if out:
            for wid in out:
                subprocess.run(["xdotool", "windowsize", wid, str(WINDOW[0]), str(WINDOW[1])])
            return
        time.sleep(0.2)
    log(f"  no window of pid {pid} to resize")


def measure(argv, env, name, want_child=None, settle=SETTLE):
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if name == "kgx":
            resize(proc.pid)
        time.sleep(settle)
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited early")
        if want_child and not any(want_child in open(f"/proc/{c}/cmdline").read()
                                  for c in descendants(proc.pid)):
            raise RuntimeError(f"{name}: no {want_child} running")
        rss, anon = status_kb(proc.pid, "VmRSS"), status_kb(proc.pid, "RssAnon")
        c0, w0, t0 = cpu_ticks(proc.pid), switches(proc.pid), time.monotonic()
        time.sleep(IDLE)
        elapsed = time.monotonic() - t0
        cpu = (cpu_ticks(proc.pid) - c0) / TICK / elapsed * 100
        wakeups = (switches(proc.pid) - w0) / elapsed
        if shutil.which("import"):
            os.makedirs(SHOTS, exist_ok=True)
            subprocess.run(["import", "-window", "root", os.path.join(SHOTS, f"p6-{name}-{os.environ.get('GSK_RENDERER', 'default')}.png")],
                           stderr=subprocess.DEVNULL)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return rss / 1024, anon / 1024, cpu, wakeups


def main():
    what = "app with a running guest and its display shown"
    if not shutil.which("kgx"):
        skip("P6", what, "kgx (gnome-console) is not installed", peer="GNOME Console")
        return
    if not os.path.exists(GUEST):
        skip("P6", what, "the tiny guest is not built", peer="GNOME Console")
        return
    with tempfile.TemporaryDirectory() as tmp:
        project = os.path.join(tmp, "project")
        os.makedirs(project)
        env = dict(os.environ)
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                         ("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data")):
            env[var] = os.path.join(tmp, sub)
            os.makedirs(env[var])
        # A key, as a user who has one: without any way to sign in, the
        # window asks before it starts the VM.
        corral_env = dict(env, GSETTINGS_SCHEMA_DIR=os.path.join(BUILDDIR, "data"),
                          ANTHROPIC_API_KEY="sk-ant-bench-not-a-key")
        corral_argv = [os.path.join(BUILDDIR, "src", "corral"), "--guest", GUEST,
                       "--shell", "--memory", "256", project]
        corral, kgx = paired(REPEATS,
                             lambda: measure(corral_argv, corral_env, "corral", "qemu-system"),
                             lambda: measure(["kgx", "--working-directory", project], env, "kgx"))
        runs = [(what, corral, kgx)]
        debian = debian_guest()
        if debian:
            settle = float(os.environ.get("BENCH_P6_DEBIAN_SETTLE", "150"))
            argv = [os.path.join(BUILDDIR, "src", "corral"), "--guest", debian, "--shell", project]
            c, k = paired(REPEATS,
                          lambda: measure(argv, corral_env, "corral-debian", "qemu-system", settle),
                          lambda: measure(["kgx", "--working-directory", project], env, "kgx"))
            runs.append((what.replace("a running guest", "the Debian guest running (Chromium)"), c, k))
    for label_what, corral, kgx in runs:
        for i, (label, unit, goal) in enumerate((
                ("resident memory (VmRSS)", "MB", "≤ 1.1"),
                ("anonymous memory (RssAnon: heap, not libraries)", "MB",
                 "Corral ≤ framebuffer + 20 MB"),
                ("CPU while idle", "%", "≈ 0"),
                ("wake-ups while idle (context switches, all threads)", "/s", "≈ 0"))):
            emit("P6", f"{label}, {label_what}, {RENDERER}", unit, [round(c[i], 2) for c in corral],
                 "GNOME Console (kgx)", [round(k[i], 2) for k in kgx], goal=goal)


def debian_guest():
    """The Debian guest's manifest when BENCH_P6_DEBIAN=1 asks for it, in
    the pass that leaves the renderer to each app."""
    if os.environ.get("BENCH_P6_DEBIAN") != "1" or os.environ.get("GSK_RENDERER") == "cairo":
        return None
    manifest = os.environ.get("CORRAL_DEBIAN_GUEST") or subprocess.run(
        [os.path.join(TOP, "build-aux", "build-guest"), "--print-manifest"],
        capture_output=True, text=True).stdout.strip()
    if not manifest or not os.path.exists(manifest):
        log("  P6: the Debian guest is not built (build-aux/build-guest)")
        return None
    return manifest


if __name__ == "__main__":
    main()
