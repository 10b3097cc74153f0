#!/usr/bin/env python3
"""Unit: the guest's agent session (data/guests/debian/rootfs/usr/lib/corral/
agent-session), the guest end of the session channel (guest contract
section 9), run on this host.

The test plays both of the guest's lines on pseudo-terminals: the agent
console (a terminal answering the relay's size query) and the session port
(CORRAL_SESSION_DEVICE stands in for the virtio-serial port), and the
second console's serial line (CORRAL_SECOND_CONSOLE). A fake `sudo`
records the power-off. TAP output.
"""
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
import tty

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
session = os.path.join(top, "data", "guests", "debian", "rootfs", "usr", "lib", "corral", "agent-session")
results = []


def check(name, ok, diag=""):
    results.append((name, bool(ok), diag))
    return ok


LINES = []


class Line:
    """Our end of a pseudo-terminal, reading as it goes (every line is
    read while the test waits on any of them)."""

    def __init__(self, raw):
        self.master, slave = pty.openpty()
        if raw:
            tty.setraw(slave)
        self.path = os.ttyname(slave)
        self.slave = slave
        self.buf = b""
        LINES.append(self)

    def pump(self, timeout):
        r, _, _ = select.select([line.master for line in LINES], [], [], timeout)
        for line in LINES:
            if line.master not in r:
                continue
            try:
                data = os.read(line.master, 4096)
            except OSError:
                LINES.remove(line)
                continue
            line.buf += data
            # Play the terminal: the relay asks for the size at each start.
            if b"\x1b[6n" in data:
                os.write(line.master, b"\x1b[24;80R")
            if b"\x1b[18t" in data:
                os.write(line.master, b"\x1b[8;24;80t")

    def expect(self, needle, timeout=20.0, start=0):
        end = time.monotonic() + timeout
        while needle not in self.buf[start:] and time.monotonic() < end:
            self.pump(0.1)
        return needle in self.buf[start:]

    def send(self, data):
        os.write(self.master, data)


def wait_prompt(console, timeout=20.0):
    """Until the shell's prompt ends what the console shows."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        console.pump(0.1)
        if re.search(rb"[#$] (\x1b\[18t)*$", console.buf):
            return True
    return False


def told_size(port, console, lines, want):
    """Sends LINES on the channel, then asks the shell its size: (whether it
    says WANT, what it said)."""
    port.send(lines)
    time.sleep(0.5)
    mark = len(console.buf)
    console.send(b"stty size\n")
    ok = console.expect(want, start=mark)
    wait_prompt(console)
    return ok, console.buf[mark:]


def shell_size(port, console, mark, cmark, want):
    """Once the shell started at MARK (the port) and CMARK (the console)
    shows its prompt: (whether `stty size` says WANT, what the console
    showed since CMARK); then the shell exits."""
    wait_prompt(console)
    console.send(b"stty size\n")
    ok = console.expect(want, start=cmark)
    shown = console.buf[cmark:]
    console.send(b"exit 0\n")
    port.expect(b"EXIT 0\n", start=mark)
    return ok, shown


def second_told(second, size_file):
    """The size set on the second console's line, and the one recorded."""
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(second.master, termios.TIOCGWINSZ, b"\0" * 8))
    try:
        with open(size_file) as fh:
            recorded = fh.read()
    except OSError:
        recorded = None
    return (rows, cols), recorded


def start(tmp, port, entrypoint, second=None):
    fakebin = os.path.join(tmp, "bin")
    os.makedirs(fakebin, exist_ok=True)
    with open(os.path.join(fakebin, "sudo"), "w") as fh:
        fh.write(f'#!/bin/sh\necho "$*" >> "{tmp}/sudo.log"\n')
    os.chmod(os.path.join(fakebin, "sudo"), 0o755)
    console = Line(raw=False)
    env = dict(os.environ, PATH=fakebin + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
               TERM="xterm")
    env.pop("CORRAL_SESSION_DEVICE", None)
    if port is not None:
        env["CORRAL_SESSION_DEVICE"] = port.path
    if second is not None:
        env["CORRAL_SECOND_CONSOLE"] = second.path
        env["CORRAL_SECOND_SIZE_FILE"] = os.path.join(tmp, "second-console-size")
    proc = subprocess.Popen([sys.executable, session, *entrypoint], stdin=console.slave,
                            stdout=console.slave, stderr=console.slave, env=env, cwd=tmp,
                            start_new_session=True)
    os.close(console.slave)
    return proc, console


def powered_off(tmp, timeout=10.0):
    log = os.path.join(tmp, "sudo.log")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(log) and "systemctl poweroff" in open(log).read():
            return True
        time.sleep(0.1)
    return False


with tempfile.TemporaryDirectory() as tmp:
    port = Line(raw=True)
    second = Line(raw=True)
    size_file = os.path.join(tmp, "second-console-size")
    runs = os.path.join(tmp, "runs")
    proc, console = start(tmp, port, ["sh", "-c", f"echo run >> '{runs}'; echo entry-ran; exit 3"],
                          second)
    try:
        check("HELLO 3 (takes SIZE and SECOND-SIZE), then the entrypoint starts",
              port.expect(b"HELLO 3\nSTARTED entrypoint\n"), port.buf)
        check("its exit status goes to the host", port.expect(b"EXIT 3\n"), port.buf)
        check("the console says how it ended",
              console.expect(b"corral: the entrypoint exited with status 3"), console.buf)
        time.sleep(0.5)
        check("the guest waits for the host (no power-off)", not powered_off(tmp, 0.5))

        # The second console's size, while the helper waits for a command:
        # set on that line and recorded for its next relay; bad ones skipped.
        port.send(b"SECOND-SIZE 31 99\nSECOND-SIZE 0 5\nSECOND-SIZE 99999 5\nSECOND-SIZE 31 99 x\n")
        time.sleep(0.5)
        check("SECOND-SIZE while nothing runs: set on the second console's line and recorded",
              second_told(second, size_file) == ((31, 99), "31 99\n"), second_told(second, size_file))

        # Garbage and a line too long are skipped; RESTART runs it again.
        mark = len(port.buf)
        port.send(b"HELLO?\n" + b"X" * 5000 + b"\nrestart\nRESTART\n")
        check("RESTART runs the entrypoint again", port.expect(b"STARTED entrypoint\nEXIT 3\n", start=mark), port.buf[mark:])
        check("with the same command (a second run)", open(runs).read() == "run\nrun\n", open(runs).read())

        # SHELL: a shell on the console; its end is reported too.
        mark = len(port.buf)
        cmark = len(console.buf)
        port.send(b"SHELL\n")
        check("SHELL starts a shell", port.expect(b"STARTED shell\n", start=mark), port.buf[mark:])
        # (keys typed before the relay took the console are flushed, as a
        # serial line's typeahead is: wait for the shell's prompt)
        console.expect(b"\x1b[6n", start=cmark)
        wait_prompt(console)
        console.send(b"echo shell-$((6*7))\n")
        check("the shell runs on the console", console.expect(b"shell-42", start=cmark), console.buf[cmark:])

        # The size: asked of the terminal (which answers 24 80 here) until
        # the host tells it over the channel; then never asked again.
        check("untold, the relay asks the terminal for its size while idle",
              console.expect(b"\x1b[18t", timeout=5, start=cmark), console.buf[cmark:])
        check("a SIZE from the host resizes the program's terminal",
              *told_size(port, console, b"SIZE 30 100\n", b"30 100"))
        # An answer to a question asked before the SIZE can arrive after it
        # (two channels, no common order): it is swallowed, not applied.
        console.send(b"\x1b[8;24;80t")
        check("a late answer from the terminal does not undo the host's size",
              *told_size(port, console, b"", b"30 100"))
        qmark = len(console.buf)
        end = time.monotonic() + 3.5
        while time.monotonic() < end:
            console.pump(0.1)
        check("told once, the relay stops asking (3.5 s idle, no CSI 18 t)",
              b"\x1b[18t" not in console.buf[qmark:], console.buf[qmark:])
        check("a bad size, a command and garbage while a program runs are skipped; the next SIZE applies",
              *told_size(port, console,
                         b"SIZE 0 0\nSIZE 99999 5\nRESTART\n" + b"S" * 300 + b"\nSIZE 41 132\n",
                         b"41 132"))
        # ...and while a program runs: the agent's own size stays as it is.
        port.send(b"SECOND-SIZE 27 95\n")
        time.sleep(0.5)
        check("SECOND-SIZE while a program runs: set on the second console's line and recorded",
              second_told(second, size_file) == ((27, 95), "27 95\n"), second_told(second, size_file))
        check("...and the agent console keeps its size", *told_size(port, console, b"", b"41 132"))
        console.send(b"exit 5\n")
        check("the shell's exit status goes to the host", port.expect(b"EXIT 5\n", start=mark), port.buf[mark:])

        # A shell killed by a signal: the signal is named, not 128+N.
        mark = len(port.buf)
        port.send(b"SHELL\n")
        port.expect(b"STARTED shell\n", start=mark)
        cmark = len(console.buf)
        console.expect(b"\x1b[6n", start=cmark)
        wait_prompt(console)
        console.send(b"kill -KILL $$\n")
        check("a program killed by a signal is reported as that signal",
              port.expect(b"SIGNAL 9\n", start=mark), port.buf[mark:])
        check("and the console names it", console.expect(b"was killed by SIGKILL (9)", start=cmark),
              console.buf[cmark:])

        # Told at the start, as Corral does when it hears STARTED: the relay
        # asks the terminal nothing (no answer can come late and reach the
        # program as typed text), and the program starts at that size.
        mark, cmark = len(port.buf), len(console.buf)
        port.send(b"SHELL\n")
        port.expect(b"STARTED shell\n", start=mark)
        port.send(b"SIZE 35 120\n")
        check("a SIZE right after STARTED: the program starts at the host's size",
              *shell_size(port, console, mark, cmark, b"35 120"))
        check("...and the terminal is never asked (no cursor report, no CSI 18 t)",
              b"\x1b[6n" not in console.buf[cmark:] and b"\x1b[18t" not in console.buf[cmark:],
              console.buf[cmark:])

        # A SIZE that came in the same read as the command: kept for the
        # start, not left waiting for the channel's next bytes.
        mark, cmark = len(port.buf), len(console.buf)
        port.send(b"SHELL\nSIZE 36 121\n")
        port.expect(b"STARTED shell\n", start=mark)
        check("a SIZE read along with the command applies at the start",
              *shell_size(port, console, mark, cmark, b"36 121"))
        check("...unasked", b"\x1b[6n" not in console.buf[cmark:], console.buf[cmark:])

        # Told only after the terminal answered (a host slower than the
        # relay's wait): the host's size, sent right after the answer,
        # wins over the answer's, which the program must not set later.
        mark, cmark = len(port.buf), len(console.buf)
        port.send(b"SHELL\n")
        console.expect(b"\x1b[6n", start=cmark)  # pump() has answered 24 80
        port.send(b"SIZE 33 111\n")
        check("a SIZE right after the terminal's answer: the host's size wins",
              *shell_size(port, console, mark, cmark, b"33 111"))

        port.send(b"POWEROFF\n")
        check("POWEROFF powers the guest off", powered_off(tmp), console.buf[-300:])
    finally:
        proc.kill()
        proc.wait()

# No channel (an older host): the seed's power-off when the entrypoint ends.
with tempfile.TemporaryDirectory() as tmp:
    proc, console = start(tmp, None, ["sh", "-c", "exit 0"])
    try:
        check("without the channel, the entrypoint's end powers off", powered_off(tmp), console.buf)
        console.pump(0.5)
        check("saying how it ended", b"the entrypoint exited with status 0" in console.buf, console.buf)
    finally:
        proc.kill()
        proc.wait()

# Typeahead on an agent console that is no tty (a virtio-serial port, as a
# socket here): dropped, and the flush does not wait for more.
import importlib.machinery  # noqa: E402
import importlib.util  # noqa: E402
import socket  # noqa: E402
loader = importlib.machinery.SourceFileLoader("corral_agent_session", session)
module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
loader.exec_module(module)
host, guest = socket.socketpair()
host.sendall(b"typed while nothing ran\n" * 1000)
time.sleep(0.1)
t0 = time.monotonic()
module.flush_typeahead(guest.fileno())
host.sendall(b"next\n")
time.sleep(0.1)
check("typeahead on a port (no tty) is dropped, what follows is kept",
      guest.recv(4096) == b"next\n" and time.monotonic() - t0 < 2)
host.close()
guest.close()

print(f"1..{len(results)}")
failed = 0
for i, (name, ok, diag) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        failed += 1
        for line in repr(diag)[-2000:].splitlines():
            print(f"# {line}")
sys.exit(1 if failed else 0)
