#!/usr/bin/env python3
"""Packaging: the Debian guest's recipe implements the guest contract's
static parts (fstab by tag, policies, scripts that parse). Booting it is the
`slow` suite's job. TAP output."""
import json
import os
import re
import subprocess
import sys

# The source tree: this file is tests/guests/<name>.
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
recipe = os.path.join(top, "data", "guests", "debian")
rootfs = os.path.join(recipe, "rootfs")
results = []


def check(name, ok, diag=""):
    results.append((name, ok, diag))


def read(*parts):
    with open(os.path.join(*parts)) as fh:
        return fh.read()


# fstab: the seed's table, by tag.
fstab = {}
for line in read(rootfs, "etc", "fstab").splitlines():
    f = line.split()
    if len(f) >= 4 and not f[0].startswith("#") and f[2] == "9p":
        fstab[f[0]] = (f[1], f[3].split(","))
table = {
    "project_share": ("/project", "rw", False),
    "claude_auth": ("/home/sandbox/.claude", "rw", True),
    "git_config": ("/mnt/git_config", "ro", True),
    "git_config_dir": ("/home/sandbox/.config/git", "ro", True),
    "gh_config_dir": ("/home/sandbox/.config/gh", "ro", True),
    "ssh_dir": ("/home/sandbox/.ssh", "ro", True),
    "claude_meta": ("/mnt/meta", "ro", False),
    "state_dir": ("/mnt/state", "rw", True),
}
for tag, (where, mode, nofail) in table.items():
    got = fstab.get(tag)
    check(f"fstab mounts {tag} at {where}", got is not None and got[0] == where, got)
    if got:
        opts = got[1]
        check(f"{tag} is {mode}", ("ro" in opts) == (mode == "ro"), opts)
        check(f"{tag} is {'nofail' if nofail else 'required'}", ("nofail" in opts) == nofail, opts)
        check(f"{tag} uses virtio 9p2000.L", "trans=virtio" in opts and "version=9p2000.L" in opts, opts)
        if nofail:
            check(f"{tag} is mounted only when offered (noauto; corral-setup mounts it after the ids)",
                  "noauto" in opts, opts)
            check(f"{tag} is unmounted only after the sessions that use it stopped (no [FAILED] at power-off)",
                  "x-systemd.before=local-fs.target" in opts, opts)
check("project share asks msize=104857600", "msize=104857600" in fstab.get("project_share", ("", []))[1])

policy = json.loads(read(rootfs, "etc", "chromium", "policies", "managed", "corral.json"))
check("Chromium policy forces Claude in Chrome",
      "fcoeoabgfenejglbffodgkkbkcdhcgfn" in policy.get("ExtensionInstallForcelist", []), policy)

for script in ("setup", "display-resize", "browser", "xsession", "open-url", "agent-console"):
    p = os.path.join(rootfs, "usr", "lib", "corral", script)
    shell = "bash" if read(p).startswith("#!/bin/bash") else "sh"
    r = subprocess.run([shell, "-n", p], capture_output=True, text=True)
    check(f"{script} parses ({shell} -n)", r.returncode == 0 and os.access(p, os.X_OK), r.stderr)
r = subprocess.run(["bash", "-n", os.path.join(rootfs, "etc", "profile.d", "corral.sh")], capture_output=True, text=True)
check("login script parses", r.returncode == 0, r.stderr)
profile = read(rootfs, "etc", "profile.d", "corral.sh")
# The agent console is the virtio-serial port (contract section 1): the
# manifest asks for it, a unit logs in there, and ttyS0's getty steps aside.
manifest_text = read(top, "data", "guests", "build-guest").split("[Guest]\n", 1)[-1].split("\nINI\n", 1)[0]
check("the manifest asks for the agent console on the virtio-serial port",
      "\nAgentConsole=virtio\n" in manifest_text and "hvc0" not in manifest_text, manifest_text)
check("the boot console (ttyS0) is the kernel's last console=",
      re.search(r"^Cmdline=.*console=ttyS0,115200n8 [^c]*$", manifest_text, re.M) is not None, manifest_text)
unit = read(rootfs, "etc", "systemd", "system", "corral-agent-console.service")
check("a unit logs in on the agent port, enabled at build time",
      "ExecStart=/usr/lib/corral/agent-console" in unit and "corral-agent-console.service" in read(recipe, "customize"))
check("no login on ttyS0 where the agent port exists",
      "! /usr/lib/corral/agent-console --check" in read(rootfs, "etc", "systemd", "system",
                                                         "serial-getty@ttyS0.service.d", "corral-virtio-console.conf"))
check("tty guard: the entrypoint runs on the agent port or ttyS0 only", re.search(r"agent-port\|/dev/ttyS0\)", profile) is not None
      and profile.count("/mnt/meta/entrypoint") == 1)
for meta in ("entrypoint", "apikey", "host_home", "host_project", "gh_token", "lang", "lc_all"):
    check(f"login reads /mnt/meta/{meta}", meta in profile)
for meta in ("proxy", "no_proxy", "api_base_url"):
    check(f"login reads /mnt/meta/{meta}", f"corral_meta {meta}" in profile)
for var in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "npm_config_https_proxy", "PIP_PROXY",
            "ANTHROPIC_BASE_URL", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"):
    check(f"login exports {var}", var in profile)
sudoers = read(rootfs, "etc", "sudoers.d", "corral")
check("sudo keeps the proxy variables", "env_keep" in sudoers and "HTTPS_PROXY" in sudoers)
setup = read(rootfs, "usr", "lib", "corral", "setup")
check("boot set-up points apt at the proxy", "Acquire::https::Proxy" in setup and "meta_line proxy" in setup)
check("boot set-up points Chromium at the proxy", "ProxySettings" in setup and "fixed_servers" in setup)
for meta in ("uid", "gid", "host_home", "host_project", "claude.json"):
    check(f"boot set-up reads /mnt/meta/{meta}", f"meta_line {meta}" in setup or f"meta/{meta}" in setup)
check("the project is bind-mounted at the host's path", "mount --bind /project" in setup)
check("optional shares are mounted when the host offers them", "mount_offered" in setup and "mount_tag" in setup)
check("~/.local is kept in /mnt/state", "/mnt/state/local" in setup)

clip = os.path.join(rootfs, "usr", "lib", "corral", "clipboard")
r = subprocess.run([sys.executable, "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", clip],
                   capture_output=True, text=True)
check("clipboard helper parses", r.returncode == 0 and os.access(clip, os.X_OK), r.stderr)
check("clipboard helper speaks on Corral's port", "io.github.corral.clipboard.0" in read(clip))
check("the session starts the clipboard helper", "/usr/lib/corral/clipboard" in read(rootfs, "etc", "xdg", "openbox", "autostart"))
check("the session may open the clipboard port",
      "io.github.corral.clipboard.0" in read(rootfs, "etc", "udev", "rules.d", "70-corral-clipboard.rules"))
session = os.path.join(rootfs, "usr", "lib", "corral", "agent-session")
r = subprocess.run([sys.executable, "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", session],
                   capture_output=True, text=True)
check("agent session parses", r.returncode == 0 and os.access(session, os.X_OK), r.stderr)
check("the agent session speaks on Corral's session port", "io.github.corral.session.0" in read(session))
check("the agent console's login may open the session port",
      "io.github.corral.session.0" in read(rootfs, "etc", "udev", "rules.d", "70-corral-session.rules"))
check("the agent opens links in the display's browser (BROWSER)",
      "BROWSER=/usr/lib/corral/open-url" in profile)
getty = read(rootfs, "etc", "systemd", "system", "serial-getty@.service.d", "corral-autologin.conf")
check("serial gettys auto-login sandbox", "--autologin sandbox" in getty)
customize = read(recipe, "customize")
check("second console getty enabled", "serial-getty@ttyS1.service" in customize)
check("Claude Code from the npm registry's native package",
      "@anthropic-ai/claude-code-linux-x64@" in customize)
check("Claude Code version pinned", re.fullmatch(r"\d+\.\d+\.\d+\n?", read(recipe, "claude-code.version")) is not None)
packages = read(recipe, "packages").split()
for pkg in ("systemd", "linux-image-amd64", "xserver-xorg-core", "openbox", "chromium",
            "nodejs", "npm", "git", "sudo", "python3-pip", "tmux", "ripgrep", "jq", "gcc", "xclip"):
    check(f"guest package list has {pkg}", pkg in packages)

build = os.path.join(top, "build-aux", "build-guest")
r = subprocess.run([build, "--print-manifest"], capture_output=True, text=True,
                   env=dict(os.environ, CORRAL_GUEST_DIR="/nonexistent/guest"))
check("build-guest --print-manifest names the manifest without building",
      r.returncode == 0 and r.stdout.strip() == "/nonexistent/guest/guest.ini", r)

env = {k: v for k, v in os.environ.items() if k != "CORRAL_GUEST_DIR"}
r = subprocess.run([build, "--print-manifest"], capture_output=True, text=True,
                   env=dict(env, XDG_DATA_HOME="/nonexistent/data"))
check("build-guest builds into Corral's guest store (XDG_DATA_HOME/corral/guests), found without --guest",
      r.returncode == 0 and r.stdout.strip() == "/nonexistent/data/corral/guests/debian/guest.ini", r)

print(f"1..{len(results)}")
failed = 0
for i, (name, ok, diag) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        failed += 1
        print(f"# {diag!r}")
sys.exit(1 if failed else 0)
