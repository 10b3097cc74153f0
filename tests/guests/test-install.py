#!/usr/bin/env python3
"""Packaging: `meson install` into a temporary folder puts everything a
desktop user's first run needs in place: the binary, the Debian guest's
builder and its recipe (the same recipe, so a guest built from a checkout
is up to date for the installed app too), the GSettings schema, the
desktop file, the metainfo, the icons and the translations. TAP.

Usage: test-install.py BUILDDIR PREFIX BINDIR LIBEXECDIR DATADIR LOCALEDIR
"""
import os
import shutil
import stat
import subprocess
import sys
import tempfile

builddir, prefix, bindir, libexecdir, datadir, localedir = sys.argv[1:7]
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
app_id = "io.github.corral.Corral"
results = []


def check(name, ok, diag=""):
    results.append((name, bool(ok), diag))
    return ok


tmp = tempfile.mkdtemp(prefix="corral-install-")
dest = os.path.join(tmp, "dest")


def at(path, *parts):
    return dest + os.path.join(path, *parts)


def executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


try:
    r = subprocess.run(["meson", "install", "-C", builddir, "--no-rebuild", "--quiet", "--destdir", dest],
                       capture_output=True, text=True)
    check("meson install --destdir", r.returncode == 0, r.stdout + r.stderr)

    check("the corral binary", executable(at(bindir, "corral")))
    builder = at(libexecdir, "corral", "build-guest")
    check("the guest builder in LIBEXECDIR/corral, executable", executable(builder))
    recipe = at(datadir, "corral", "guests", "debian")
    source = os.path.join(top, "data", "guests", "debian")

    def tree(root):
        out = {}
        for d, _, files in os.walk(root):
            for f in files:
                p = os.path.join(d, f)
                out[os.path.relpath(p, root)] = (open(p, "rb").read(), os.stat(p).st_mode & stat.S_IXUSR != 0)
        return out

    installed, wanted = tree(recipe), tree(source)
    check("the recipe in PKGDATADIR/guests/debian, every file as in the source, executables executable",
          installed == wanted, sorted(set(installed) ^ set(wanted)) or
          [k for k in wanted if installed.get(k) != wanted[k]])
    check("no guest manifest there (it is a recipe, not a guest)",
          not os.path.exists(os.path.join(recipe, "guest.ini")))

    h_installed = subprocess.run([builder, "--recipe", recipe, "--print-recipe-hash"],
                                 capture_output=True, text=True)
    h_source = subprocess.run([os.path.join(top, "build-aux", "build-guest"), "--print-recipe-hash"],
                              capture_output=True, text=True)
    check("the installed recipe has the source tree's hash (no rebuild after installing)",
          h_installed.returncode == 0 and len(h_installed.stdout.strip()) == 64 and
          h_installed.stdout == h_source.stdout, (h_installed.stdout, h_source.stdout, h_installed.stderr))
    r = subprocess.run([builder, "--print-recipe-hash"], capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items() if k != "CORRAL_GUEST_RECIPE"})
    check("the installed builder finds the installed recipe by itself",
          r.returncode == 0 and r.stdout == h_installed.stdout, (r.stdout, r.stderr))

    check("the GSettings schema", os.path.isfile(at(datadir, "glib-2.0", "schemas", app_id + ".gschema.xml")))
    desktop = at(datadir, "applications", app_id + ".desktop")
    check("the desktop file, starting corral", os.path.isfile(desktop) and "Exec=corral " in open(desktop).read())
    check("the metainfo", os.path.isfile(at(datadir, "metainfo", app_id + ".metainfo.xml")))
    check("the icon", os.path.isfile(at(datadir, "icons", "hicolor", "scalable", "apps", app_id + ".svg")))
    check("the symbolic icon",
          os.path.isfile(at(datadir, "icons", "hicolor", "symbolic", "apps", app_id + "-symbolic.svg")))
    for lang, word in (("de", "Den Debian-Gast _bauen"), ("fr", "_Construire l’invité Debian")):
        mo = at(localedir, lang, "LC_MESSAGES", "corral.mo")
        check(f"the {lang} translations, with the build's strings",
              os.path.isfile(mo) and word.encode() in open(mo, "rb").read(), mo)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print(f"1..{len(results)}")
failed = 0
for i, (name, ok, diag) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        failed += 1
        for line in str(diag).splitlines()[-30:]:
            print(f"# {line}")
sys.exit(1 if failed else 0)
