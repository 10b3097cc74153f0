#!/usr/bin/env python3
"""Slow: the Debian guest's network in allowlist mode, through the real
Corral (`corral --terminal --network allowlist`), jail, relay and proxy,
against test servers on this computer (tests/util/network-test-servers.py):
Claude Code reaches a fake Claude API through the proxy, which adds the
real key; `npm install` gets a package from an allowed local registry;
anything else is refused and the refusal printed; the key is nowhere in
the guest. Run by `build-aux/test --full`. TAP.
"""
import hashlib
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guestboot import TapReport  # noqa: E402

SECRET = "sk-ant-api03-debian-network-SECRET-0123456789"
PROMPT = re.compile(rb"\w+@sandbox:[^\r\n]*[#$] ")
# What the guest asks the terminal (its size), not text to match
QUERIES = re.compile(rb"\x1b\[18t|\x1b\[6n|\x1b7\x1b\[999;999H|\x1b8")
BOOT = 600

corral = os.environ.get("CORRAL_BIN")
manifest = os.environ.get("CORRAL_DEBIAN_GUEST") or subprocess.run(
    [os.path.join(top, "build-aux", "build-guest"), "--print-manifest"],
    capture_output=True, text=True).stdout.strip()
t = TapReport()
if not corral or not os.path.exists(manifest):
    t.check("the Debian guest is built (build-aux/build-guest)", False, f"no {manifest}")
    sys.exit(t.finish())


class Terminal:
    """corral's terminal: answers the guest's size queries."""

    def __init__(self, fd):
        self.fd, self.text = fd, b""

    def read(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], 0.5)
            if not r:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            self.text += data
            if b"\x1b[6n" in data:
                os.write(self.fd, b"\x1b[50;160R")
            if b"\x1b[18t" in data:
                os.write(self.fd, b"\x1b[8;50;160t")
        return True

    def expect(self, pattern, seconds, start=0):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            m = re.search(pattern, QUERIES.sub(b"", self.text[start:]))
            if m:
                return m
            if not self.read(1):
                return re.search(pattern, QUERIES.sub(b"", self.text[start:]))
        return None

    def run(self, command, seconds):
        mark = f"CORRAL-{time.monotonic_ns()}"
        start = len(self.text)
        os.write(self.fd, f"{command}; printf '%s-\\n' {mark}\r".encode())
        m = self.expect(f"{mark}-\r?\n".encode(), seconds, start)
        text = QUERIES.sub(b"", self.text[start:])
        out = text[:m.start()] if m else text
        return m is not None, out.decode(errors="replace")


tmp = tempfile.mkdtemp(prefix="corral-debian-net-")
servers = subprocess.Popen([sys.executable, os.path.join(top, "tests", "util", "network-test-servers.py"),
                            os.path.join(tmp, "servers")],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
info = {}
for line in servers.stdout:
    if line.strip() == "READY":
        break
    key, _, value = line.strip().partition(" ")
    info[key] = value
if info.get("ADDRESS", "none") == "none":
    t.note("this computer has no non-loopback address: the registry cannot be placed")
    t.check("skipped", True)
    servers.stdin.close()
    sys.exit(t.finish())

home = os.path.join(tmp, "home")
project = os.path.join(tmp, "net project")
for d in (home, project, os.path.join(tmp, "config"), os.path.join(tmp, "state")):
    os.makedirs(d, exist_ok=True)
os.makedirs(os.path.join(tmp, "run"), mode=0o700, exist_ok=True)
registry = f"registry.test:{info['NPM']}"

# The project's profile: allowlist, no preset, the test registry allowed.
key = os.path.basename(project) + "-" + hashlib.sha256((project + "\n").encode()).hexdigest()[:12]
profiles = os.path.join(tmp, "config", "corral", "projects")
os.makedirs(profiles, exist_ok=True)
with open(os.path.join(profiles, key + ".ini"), "w") as fh:
    fh.write(f"[Project]\nPath={project}\n[VM]\nMemoryMiB=3072\n"
             f"[Network]\nMode=allowlist\nPresets=\nAllow={registry};\n")

env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(tmp, "config"),
           XDG_STATE_HOME=os.path.join(tmp, "state"), XDG_RUNTIME_DIR=os.path.join(tmp, "run"),
           XDG_CACHE_HOME=os.path.join(tmp, "cache"), ANTHROPIC_API_KEY=SECRET,
           CORRAL_PROXY_RESOLVE=f"registry.test={info['ADDRESS']}",
           CORRAL_API_UPSTREAM=f"https://localhost:{info['API']}", CORRAL_API_CA_FILE=info["CA"],
           GIO_USE_PROXY_RESOLVER="dummy")
env.pop("DISPLAY", None)
env.pop("WAYLAND_DISPLAY", None)

master, slave = pty.openpty()
proc = subprocess.Popen([corral, "--terminal", "--guest", manifest, "--shell", "--network", "allowlist",
                         project], stdin=slave, stdout=slave, stderr=slave, env=env,
                        start_new_session=True, cwd=project)
os.close(slave)
term = Terminal(master)
try:
    started = time.monotonic()
    ok = t.check("the Debian guest reaches a shell prompt (allowlist mode)", term.expect(PROMPT, BOOT),
                 term.text[-3000:].decode(errors="replace"))
    if not ok:
        sys.exit(t.finish())
    t.note(f"prompt after {time.monotonic() - started:.0f} s")

    done, out = term.run("echo base=$ANTHROPIC_BASE_URL proxy=$HTTPS_PROXY key=$ANTHROPIC_API_KEY", 60)
    t.check("the login is pointed at the proxy, with the placeholder key",
            "base=http://10.0.2.2:3128 proxy=http://10.0.2.2:3128 "
            "key=sk-ant-corral-placeholder-the-key-stays-on-the-host" in out, out)

    # Claude Code, print mode: its API request goes through the proxy.
    done, out = term.run("claude -p 'Say hi' 2>&1 | tail -5", 600)
    t.check("claude answers with the fake API's text", done and "CORRAL-FAKE-API-ANSWER" in out, out)
    api_log = open(os.path.join(tmp, "servers", "api-requests.log")).read() \
        if os.path.exists(os.path.join(tmp, "servers", "api-requests.log")) else ""
    t.check("the fake API received the real key", f"x-api-key={SECRET} " in api_log, api_log[-2000:])
    t.check("and never the placeholder", "corral-placeholder" not in api_log, api_log[-2000:])

    # npm through the proxy, from an allowed local registry.
    done, out = term.run(f"cd $(mktemp -d) && npm install --no-audit --no-fund "
                         f"--registry http://{registry}/ corral-test-pkg 2>&1 | tail -5 && "
                         "node -e \"console.log(require('corral-test-pkg'))\"; cd - >/dev/null", 600)
    t.check("npm install gets a package from the allowed registry through the proxy",
            done and "corral-test-pkg works" in out, out)

    # Anything else: refused, and corral says so on its terminal.
    start = len(term.text)
    done, out = term.run("curl -sS -o /dev/null https://example.com/; echo rc=$?", 120)
    t.check("an unlisted host is refused (curl through the proxy)",
            done and "rc=0" not in out and "403" in out, out)
    t.check("corral printed the refusal on its terminal",
            term.expect(rb"corral: network: refused example\.com:443: ", 30, start),
            term.text[start:].decode(errors="replace"))

    # Tools that ignore the proxy go nowhere.
    done, out = term.run("curl -sS --noproxy '*' -m 10 -o /dev/null http://" + info["ADDRESS"] + ":"
                         + info["WEB"] + "/; echo rc=$?", 60)
    t.check("direct connections go nowhere", done and "rc=0" not in out, out)

    done, out = term.run("apt-config dump | grep -i 'Acquire::https\\?::Proxy'", 60)
    t.check("apt is pointed at the proxy", "10.0.2.2:3128" in out, out)

    # (the pattern and the prefix are written so the echoed command line
    # matches neither)
    done, out = term.run("sudo grep -rlI 'debian-network-SECRE[T]' /etc /home /tmp /mnt/meta /proc/[0-9]*/environ "
                         "/proc/[0-9]*/cmdline 2>/dev/null | sed \"s/^/H$((1+1))T /\"; echo searched", 300)
    t.check("the real key is nowhere in the guest (files, environments, command lines)",
            done and "searched" in out and "H2T " not in out, out)

    term.run("sudo poweroff", 30)
    proc.wait(timeout=180)
    t.check("the guest powers off", proc.returncode is not None)
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    servers.stdin.close()
    servers.wait()
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(t.finish())
