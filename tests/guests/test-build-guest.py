#!/usr/bin/env python3
"""Packaging: the Debian guest's builder (data/guests/build-guest, what
Corral installs and runs) keeps its promises, with mmdebstrap replaced by
stub-mmdebstrap (seconds, no network; mkfs.ext4, tar and the rest are
real): the progress protocol in order, the guest swapped in whole, up to
date the second time, a failure and Cancel leaving no work files, the
checks before anything starts, and, when the test runs as root, an
ordinary user without subordinate ids told the command that fixes it.
TAP."""
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
builder = os.path.join(top, "data", "guests", "build-guest")
recipe = os.path.join(top, "data", "guests", "debian")
results = []


def check(name, ok, diag=""):
    results.append((name, bool(ok), diag))
    return ok


tmp = tempfile.mkdtemp(prefix="corral-build-guest-")
os.chmod(tmp, 0o755)
stubs = os.path.join(tmp, "bin")
os.makedirs(stubs)
shutil.copy(os.path.join(here, "stub-mmdebstrap"), os.path.join(stubs, "mmdebstrap"))
store = os.path.join(tmp, "store")
out = os.path.join(store, "debian")


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("CORRAL_")}
    e.update(PATH=stubs + os.pathsep + e.get("PATH", "/usr/bin:/bin"), CORRAL_GUEST_DIR=out,
             XDG_CACHE_HOME=os.path.join(tmp, "cache"), TMPDIR=tmp, STUB_DELAY="0.3")
    e.update(extra)
    return e


def build(*args, extra=None, on_line=None):
    """Runs the builder; returns (exit status, progress lines, stderr)."""
    r, w = os.pipe()
    p = subprocess.Popen([builder, "--recipe", recipe, "--progress-fd", str(w), *args],
                         env=env(**(extra or {})), pass_fds=(w,), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    os.close(w)
    # A builder that does not end (a step it failed to stop) fails the
    # test instead of hanging it.
    watchdog = threading.Timer(120, lambda: os.killpg(p.pid, signal.SIGKILL))
    watchdog.start()
    lines = []
    with os.fdopen(r) as fh:
        for line in fh:
            lines.append(line.rstrip("\n"))
            if on_line:
                on_line(p, line.rstrip("\n"))
    err = p.stderr.read()
    status = p.wait()
    watchdog.cancel()
    return status, lines, err


def listing():
    return sorted(os.listdir(store)) if os.path.isdir(store) else []


def phases_in_order(lines):
    """Phases 1..5 in order, fractions rising within each, all in 0..1."""
    seen, last = [], None
    for line in lines:
        f = line.split()
        if f[0] == "phase":
            seen.append((f[1], int(f[2]), int(f[3])))
            last = -1.0
        elif f[0] == "progress":
            value = float(f[1])
            if last is None or not (0.0 <= value <= 1.0) or value <= last:
                return False, line
            last = value
    return [s[1] for s in seen] == [1, 2, 3, 4, 5] and \
        [s[0] for s in seen] == ["base", "download", "install", "agent", "image"], seen


try:
    # A work folder a killed build left behind, and the mmdebstrap tree its
    # log names: swept by the next build.
    os.makedirs(os.path.join(store, ".debian.build.stale1"))
    stale_tree = os.path.join(tmp, "mmdebstrap.stale1")
    os.makedirs(os.path.join(stale_tree, "etc"))
    with open(os.path.join(store, ".debian.build.stale1", "build.log"), "w") as fh:
        fh.write(f"I: using {stale_tree} as tempdir\n")

    # 1. A whole build.
    status, lines, err = build()
    check("the build succeeds", status == 0, err)
    ok, diag = phases_in_order(lines)
    check("five phases, in order, each fraction rising within 0..1", ok, (diag, lines))
    check("each phase reaches 1.000 before the next starts",
          all(lines[i - 1] == "progress 1.000" for i, l in enumerate(lines) if l.startswith("phase ") and i > 2),
          lines)
    check("the log is named while building and where it ends up",
          any(l.startswith("log " + store + "/.debian.build.") for l in lines) and
          f"log {out}/build.log" in lines, lines)
    check("it ends with done and the manifest, once", lines[-1] == f"done {out}/guest.ini" and
          lines.count(f"done {out}/guest.ini") == 1, lines[-3:])
    check("guest.ini, kernel, initrd, image, hash, log in place",
          all(os.path.isfile(os.path.join(out, f))
              for f in ("guest.ini", "vmlinux", "initrd.img", "rootfs.img", "recipe.sha256", "build.log")),
          os.listdir(out) if os.path.isdir(out) else None)
    want = subprocess.run([builder, "--recipe", recipe, "--print-recipe-hash"], env=env(),
                          capture_output=True, text=True).stdout.strip()
    check("recipe.sha256 is the recipe's hash", open(os.path.join(out, "recipe.sha256")).read().strip() == want)
    r = subprocess.run(["/sbin/debugfs", "-R", "cat /etc/hostname", os.path.join(out, "rootfs.img")],
                       capture_output=True, text=True)
    check("the image holds the root file system", r.stdout.strip() == "corral-stub", r.stdout + r.stderr)
    check("nothing else in the store (the killed build's work folder swept)",
          listing() == [".debian.lock", "debian"], listing())
    check("nor the killed build's mmdebstrap tree", not os.path.exists(stale_tree))
    check("stderr says each step for a person", "[2/5] downloading Debian packages" in err, err)

    # 2. Up to date: nothing runs.
    t0 = time.time()
    status, lines, err = build()
    check("a second build is up to date at once", status == 0 and lines == [f"done {out}/guest.ini"] and
          time.time() - t0 < 10, (lines, err))

    # 3. A failure while downloading: the old guest stays, the log is kept.
    before = os.stat(os.path.join(out, "rootfs.img")).st_mtime
    status, lines, err = build("--force", extra={"STUB_FAIL": "download"})
    check("a failed build exits 1 and says which phase", status == 1 and "failed download" in lines, (lines, err))
    check("its log is kept as .debian.failed.log, and named",
          f"log {store}/.debian.failed.log" in lines and
          "404 Not Found" in open(os.path.join(store, ".debian.failed.log")).read(), lines)
    check("the guest built before stays as it was, no work files",
          listing() == [".debian.failed.log", ".debian.lock", "debian"] and
          os.stat(os.path.join(out, "rootfs.img")).st_mtime == before, listing())

    # 4. Cancel (SIGTERM) while installing: the step ends, nothing is left.
    shutil.rmtree(out)

    def cancel(p, line):
        if line.startswith("phase install"):
            time.sleep(0.5)
            p.send_signal(signal.SIGTERM)

    t0 = time.time()
    status, lines, err = build(extra={"STUB_HANG": "install"}, on_line=cancel)
    check("SIGTERM ends the build, mmdebstrap's setup child too", status == 130 and time.time() - t0 < 60,
          (status, time.time() - t0, err))
    check("and leaves no work files, no guest", listing() == [".debian.failed.log", ".debian.lock"], listing())
    check("mmdebstrap was stopped and cleaned its temporary folder",
          not [f for f in os.listdir(tmp) if f.startswith("mmdebstrap.")], os.listdir(tmp))

    # 5. The checks come first: a machine without mmdebstrap and util-linux.
    bare = os.path.join(tmp, "bare")
    os.makedirs(bare)
    for tool in ("bash", "env", "dirname", "id", "awk", "df", "cat", "sha256sum", "find", "sort",
                 "cut", "sed", "tr", "mkdir", "stat", "date"):
        path = shutil.which(tool)
        if path:
            os.symlink(path, os.path.join(bare, tool))
    r, w = os.pipe()
    p = subprocess.run(["/bin/bash", builder, "--recipe", recipe, "--progress-fd", str(w), "--force"],
                       env=dict(env(), PATH=bare), pass_fds=(w,), capture_output=True, text=True)
    os.close(w)
    with os.fdopen(r) as fh:
        lines = fh.read().splitlines()
    check("missing tools: exit status 3 before anything starts", p.returncode == 3 and
          not any(l.startswith(("phase", "log")) for l in lines), (p.returncode, lines, p.stderr))
    check("each missing tool with the Debian package that brings it",
          "missing mmdebstrap package mmdebstrap" in lines and "missing unshare package util-linux" in lines and
          "missing flock package util-linux" in lines, lines)
    check("the same for a person on stderr", "install the Debian package mmdebstrap (sudo apt install mmdebstrap)"
          in p.stderr, p.stderr)

    # 6. Too little disk space (a small tmpfs in a namespace of the test's own).
    small = os.path.join(tmp, "small")
    os.makedirs(small)
    r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "--", "sh", "-c",
                        'mount -t tmpfs -o size=64m tmpfs "$1" && exec "$2" --recipe "$3" --check --progress-fd 1',
                        "sh", small, builder, recipe],
                       env=env(CORRAL_GUEST_DIR=os.path.join(small, "guests", "debian"), TMPDIR=small),
                       capture_output=True, text=True)
    space = [l.split() for l in r.stdout.splitlines() if l.startswith("space ")]
    check("too little disk space: exit 3, the need, what is free and where, for both folders",
          r.returncode == 3 and len(space) == 2 and all(int(f[1]) > int(f[2]) for f in space) and
          sorted(f[3] for f in space) == sorted([os.path.join(small, "guests"), small]), (r.stdout, r.stderr))
    check("and for a person", "not enough free disk space in " + small in r.stderr, r.stderr)

    # 7. An ordinary user without subordinate ids (needs root to make one).
    if os.getuid() == 0:
        name = "corral-test-nosubid"
        if subprocess.run(["id", name], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/bin/sh", name], check=True)
        try:
            user = pwd.getpwnam(name)
            home = os.path.join(tmp, "home-nosubid")
            os.makedirs(home)
            os.chown(home, user.pw_uid, user.pw_gid)
            p = subprocess.run(["runuser", "-u", name, "--", "env", "-i", f"HOME={home}",
                                f"PATH={stubs}:/usr/local/bin:/usr/bin:/bin",
                                f"CORRAL_GUEST_DIR={home}/guests/debian",
                                builder, "--recipe", recipe, "--progress-fd", "1"],
                               capture_output=True, text=True)
            lines = p.stdout.splitlines()
            missing = [l for l in lines if l.startswith("missing subuid command ")]
            check("an ordinary user without /etc/subuid entries: exit 3, nothing started",
                  p.returncode == 3 and not os.path.exists(os.path.join(home, "guests")), (lines, p.stderr))
            check("told the one command that fixes it",
                  len(missing) == 1 and missing[0].startswith("missing subuid command sudo usermod --add-subuids ") and
                  missing[0].endswith(" " + name), lines)
        finally:
            subprocess.run(["userdel", name], capture_output=True)
    else:
        print("# not root: the ordinary-user case is not run")
finally:
    subprocess.run(["rm", "-rf", tmp])

print(f"1..{len(results)}")
failed = 0
for i, (name, ok, diag) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        failed += 1
        for line in str(diag).splitlines()[-30:]:
            print(f"# {line}")
sys.exit(1 if failed else 0)
