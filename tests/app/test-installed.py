#!/usr/bin/env python3
"""GUI: Corral as installed, launched from its desktop file by a German
user with a fresh home and no guest. TAP.

`meson install --destdir` into a temporary folder; the schemas compiled
there, as a distribution's trigger would. The installed tree is then laid
over the real prefix (an overlay mount in a user and mount namespace of
the test's own), so the installed binary finds its translations, schema,
guest builder and recipe where it was built to look, and nothing of the
source or build tree. `gio launch` starts it from the installed desktop
file, with LANG=de_DE.UTF-8 (the locale generated into a private LOCPATH
with localedef: no root, nothing changed on the machine). What the window
shows is read the way a screen reader reads it, over AT-SPI: the
no-guest page in German, with its Build button. Run under gui-wrapper.sh
(Xvfb); the test starts its own D-Bus session so the accessibility bus
and its registry stay out of the TAP stream.

Usage: test-installed.py BUILDDIR PREFIX DATADIR
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

builddir, prefix, datadir = sys.argv[1:4]
results = []


def check(name, ok, diag=""):
    results.append((name, bool(ok), diag))
    return ok


def finish():
    print(f"1..{len(results)}")
    failed = 0
    for i, (name, ok, diag) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            failed += 1
            for line in str(diag).splitlines()[-40:]:
                print(f"# {line}")
    return 1 if failed else 0


def skip(why):
    print(f"1..0 # SKIP {why}")
    sys.exit(0)


tmp = tempfile.mkdtemp(prefix="corral-installed-")
dest = os.path.join(tmp, "dest")
home = os.path.join(tmp, "home")
locpath = os.path.join(tmp, "locale")
os.makedirs(home)
os.makedirs(locpath)
bus = None
try:
    r = subprocess.run(["meson", "install", "-C", builddir, "--no-rebuild", "--quiet", "--destdir", dest],
                       capture_output=True, text=True)
    if not check("meson install --destdir", r.returncode == 0, r.stdout + r.stderr):
        sys.exit(finish())
    schemas = dest + os.path.join(datadir, "glib-2.0", "schemas")
    r = subprocess.run(["glib-compile-schemas", schemas], capture_output=True, text=True)
    check("the installed schema compiles", r.returncode == 0, r.stderr)

    # A German locale of the test's own (Debian package locales).
    r = subprocess.run(["localedef", "-i", "de_DE", "-c", "-f", "UTF-8", os.path.join(locpath, "de_DE.UTF-8")],
                       capture_output=True, text=True)
    if not os.path.isdir(os.path.join(locpath, "de_DE.UTF-8")):
        check("de_DE.UTF-8 generated with localedef (Debian package locales)", False, r.stderr)
        sys.exit(finish())

    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        skip("no user namespaces here: cannot lay the installed tree over " + prefix)

    # Our own session bus, its children's output away from TAP.
    rfd, wfd = os.pipe()
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", f"--print-address={wfd}"],
                           pass_fds=(wfd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(wfd)
    with os.fdopen(rfd) as fh:
        address = fh.readline().strip()
    check("a D-Bus session for the app", address.startswith("unix:"), address)

    env = {
        "PATH": os.pathsep.join([os.path.join(prefix, "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home,
        "DISPLAY": os.environ["DISPLAY"],
        "DBUS_SESSION_BUS_ADDRESS": address,
        "LANG": "de_DE.UTF-8",
        "LOCPATH": locpath,
        "GDK_BACKEND": "x11",
        "GSK_RENDERER": "cairo",
        "GSETTINGS_BACKEND": "memory",
        "GIO_USE_VFS": "local",
    }
    desktop = os.path.join(datadir, "applications", "io.github.corral.Corral.desktop")
    # The app keeps the launcher's stdout and stderr: a file, not a pipe.
    out_path = os.path.join(tmp, "corral.log")
    with open(out_path, "w") as out:
        launch = subprocess.run(
            ["unshare", "--user", "--map-root-user", "--mount", "--", "sh", "-c",
             'mount -t overlay overlay -o lowerdir="$1$2:$2" "$2" && exec gio launch "$3"',
             "sh", dest, prefix, desktop],
            env=env, stdout=out, stderr=subprocess.STDOUT, timeout=60)
    check("gio launch starts the installed desktop file", launch.returncode == 0, open(out_path).read())

    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    import gi
    gi.require_version("Atspi", "2.0")
    from gi.repository import Atspi

    def nodes(acc, depth=0):
        if acc is None or depth > 60:
            return
        yield acc
        for i in range(acc.get_child_count()):
            yield from nodes(acc.get_child_at_index(i), depth + 1)

    def snapshot():
        desk = Atspi.get_desktop(0)
        found = []
        for i in range(desk.get_child_count()):
            app = desk.get_child_at_index(i)
            if app is None or "corral" not in (app.get_name() or "").lower():
                continue
            for n in nodes(app):
                try:
                    found.append((n.get_role_name(), n.get_name() or ""))
                except Exception:  # a widget that went away meanwhile
                    pass
        return found

    deadline = time.time() + 60
    seen = []
    title = build = body = None
    while time.time() < deadline:
        seen = snapshot()
        title = next((n for r, n in seen if n == "Kein Gastsystem installiert"), None)
        build = next((n for r, n in seen if r in ("push button", "button") and "Den Debian-Gast bauen" in n), None)
        body = next((n for r, n in seen if "Corral kann eines auf diesem Computer" in n), None)
        if title and build and body:
            break
        time.sleep(0.5)
    check("the window says in German that no guest is installed", title, seen)
    check("it offers to build the Debian guest (German button)", build, seen)
    check("it says in German what the build costs", body and "Minuten" in body and "deb.debian.org" in body,
          (body, open(out_path).read()))

    shots = os.path.join(builddir, "tests", "screenshots")
    os.makedirs(shots, exist_ok=True)
    subprocess.run(["import", "-window", "root", os.path.join(shots, "installed-no-guest-de.png")])

    # Quit as the menu would, through the application's own actions.
    q = subprocess.run(["gdbus", "call", "--session", "--dest", "io.github.corral.Corral",
                        "--object-path", "/io/github/corral/Corral", "--method", "org.gtk.Actions.Activate",
                        "quit", "[]", "{}"], env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address),
                       capture_output=True, text=True, timeout=30)
    check("the app quits on its quit action", q.returncode == 0, q.stderr)
    deadline = time.time() + 20
    gone = False
    while time.time() < deadline and not gone:
        names = subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                                "--object-path", "/org/freedesktop/DBus", "--method",
                                "org.freedesktop.DBus.ListNames"],
                               env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address),
                               capture_output=True, text=True).stdout
        gone = "io.github.corral.Corral" not in names
        time.sleep(0.3)
    check("and is gone", gone)
finally:
    if bus is not None:
        bus.terminate()
        bus.wait()
    shutil.rmtree(tmp, ignore_errors=True)

sys.exit(finish())
