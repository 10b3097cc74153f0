#!/usr/bin/env python3
"""Integration: `corral PROJECT` in a terminal, with real QEMU and the tiny
guest. The test is the terminal: a pseudo-terminal of 33x77 that answers
cursor-position queries as a terminal emulator does. It types into the
guest's shell, presses Ctrl-C, then sends SIGTERM to corral and checks the
guest powered off, the metadata dir is gone and the terminal is restored.
TAP output.
"""
import fcntl
import glob
import hashlib
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

corral = os.environ["CORRAL_BIN"]
guest = os.environ["CORRAL_TEST_GUEST"]
results = []


def check(name, ok, diag=""):
    results.append((name, ok, diag))


class Terminal:
    def __init__(self, master):
        self.master = master
        self.text = b""
        self.answered = 0

    def pump(self, timeout, size=65536):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return
        try:
            data = os.read(self.master, size)
        except OSError:
            data = b""
        if not data:
            time.sleep(0.05)
            return
        self.text += data
        # A terminal answers every "where is the cursor?" (CSI 6n).
        while self.text.count(b"\x1b[6n") > self.answered:
            self.answered += 1
            os.write(self.master, b"\x1b[33;77R")

    def expect(self, needle, timeout=120, start=0):
        end = time.monotonic() + timeout
        while needle not in self.text[start:] and time.monotonic() < end:
            self.pump(0.2)
        return needle in self.text[start:]

    def type(self, text):
        os.write(self.master, text)


def main():
    top = tempfile.mkdtemp(prefix="corral-cli-")
    env = dict(os.environ)
    for var, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_RUNTIME_DIR", "runtime")):
        env[var] = os.path.join(top, sub)
        os.makedirs(env[var], mode=0o700)
    env["ANTHROPIC_API_KEY"] = "sk-cli-test-secret"
    project = os.path.join(top, "proj")
    os.mkdir(project)

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen(
        [corral, "--terminal", "--guest", guest, "--shell", "--no-network", "--memory", "256",
         "--cores", "1", project],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    term = Terminal(master)

    check("the guest boots to its ready line", term.expect(b"CORRAL-GUEST-READY"),
          term.text[-400:])
    check("a shell prompt in /project", term.expect(b"sandbox:/project"), term.text[-400:])
    mark = len(term.text)
    term.type(b"stty size; echo made > /project/from-cli; echo key=$ANTHROPIC_API_KEY\r")
    check("the guest learned the terminal size", term.expect(b"33 77", 60, mark),
          term.text[mark:])
    # The key stays on the host (Corral's proxy adds it): the guest has
    # the placeholder, never the key.
    check("the guest has the key's placeholder, not the key",
          term.expect(b"key=sk-ant-corral-placeholder-the-key-stays-on-the-host", 60, mark)
          and b"sk-cli-test-secret" not in term.text, term.text[mark:])
    path = os.path.join(project, "from-cli")
    check("the guest wrote into the project",
          os.path.exists(path) and open(path).read() == "made\n")
    raw = termios.tcgetattr(slave)
    check("the terminal is raw while the VM runs", not (raw[3] & termios.ECHO))

    # Ctrl-C goes to the guest, not to corral.
    term.type(b"sleep 100\r")
    time.sleep(1)
    mark = len(term.text)
    term.type(b"\x03")
    term.expect(b"sandbox:/project", 60, mark)
    mark = len(term.text)
    term.type(b"echo alive-$((6*7))\r")
    check("Ctrl-C interrupts the guest's command, corral runs on",
          term.expect(b"alive-42", 60, mark) and proc.poll() is None, term.text[mark:])

    # A resize, as a terminal emulator does it (corral is no session
    # leader here, so the signal is sent by hand): the new size reaches
    # the running shell over the session channel, unasked.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 41, 103, 0, 0))
    proc.send_signal(signal.SIGWINCH)
    time.sleep(0.5)
    mark = len(term.text)
    term.type(b"stty size\r")
    check("a resize of this terminal reaches the guest's shell",
          term.expect(b"41 103", 60, mark), term.text[mark:])

    # What the guest prints reaches this terminal as text and titles, but
    # never as OSC 52, which would set the clipboard the user pastes into
    # a host shell, nor as a DCS or APC string (kitty's graphics can name
    # a host file).
    mark = len(term.text)
    term.type(b"printf 'osc-\\033]52;c;ZWNobyBwd25lZA==\\007\\033_Gf=100,t=f;L2V0Yy9wYXNzd2Q=\\033\\\\"
              b"\\033]0;title-ok\\007-done\\n'\r")
    term.expect(b"\x07-done", 60, mark)
    out = term.text[mark:]
    check("the guest's title reaches the terminal, its OSC 52 and APC do not",
          b"osc-\x1b]0;title-ok\x07-done" in out and b"\x1b]52" not in out
          and b"\x1b_G" not in out, out[-300:])

    # 4 MiB of output to a terminal that reads slowly (4 KiB every 5 ms):
    # the agent waits for it and nothing is lost (QEMU's virtio console,
    # which this once was, dropped what the terminal could not take).
    mark = len(term.text)
    term.type(b"head -c 3145728 /dev/urandom | base64 > /tmp/out; "
              b"echo sum-$(sha256sum < /tmp/out | cut -c1-64)-end\r")
    m = None
    end = time.monotonic() + 120
    while m is None and time.monotonic() < end:
        term.pump(0.2)
        m = re.search(rb"sum-([0-9a-f]{64})-end", term.text[mark:])
    mark = len(term.text)
    term.type(b"echo @@''B; cat /tmp/out; echo @@''E\r")
    started = time.monotonic()
    end = started + 600
    while b"\n@@E\r\n" not in term.text[mark:] and time.monotonic() < end:
        term.pump(0.2, 4096)
        time.sleep(0.005)
    elapsed = time.monotonic() - started
    out = term.text[mark:]
    got = None
    if b"\n@@B\r\n" in out and b"\n@@E\r\n" in out:
        body = out[out.index(b"\n@@B\r\n") + 6:out.index(b"\n@@E\r\n") + 1]
        got = hashlib.sha256(body.replace(b"\r\n", b"\n")).hexdigest()
    check("4 MiB of output reach a slow terminal whole (sha256)",
          m is not None and got == m.group(1).decode(),
          (m and m.group(1), got, len(out), f"{elapsed:.1f} s", out[-300:]))

    # The second console: a pty of its own, named on stderr.
    m = re.search(rb"second console: screen (/dev/pts/[0-9]+)", term.text)
    check("corral names the second console's pty", m is not None, term.text[:300])
    if m:
        fd = os.open(m.group(1), os.O_RDWR | os.O_NOCTTY)
        # As screen does when it attaches: the pty gets its window's size.
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 29, 91, 0, 0))
        second = Terminal(fd)
        os.write(fd, b"\r")
        second.expect(b"sandbox:/project", 60)
        mark2 = len(second.text)
        os.write(fd, b"echo via-$(tty)\r")
        check("the second console is a shell on ttyS1",
              second.expect(b"via-/dev/ttyS1", 60, mark2), second.text[-300:])
        mark2 = len(second.text)
        os.write(fd, b"stty size\r")
        check("the second console's line has the size of the terminal on its pty",
              second.expect(b"29 91", 60, mark2), second.text[mark2:])

        # Output on the second console while nobody reads its pty: that
        # console waits (its pty holds 22 KB), the agent's runs on.
        os.write(fd, b"printf 'F''B\\n'; head -c 400000 /dev/zero | tr '\\0' x; printf '\\nF''E\\n'\r")
        second.expect(b"FB\r\n", 60)
        early = second.text.split(b"FB\r\n", 1)[-1]  # read along with the marker
        os.close(fd)
        time.sleep(5)
        mark = len(term.text)
        term.type(b"echo alive-$((6*9))\r")
        check("the agent's console answers while nobody reads the second's",
              term.expect(b"alive-54", 60, mark) and proc.poll() is None, term.text[mark:])
        fd = os.open(m.group(1), os.O_RDWR | os.O_NOCTTY)
        second = Terminal(fd)
        second.expect(b"\r\nFE\r\n", 120)
        out = early + second.text.split(b"\r\nFE\r\n")[0]
        check("the second console's output waited, whole (400 000 bytes)",
              out.count(b"x") == 400000 and set(out) <= set(b"x"),
              (len(out), out.count(b"x"), out[:80], out[-80:]))
        os.close(fd)

    run_dirs = glob.glob(os.path.join(env["XDG_RUNTIME_DIR"], "corral", "*"))
    check("a metadata dir exists while running", len(run_dirs) == 1, repr(run_dirs))

    proc.send_signal(signal.SIGTERM)
    end = time.monotonic() + 90
    while proc.poll() is None and time.monotonic() < end:
        term.pump(0.2)
    status = proc.poll()
    if status is None:
        proc.kill()
        proc.wait()
    term.pump(0.5)
    check("SIGTERM powers the guest down and corral exits 0", status == 0,
          "status %r" % status)
    check("the guest saw the ACPI power button",
          b"CORRAL-GUEST-POWERDOWN" in term.text, term.text[-300:])
    check("the metadata dir is removed",
          all(not os.path.exists(d) for d in run_dirs), repr(run_dirs))
    after = termios.tcgetattr(slave)
    check("the terminal settings are restored", after[3] == before[3])

    os.close(master)
    os.close(slave)
    subprocess.run(["rm", "-rf", top])

    print("1..%d" % len(results))
    failed = 0
    for i, (name, ok, diag) in enumerate(results, 1):
        print("%s %d %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            failed += 1
            for line in repr(diag).splitlines():
                print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
