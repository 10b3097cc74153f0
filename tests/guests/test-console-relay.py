#!/usr/bin/env python3
"""Unit: the guest's console relay (data/guests/debian/rootfs/usr/lib/corral/
console-relay), which gives the agent a terminal size over a serial line.

The test plays the host terminal on a pseudo-terminal: it answers the
relay's size query, sends a resize notice, and checks what the program
behind the relay sees. TAP output.
"""
import fcntl
import importlib.machinery
import importlib.util
import os
import pty
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

# The source tree: this file is tests/guests/<name>.
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
relay = os.path.join(top, "data", "guests", "debian", "rootfs", "usr", "lib", "corral", "console-relay")
results = []


def check(name, ok, diag=""):
    results.append((name, ok, diag))


def relay_status(proc, timeout=10):
    """The relay's exit status, or None when it has not ended in time
    (then it is killed)."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return None


def read_until(fd, needle, timeout=10.0):
    buf = b""
    end = time.monotonic() + timeout
    while needle not in buf and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            buf += data
    return buf


# The program behind the relay reports its size, waits for a line, reports
# the size again with the line's bytes in hex, and exits 3.
child = ("stty size; IFS= read -r x; stty size; "
         "printf 'line:%s\\n' \"$(printf '%s' \"$x\" | od -An -tx1 | tr -d ' \\n')\"; exit 3")
master, slave = pty.openpty()
proc = subprocess.Popen([sys.executable, relay, "sh", "-c", child],
                        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                        start_new_session=True)
os.close(slave)

out = read_until(master, b"\x1b[6n")
check("relay asks the terminal for its size (cursor position report)", b"\x1b[6n" in out, out)
os.write(master, b"\x1b[41;133R")
out = read_until(master, b"41 133")
check("the program starts with the size the terminal reported", b"41 133" in out, out)

# A resize notice, then a line holding an Escape sequence that is not one.
os.write(master, b"\x1b[8;30;100t")
time.sleep(0.3)
os.write(master, b"a\x1b[Ab\r")
out = read_until(master, b"line:")
out += read_until(master, b"\n", timeout=3)
check("a resize notice changes the program's size", b"30 100" in out, out)
check("the notice is swallowed and other escapes reach the program intact",
      b"line:611b5b4162" in out, out)

rc = relay_status(proc)
check("the relay exits with the program's status", rc == 3, rc)

# After a resize: the relay asks again (CSI 18 t) while the program's output
# is idle, and the terminal's answer changes the program's size.
master, slave = pty.openpty()
proc = subprocess.Popen([sys.executable, relay, "sh", "-c", "stty size; sleep 5; stty size"],
                        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                        start_new_session=True)
os.close(slave)
out = read_until(master, b"\x1b[6n")
os.write(master, b"\x1b[41;133R")
out = read_until(master, b"41 133")
asked = 0
buf = b""
end = time.monotonic() + 15
while time.monotonic() < end and b"33 90" not in buf:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        buf += data
        while b"\x1b[18t" in buf[asked:]:
            asked = buf.index(b"\x1b[18t", asked) + 5
            # The terminal was resized. Its answer trickles in the way a
            # loaded emulated serial line delivers it: with long gaps.
            os.write(master, b"\x1b[8")
            time.sleep(0.4)
            os.write(master, b";33;")
            time.sleep(0.4)
            os.write(master, b"90t")
check("the relay asks for the size again while the program runs (CSI 18 t)", asked > 0, buf)
check("the terminal's answer resizes the program", b"33 90" in buf, buf)
check("the answer, even split by long gaps, does not reach the program", b"[8;33;90t" not in buf.replace(b"\x1b[8;33;90t", b""), buf)
relay_status(proc)

# No answer from the terminal (a dumb line): the program still runs.
master, slave = pty.openpty()
t0 = time.monotonic()
proc = subprocess.Popen([sys.executable, relay, "sh", "-c", "echo started; exit 0"],
                        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                        start_new_session=True)
os.close(slave)
out = read_until(master, b"started", timeout=15)
check("without an answer the program starts after a short wait",
      b"started" in out and time.monotonic() - t0 < 10, out)
relay_status(proc)

# A program that cannot run: said on the line, and 127 as a shell says it.
master, slave = pty.openpty()
proc = subprocess.Popen([sys.executable, relay, "/nonexistent/agent"],
                        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                        start_new_session=True)
os.close(slave)
read_until(master, b"\x1b[6n")
os.write(master, b"\x1b[24;80R")
out = read_until(master, b"cannot run")
rc = relay_status(proc)
check("a program that cannot run: the relay says so and exits 127",
      b"corral: cannot run /nonexistent/agent" in out and rc == 127, (out, rc))
os.close(master)

# The program ends while an answer is on its way: the relay swallows it
# rather than leave it to the line, which echoes again once the relay has
# gone (seen as ^[[8;38;75t on the agent console before power-off). The
# test keeps the line open, as the guest's getty does.
master, slave = pty.openpty()
proc = subprocess.Popen([sys.executable, relay, "sh", "-c", "sleep 2; exit 0"],
                        stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                        start_new_session=True)
read_until(master, b"\x1b[6n")
os.write(master, b"\x1b[41;133R")
out = read_until(master, b"\x1b[18t")
asked = b"\x1b[18t" in out
time.sleep(2.0)  # the program has ended; the relay still waits for this
os.write(master, b"\x1b[8;33;90t")
rc = relay_status(proc)
after = read_until(master, b"90t", timeout=1.0)
check("an answer that arrives after the program ended is not echoed",
      asked and rc == 0 and b"90t" not in after, (asked, rc, after))
os.close(slave)
os.close(master)

# The agent's virtio-serial port (guest contract, section 1) is no tty: a
# socket plays it here. The program still gets a terminal with the size the
# host's terminal reported, Ctrl-C (the byte 0x03) still interrupts it, and
# the port reading EOF (its host end closed for a while) ends nothing: the
# program's output still goes out and its status comes back.
host, line = socket.socketpair()
child = ("trap 'echo got-SIGINT; exit 7' INT; stty size; tty; echo waiting; "
         "while :; do sleep 0.1; done")
proc = subprocess.Popen([sys.executable, relay, "sh", "-c", child],
                        stdin=line, stdout=line, stderr=line, close_fds=True,
                        start_new_session=True)
line.close()
hfd = host.fileno()
out = read_until(hfd, b"\x1b[6n")
os.write(hfd, b"\x1b[37;111R")
out = read_until(hfd, b"waiting")
check("on a port (no tty): the program gets a pseudo-terminal of the terminal's size",
      b"37 111" in out and b"/dev/pts/" in out, out)
os.write(hfd, b"\x03")
out = read_until(hfd, b"got-SIGINT")
check("on a port: Ctrl-C (0x03) is SIGINT for the program", b"got-SIGINT" in out, out)
rc = relay_status(proc)
check("on a port: the relay exits with the program's status", rc == 7, rc)
host.close()

host, line = socket.socketpair()
proc = subprocess.Popen([sys.executable, relay, "sh", "-c", "sleep 2; echo still-here; exit 4"],
                        stdin=line, stdout=line, stderr=line, close_fds=True,
                        start_new_session=True)
line.close()
hfd = host.fileno()
read_until(hfd, b"\x1b[6n")
os.write(hfd, b"\x1b[24;80R")
host.shutdown(socket.SHUT_WR)  # the port reads EOF from here on
out = read_until(hfd, b"still-here", timeout=15)
rc = relay_status(proc)
check("on a port whose host end reads EOF, the program runs on and its output arrives",
      b"still-here" in out and rc == 4, (out, rc))
host.close()

# The second console (guest contract, section 1, step 4): the session
# helper sets the host's size on its serial line and records it in a file.
# Given that file, the relay asks nothing and follows the line's size
# (SIGWINCH: after a login it is the line's foreground process); told
# late, it stops asking from then on.
def relay_on_line(args, slave):
    """The relay with the line as its controlling terminal, as a login's."""
    def own_line():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    return subprocess.Popen([sys.executable, relay, *args], stdin=slave, stdout=slave,
                            stderr=slave, close_fds=True, preexec_fn=own_line)


def set_line_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def quiet_for(fd, seconds):
    """Everything the line carries for SECONDS."""
    buf = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return buf


def told_on_line(master, proc, rows, cols, what):
    """Sets ROWS x COLS on the line, as the session helper does: the program
    gets it, and the relay asks nothing for 3.5 s. Ends the relay."""
    set_line_size(master, rows, cols)
    time.sleep(0.3)
    os.write(master, b"\r")
    want = f"{rows} {cols}".encode()
    out = read_until(master, want)
    check(f"second console: {what} reaches the program", want in out, out)
    out = quiet_for(master, 3.5)
    check(f"second console: after {what}, the relay never asks (3.5 s idle, no CSI 18 t)",
          b"\x1b[18t" not in out, out)
    proc.kill()
    proc.wait()
    os.close(master)


size_dir = tempfile.mkdtemp(prefix="corral-relay-test-")
try:
    size_file = os.path.join(size_dir, "second-console-size")
    sizes_child = "stty size; while IFS= read -r x; do stty size; done"
    with open(size_file, "w") as fh:
        fh.write("33 91\n")
    master, slave = pty.openpty()
    proc = relay_on_line(["--size-file", size_file, "sh", "-c", sizes_child], slave)
    os.close(slave)
    out = read_until(master, b"33 91")
    check("second console, told by the file: no question, the program starts at its size",
          b"33 91" in out and b"\x1b[6n" not in out, out)
    told_on_line(master, proc, 40, 120, "a later size set on the line")

    # No file yet, and no terminal on the line yet (the tab opens later):
    # the questions wait in the line until one comes and answers them all
    # at once. They are CSI 18 t only, whose late answers the relay knows.
    os.unlink(size_file)
    master, slave = pty.openpty()
    proc = relay_on_line(["--size-file", size_file, "sh", "-c", sizes_child], slave)
    os.close(slave)
    out = quiet_for(master, 5)
    asked = out.count(b"\x1b[18t")
    check("second console, untold: it asks with CSI 18 t only (no cursor report, whose late answer would be typed text)",
          asked >= 1 and b"\x1b[6n" not in out, out)
    os.write(master, b"\x1b[8;24;80t" * asked + b"\r")
    out = read_until(master, b"24 80")
    check("second console: late answers, all at once, size the program and never reach it",
          b"24 80" in out and b"8;24" not in out, out)
    with open(size_file, "w") as fh:
        fh.write("35 100\n")
    told_on_line(master, proc, 35, 100, "the helper's first size")
finally:
    shutil.rmtree(size_dir)

# At a start with the session channel (guest contract, section 1, step 4):
# the host's SIZE is awaited before the terminal is asked, and keys typed
# meanwhile are kept for the program.
loader = importlib.machinery.SourceFileLoader("corral_console_relay", relay)
module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
loader.exec_module(module)


class FakeChannel:
    """The session helper's channel as the relay reads it: SIZE lines."""

    def __init__(self):
        self.host, end = socket.socketpair()
        end.setblocking(False)
        self.end = end
        self.fd = end.fileno()

    def read_sizes(self):
        try:
            data = self.end.recv(256)
        except BlockingIOError:
            return []
        if not data:
            return None
        return [tuple(int(v) for v in line.split()[1:]) for line in data.decode().splitlines()]


channel = FakeChannel()
host, line = socket.socketpair()
host.sendall(b"typed")
threading.Timer(0.3, channel.host.sendall, (b"SIZE 29 101\n",)).start()
t0 = time.monotonic()
told, typed = module.wait_told(line.fileno(), channel, timeout=10)
check("with a channel, the host's SIZE is awaited and kept, with the keys typed meanwhile",
      told == (29, 101) and typed == b"typed" and time.monotonic() - t0 < 5, (told, typed))
t0 = time.monotonic()
told, typed = module.wait_told(line.fileno(), channel, timeout=0.5)
waited = time.monotonic() - t0
check("no SIZE in time: none (the relay then asks the terminal)",
      told is None and typed == b"" and 0.45 < waited < 2, (told, typed, waited))
channel.host.close()
t0 = time.monotonic()
told, _ = module.wait_told(line.fileno(), channel, timeout=5)
check("the host's end away: none, at once", told is None and time.monotonic() - t0 < 1,
      (told, time.monotonic() - t0))
host.close()
line.close()

print(f"1..{len(results)}")
failed = 0
for i, (name, ok, diag) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        failed += 1
        print(f"# {diag!r}")
sys.exit(1 if failed else 0)
