"""Boot a Corral guest with the QEMU command Corral itself builds.

The argv comes from `corral --dry-run` (the engine's command builder); the
test then does what the app does around it: writes the metadata files the
guest contract names, and attaches the consoles and QMP to Unix sockets it
reads. Used by the guest-contract test (tiny test guest) and the Debian
guest test (suite slow).
"""
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time

SIZE_QUERY = b"\x1b[6n"      # cursor position report, after a move to 999;999
SIZE_REQUEST = b"\x1b[18t"   # xterm: report the text area size
TERMINAL_QUERIES = re.compile(rb"\x1b\[18t|\x1b\[6n|\x1b7\x1b\[999;999H|\x1b8")


class TapReport:
    def __init__(self):
        self.results = []

    def check(self, name, ok, diag=""):
        self.results.append((name, bool(ok), diag))
        return ok

    def note(self, text):
        print(f"# {text}", flush=True)

    def finish(self):
        print(f"1..{len(self.results)}")
        failed = 0
        for i, (name, ok, diag) in enumerate(self.results, 1):
            print(f"{'ok' if ok else 'not ok'} {i} - {name}")
            if not ok:
                failed += 1
                for line in str(diag).splitlines()[-30:]:
                    print(f"# {line}")
        return 1 if failed else 0


class Console:
    """One serial port on a Unix socket. Plays a terminal: answers the
    guest's size query with ROWSxCOLS."""

    def __init__(self, path, rows=50, cols=160, timeout=60):
        self.rows, self.cols = rows, cols
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.buf = b""
        self.lock = threading.Condition()
        self.closed = False
        self.queries = 0
        self.requests = 0
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            with self.lock:
                if not data:
                    self.closed = True
                    self.lock.notify_all()
                    return
                self.buf += data
                n = self.buf.count(SIZE_QUERY)
                if n > self.queries:
                    for _ in range(n - self.queries):
                        self.send(f"\x1b[{self.rows};{self.cols}R")
                    self.queries = n
                n = self.buf.count(SIZE_REQUEST)
                if n > self.requests:
                    self.send(f"\x1b[8;{self.rows};{self.cols}t")
                    self.requests = n
                self.lock.notify_all()

    def send(self, text):
        data = text.encode() if isinstance(text, str) else text
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def text(self, start=0):
        with self.lock:
            return self.buf[start:].decode("utf-8", "replace")

    def mark(self):
        with self.lock:
            return len(self.buf)

    def settle(self, quiet=0.5, timeout=10):
        """Waits until the guest has been silent for QUIET seconds (a prompt
        that asks the terminal's size must have had its answer before a
        command is typed)."""
        end = time.monotonic() + timeout
        last = self.mark()
        since = time.monotonic()
        while time.monotonic() < end:
            time.sleep(0.05)
            now = self.mark()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    def expect(self, pattern, timeout, start=0):
        """Waits for a regex in the output since START; returns the match or None."""
        if isinstance(pattern, re.Pattern):
            rx = pattern
        else:
            rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                m = rx.search(self.buf, start)
                if m:
                    return m
                left = end - time.monotonic()
                if left <= 0 or self.closed:
                    return None
                self.lock.wait(min(left, 1.0))

    def run(self, command, timeout=60):
        """Runs a shell command on a console with a shell; returns its
        output (or None on timeout). The markers are quoted so the echoed
        command line does not match them."""
        tag = f"{time.monotonic_ns() % 10**9}"
        self.settle()
        start = self.mark()
        self.send(f"echo '@@B''{tag}'; {command}; echo '@@E''{tag}'\r")
        m = self.expect(re.compile(rf"@@B{tag}\r?\n(.*?)@@E{tag}".encode(), re.S), timeout, start)
        if not m:
            return None
        # The guest's questions to the terminal are not output.
        out = TERMINAL_QUERIES.sub(b"", m.group(1))
        return out.decode("utf-8", "replace").replace("\r\n", "\n")


class Session:
    """The host's end of the agent session channel: the guest's lines as
    they come, and the host's commands (RESTART, SHELL, POWEROFF)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                return
            buf += data
            with self.cond:
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self.lines.append(line.decode("ascii", "replace"))
                self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.lines)

    def expect(self, prefix, timeout, start=0):
        """The first line from START on that begins with PREFIX, or None."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines[start:]:
                    if line.startswith(prefix):
                        return line
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(min(left, 1.0))

    def send(self, command):
        self.sock.sendall(command.encode() + b"\n")


class Qmp:
    def __init__(self, path, timeout=60):
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.file = self.sock.makefile("rb")
        self.events = []
        self.next_id = 0
        json.loads(self.file.readline())  # greeting
        self.execute("qmp_capabilities")

    def execute(self, command, arguments=None, timeout=60):
        self.next_id += 1
        msg = {"execute": command, "id": self.next_id}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        self.sock.settimeout(timeout)
        try:
            while True:
                line = self.file.readline()
                if not line:
                    return None
                reply = json.loads(line)
                if "event" in reply:
                    self.events.append(reply)
                elif reply.get("id") == self.next_id:
                    return reply
        finally:
            self.sock.settimeout(None)

    def read_events(self, timeout):
        """Collects events until the connection closes or TIMEOUT passes."""
        self.sock.settimeout(timeout)
        try:
            while True:
                line = self.file.readline()
                if not line:
                    break
                msg = json.loads(line)
                if "event" in msg:
                    self.events.append(msg)
        except (OSError, ValueError):
            pass
        return self.events


def screendump_stats(qmp, path):
    """Returns (width, height, fraction of non-black pixels) of the display."""
    reply = qmp.execute("screendump", {"filename": path})
    if not reply or "error" in reply:
        return None
    with open(path, "rb") as fh:
        data = fh.read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m:
        return None
    w, h = int(m.group(1)), int(m.group(2))
    pixels = data[m.end():]
    n = w * h
    lit = 0
    step = 3 * 7  # every 7th pixel is plenty
    for i in range(0, min(len(pixels), n * 3) - 2, step):
        if pixels[i] > 16 or pixels[i + 1] > 16 or pixels[i + 2] > 16:
            lit += 1
    return w, h, lit / max(1, n // 7)


class GuestRun:
    """A guest booted with Corral's argv. Use as a context manager."""

    def __init__(self, corral, manifest, shell=False, agent_args=(), memory=None,
                 network=True, extra_meta=None, rows=50, cols=160, clipboard=False,
                 session=False):
        self.tmp = tempfile.mkdtemp(prefix="corral-guest-test-")
        self.home = os.path.join(self.tmp, "home")
        self.project = os.path.join(self.tmp, "project dir")  # a space, as users have
        for d in (self.home, self.project):
            os.makedirs(d)
        run = os.path.join(self.tmp, "run")
        os.makedirs(run, mode=0o700)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "XDG_RUNTIME_DIR": run,
            "XDG_STATE_HOME": os.path.join(self.tmp, "state"),
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_CACHE_HOME": os.path.join(self.tmp, "cache"),
            "LANG": "C.UTF-8",
            "GSETTINGS_BACKEND": "memory",
        }
        cmd = [corral, "--dry-run", "--guest", manifest]
        if shell:
            cmd.append("--shell")
        if memory:
            cmd += ["--memory", str(memory)]
        if not network:
            cmd.append("--no-network")
        cmd.append(self.project)
        if agent_args:
            cmd += ["--", *agent_args]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"corral --dry-run failed: {p.stderr}")
        lines = p.stdout.splitlines()
        # The dry run prints Corral's jail, then QEMU's own line after
        # "# QEMU:"; this runs QEMU alone (the containment tests run the jail).
        self.argv = shlex.split(lines[lines.index("# QEMU:") + 1])
        entry = next((l.split(":", 1)[1].strip() for l in lines if l.startswith("Entrypoint:")), "bash")

        def fsdev_path(tag):
            for a in self.argv:
                if a.startswith(f"local,id=fs_{tag},"):
                    m = re.search(r"path=((?:[^,]|,,)*)", a)
                    return m.group(1).replace(",,", ",")
            return None

        # The metadata the app writes (guest contract, section 4).
        meta = fsdev_path("claude_meta")
        os.makedirs(meta, mode=0o700, exist_ok=True)
        files = {
            "entrypoint": entry,
            "host_home": self.home,
            "host_project": self.project,
            "uid": str(os.getuid()),
            "gid": str(os.getgid()),
            "lang": "C.UTF-8",
        }
        files.update(extra_meta or {})
        for name, value in files.items():
            fd = os.open(os.path.join(meta, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(value + "\n")
        self.meta = meta
        self.state = fsdev_path("state_dir")
        if self.state:
            os.makedirs(self.state, exist_ok=True)
        for tag in ("git_config",):
            d = fsdev_path(tag)
            if d:
                os.makedirs(d, exist_ok=True)

        # Consoles and QMP on sockets this test reads.
        self.agent_sock = os.path.join(run, "agent.sock")
        self.enter_sock = os.path.join(run, "enter.sock")
        self.qmp_sock = os.path.join(run, "qmp.sock")
        # The chardevs are matched by id: how the app attaches them (stdio,
        # PTYs, inherited fds) is the app's business.
        self.clip_sock = os.path.join(run, "clipboard.sock")
        self.session_sock = os.path.join(run, "session.sock")
        socks = {"agent": self.agent_sock, "enter": self.enter_sock, "qmp": self.qmp_sock,
                 "clipboard": self.clip_sock, "session": self.session_sock,
                 # A virtio agent console's serial port: the boot messages.
                 "boot": os.path.join(run, "boot.sock")}
        self.boot_sock = socks["boot"]
        # The agent session's channel (guest contract section 9): with
        # session=True the test plays the host on it (self.session); else
        # the port is left out and the guest powers off when its
        # entrypoint ends, as the seed's does.
        if not session:
            kept = []
            skip = False
            for i, a in enumerate(self.argv):
                if skip:
                    skip = False
                    continue
                nxt = self.argv[i + 1] if i + 1 < len(self.argv) else ""
                if a in ("-chardev", "-device") and (re.search(r"(?:^|,)id=session(?:,|$)", nxt)
                                                     or "chardev=session" in nxt):
                    skip = True
                    continue
                kept.append(a)
            self.argv = kept
        argv = []
        have_qmp = False
        skip = False
        for i, a in enumerate(self.argv):
            if skip:
                skip = False
                continue
            # The consoles' inherited fds (fd sets) are replaced by sockets.
            if a == "-add-fd":
                skip = True
                continue
            m = re.search(r"(?:^|,)id=(agent|enter|qmp|clipboard|boot|session)(?:,|$)", a)
            if m and i > 0 and self.argv[i - 1] == "-chardev":
                a = f"socket,id={m.group(1)},path={socks[m.group(1)]},server=on,wait=off"
                have_qmp = have_qmp or m.group(1) == "qmp"
            # passt's inherited socket: QEMU's own user network instead
            # (there is no jail here to hold passt).
            if a.startswith("stream,id=net0,") and i > 0 and self.argv[i - 1] == "-netdev":
                a = "user,id=net0"
            argv.append(a)
        if not have_qmp:
            argv += ["-qmp", f"unix:{self.qmp_sock},server=on,wait=off"]
        # The display's clipboard channel, as the Vm adds it for a graphical
        # guest (the dry run has no Vm, so no channel).
        self.has_clipboard = clipboard and "virtio-vga" in argv
        if self.has_clipboard and not any("id=clipboard" in a for a in argv):
            argv += ["-device", "virtio-serial-pci,id=corral-serial",
                     "-chardev", f"socket,id=clipboard,path={self.clip_sock},server=on,wait=off",
                     "-device", "virtserialport,bus=corral-serial.0,chardev=clipboard,"
                     "name=io.github.corral.clipboard.0"]
        self.argv = argv
        self.rows, self.cols = rows, cols
        self.stderr = open(os.path.join(self.tmp, "qemu.stderr"), "w+")
        self.proc = None

    def start(self):
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.qmp = Qmp(self.qmp_sock)
        self.agent = Console(self.agent_sock, self.rows, self.cols)
        self.enter = Console(self.enter_sock, self.rows, self.cols)
        # With the agent on its virtio-serial port, ttyS0 carries the boot
        # messages (and what systemd says at power-off): read, as the app
        # copies them into the agent's terminal.
        self.boot = None
        if any(re.search(r"(?:^|,)id=boot(?:,|$)", a) for a in self.argv):
            self.boot = Console(self.boot_sock, self.rows, self.cols)
        self.clipboard = None
        if self.has_clipboard:
            self.clipboard = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.clipboard.connect(self.clip_sock)
        self.session = None
        if any("id=session" in a for a in self.argv):
            self.session = Session(self.session_sock)
        return self

    def marks(self):
        """Where the agent console and the boot console are now."""
        return (self.agent.mark(), self.boot.mark() if self.boot else 0)

    def console_text(self, marks=(0, 0)):
        """What the user's agent terminal showed since MARKS: the agent
        console and the boot console copied into it."""
        return self.agent.text(marks[0]) + (self.boot.text(marks[1]) if self.boot else "")

    def elapsed(self):
        return time.monotonic() - self.t0

    def qemu_stderr(self):
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()

    def powerdown(self, timeout):
        """ACPI power-down; returns (exited by itself, seconds, events)."""
        t = time.monotonic()
        self.qmp.execute("system_powerdown")
        self.qmp.read_events(timeout)
        try:
            self.proc.wait(timeout=max(1, timeout - (time.monotonic() - t)))
            return True, time.monotonic() - t, self.qmp.events
        except subprocess.TimeoutExpired:
            return False, time.monotonic() - t, self.qmp.events

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
