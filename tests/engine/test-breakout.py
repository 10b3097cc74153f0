#!/usr/bin/env python3
"""Integration: a compromised QEMU tries to break out of its jail.

The containment's premise is a guest that found a bug in QEMU and runs
code in QEMU's process. jail-attacker (tests/engine/jail-attacker.c)
stands in for that QEMU: a real `corral --terminal` run starts it in
QEMU's place ($CORRAL_QEMU), in the jail Corral builds for QEMU, with
QEMU's descriptors. It tries to leave setuid/setgid files and device
nodes on the host (every system call that takes a mode, O_TMPFILE,
mknod of a regular file, io_uring, foreign architectures), to write the
kernel's settings, to reach other processes, the host's files, its
network, its abstract and file-system Unix sockets, and lists its
descriptors; it writes a verdict per attack into the project. This test
turns each verdict into a check, and checks the host itself: no such
file appeared, no server of the host was reached.

Runs: full network (passt and pasta), the allowlist, and full network
where passt is missing (QEMU's own slirp in the host's network namespace:
there the host's loopback and network are within reach, as the window
warns, but its abstract sockets must not be), as the user running the
test and, when that is root (CI), as an ordinary user it creates. TAP.
"""
import hashlib
import os
import pty
import pwd
import re
import select
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

corral = os.environ["CORRAL_BIN"]
guest_manifest = os.environ["CORRAL_TEST_GUEST"]
helper = os.environ["CORRAL_JAIL_HELPER"]
attacker = os.environ["CORRAL_JAIL_ATTACKER"]
results = []

# Reached on purpose where QEMU runs slirp in the host's network (the
# project window says so for the whole run): these are not holes there.
SLIRP_FULL_EXPECTED = ("network interfaces", "the host's own address", "the host's loopback",
                       "the gateway's proxy port", "the internet")


def check(name, ok, diag=""):
    results.append((name, bool(ok), diag))
    return ok


# --- listeners on the host: did anything reach them? ------------------------

class Listener:
    """Accepts connections in a thread and counts them."""

    def __init__(self, family, address):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(address)
        self.sock.listen(16)
        self.hits = 0
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()

    def close(self):
        self.sock.close()


def host_address():
    """This host's own address on its default route (not loopback)."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("192.0.2.123", 9))   # no packet is sent
        addr = s.getsockname()[0]
        s.close()
        return None if addr.startswith("127.") else addr
    except OSError:
        return None


# --- one user's runs -----------------------------------------------------------

class Setup:
    """A home with a marker in ~/.ssh and a Unix socket, a project whose
    profile shares nothing optional, another project, a copy of the tiny
    guest's manifest (its files are never read: no QEMU boots it)."""

    def __init__(self, top, user):
        self.top = top
        self.user = user
        self.home = os.path.join(top, "home")
        self.project = os.path.join(top, "proj,1 x")   # a comma and a space
        self.other = os.path.join(top, "other project")
        # A folder of programs for the run without passt: bwrap only.
        self.nopasst = os.path.join(top, "bin-without-passt")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
               "LANG": "C.UTF-8", "CORRAL_JAIL_HELPER": helper, "CORRAL_QEMU": attacker,
               "GSETTINGS_BACKEND": "memory"}
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                         ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "runtime")):
            env[var] = os.path.join(top, sub)
            os.makedirs(env[var], mode=0o700)
        self.env = env
        os.makedirs(os.path.join(self.home, ".ssh"), mode=0o700)
        with open(os.path.join(self.home, ".ssh", "id_marker"), "w") as f:
            f.write("SSH-MARKER\n")
        os.makedirs(self.project)
        os.makedirs(self.other)
        with open(os.path.join(self.other, "marker"), "w") as f:
            f.write("OTHER-PROJECT\n")
        os.makedirs(self.nopasst)
        os.symlink(shutil.which("bwrap"), os.path.join(self.nopasst, "bwrap"))
        key = os.path.basename(self.project) + "-" + \
            hashlib.sha256((self.project + "\n").encode()).hexdigest()[:12]
        profiles = os.path.join(env["XDG_CONFIG_HOME"], "corral", "projects")
        os.makedirs(profiles)
        with open(os.path.join(profiles, key + ".ini"), "w") as f:
            f.write("[Shares]\nClaude=false\nGitConfig=false\nGhConfig=false\nSsh=false\n")
        self.state_dir = os.path.join(env["XDG_STATE_HOME"], "corral", "projects", key)
        if user is not None:
            pw = pwd.getpwnam(user)
            for root, dirs, files in os.walk(top):
                for n in [root] + [os.path.join(root, d) for d in dirs] + [os.path.join(root, f) for f in files]:
                    os.lchown(n, pw.pw_uid, pw.pw_gid)
        # A Unix socket of the user's, outside anything the jail shows.
        self.host_socket = os.path.join(self.home, "host.sock")
        self.socket_listener = Listener(socket.AF_UNIX, self.host_socket)
        if user is not None:
            os.chown(self.host_socket, pw.pw_uid, pw.pw_gid)

    def run(self, network, without_passt, targets):
        with open(os.path.join(self.project, "ATTACK-TARGETS"), "w") as f:
            for k, v in targets.items():
                f.write(f"{k}={v}\n")
        report = os.path.join(self.project, "ATTACK-REPORT")
        if os.path.exists(report):
            os.unlink(report)
        master, slave = pty.openpty()
        with open(os.path.join(self.project, "ATTACK-TARGETS"), "a") as f:
            f.write(f"user_tty_rdev={os.fstat(slave).st_rdev}\n")
        if self.user is not None:
            pw = pwd.getpwnam(self.user)
            os.chown(os.path.join(self.project, "ATTACK-TARGETS"), pw.pw_uid, pw.pw_gid)
        env = dict(self.env)
        if without_passt:
            env["PATH"] = self.nopasst
        argv = [corral, "--terminal", "--guest", guest_manifest, "--network", network,
                "--memory", "256", "--cores", "1", self.project]
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", "/usr/bin/env", "-i",
                    *[f"{k}={v}" for k, v in env.items()], *argv]
        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                env=env if self.user is None else self.env,
                                start_new_session=True, cwd="/")
        os.close(slave)
        output = b""
        end = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < end:
            try:
                if select.select([master], [], [], 0.2)[0]:
                    output += os.read(master, 65536)
            except OSError:
                time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
        try:
            with open(report) as f:
                text = f.read()
        except OSError:
            text = ""
        return text, output.decode(errors="replace")


def planted(path):
    """setuid/setgid files and device nodes under @path."""
    bad = []
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            p = os.path.join(root, name)
            st = os.lstat(p)
            if st.st_mode & (stat.S_ISUID | stat.S_ISGID) and not stat.S_ISDIR(st.st_mode) \
               or stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                bad.append(f"{p} {stat.filemode(st.st_mode)}")
    return bad


def run_user(who, s, addr, tun_ok):
    lo = Listener(socket.AF_INET, ("127.0.0.1", 0))
    host = Listener(socket.AF_INET, (addr, 0)) if addr else None
    abstract_name = f"corral-breakout-{os.getpid()}-{who.replace(' ', '-')}"
    abstract = Listener(socket.AF_UNIX, "\0" + abstract_name)
    with open("/proc/sys/kernel/core_pattern") as f:
        core_pattern = f.read()
    runs = [("full", False, "full network, passt"), ("allowlist", False, "allowlist"),
            ("full", True, "full network without passt")]
    try:
        for network, without_passt, label in runs:
            if network == "full" and not without_passt and not tun_ok:
                results.append((f"{who}, {label}", None, "/dev/net/tun is not usable"))
                continue
            targets = {"host_netns": os.readlink("/proc/self/ns/net"),
                       "lo_port": lo.sock.getsockname()[1],
                       "abstract": abstract_name,
                       "host_socket": s.host_socket,
                       "home_marker": os.path.join(s.home, ".ssh", "id_marker"),
                       "other_marker": os.path.join(s.other, "marker"),
                       "state_dir": s.state_dir}
            if host:
                targets["host_addr"] = addr
                targets["host_port"] = host.sock.getsockname()[1]
            hits_before = (lo.hits, host.hits if host else 0, abstract.hits, s.socket_listener.hits)
            text, output = s.run(network, without_passt, targets)
            name = f"{who}, {label}"
            if not check(f"{name}: the attacker ran in QEMU's place to its end",
                         "info done" in text, output[-1500:] + text[-1500:]):
                continue
            section = ""
            for line in text.splitlines():
                verdict, _, what = line.partition(" ")
                if verdict == "info":
                    if what.startswith("plants in "):
                        where = what[len("plants in "):]
                        section = "in " + {s.project: "the project", s.state_dir: "the state folder",
                                           "/var/tmp": "/var/tmp (the cache's tmp folder)"}.get(where, where) + ": "
                    elif what.startswith("processes visible"):
                        section = ""
                    continue
                attack = what.split(":")[0]
                if without_passt and network == "full" and attack.startswith(SLIRP_FULL_EXPECTED):
                    continue
                check(f"{name}: {section}{what if verdict == 'held' else attack}",
                      verdict == "held", line)
            check(f"{name}: QEMU's stderr reaches the user's terminal without its escape sequences",
                  "]52;c;QlJFQUtPVVQ=" in output and "\x1b]52" not in output and "\x1b]0;" not in output,
                  repr(output[-600:]))
            bad = planted(s.project) + planted(s.state_dir)
            check(f"{name}: no setuid/setgid file or device node on the host (project, state)",
                  not bad, repr(bad))
            check(f"{name}: the project's files are the user's",
                  all(os.lstat(os.path.join(r, n)).st_uid == pwd.getpwnam(s.user).pw_uid
                      if s.user else True
                      for r, d, f in os.walk(s.project) for n in d + f))
            hits = (lo.hits, host.hits if host else 0, abstract.hits, s.socket_listener.hits)
            if not (without_passt and network == "full"):
                check(f"{name}: nothing reached the host's loopback or address",
                      hits[0] == hits_before[0] and hits[1] == hits_before[1], repr(hits))
            check(f"{name}: nothing reached the host's abstract socket or a socket file outside the view",
                  hits[2] == hits_before[2] and hits[3] == hits_before[3], repr(hits))
            with open("/proc/sys/kernel/core_pattern") as f:
                check(f"{name}: kernel.core_pattern is unchanged", f.read() == core_pattern)
            shutil.rmtree(os.path.join(s.project, "attack-plants"), ignore_errors=True)
            shutil.rmtree(os.path.join(s.state_dir, "attack-plants"), ignore_errors=True)
    finally:
        lo.close()
        abstract.close()
        if host:
            host.close()
        s.socket_listener.close()


RELAY_CLIENT = r"""
import os, socket, sys
s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
s.sendall(b"PING\n")
print("ANSWER", s.recv(100).decode().strip())
for pid in os.listdir("/proc"):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        with open(f"/proc/{pid}/comm") as f:
            helper = f.read().startswith("corral-jail")
        if helper and b"--relay" in argv and int(pid) != os.getpid():
            with open(f"/proc/{pid}/status") as f:
                print("RELAY", [l.split()[1] for l in f if l.startswith("Seccomp:")][0])
    except (OSError, ValueError, IndexError):
        pass
"""


def relay_check(who, user, top):
    """The relay (N's 127.0.0.1:3128 -> the proxy's socket) under its own
    filter, and still relaying: the helper run by bwrap as Corral runs it,
    with a client in N in QEMU's place (--keep-net)."""
    folder = tempfile.mkdtemp(prefix="relay-", dir=top)
    os.chmod(folder, 0o777)
    path = os.path.join(folder, "proxy.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o777)
    server.listen(4)

    def answer():
        try:
            conn, _ = server.accept()
            conn.recv(100)
            conn.sendall(b"PONG\n")
            conn.close()
        except OSError:
            pass
    threading.Thread(target=answer, daemon=True).start()
    argv = [shutil.which("bwrap"), "--unshare-user", "--unshare-pid", "--unshare-net",
            "--die-with-parent", "--uid", "0", "--gid", "0", "--cap-drop", "ALL",
            "--cap-add", "CAP_NET_ADMIN", "--cap-add", "CAP_SETPCAP", "--cap-add", "CAP_SETFCAP",
            "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--bind", folder, folder,
            "--", helper, "--bridge", "--relay", "3128", path, "--keep-net", "--",
            "/usr/bin/python3", "-c", RELAY_CLIENT]
    if user is not None:
        argv = ["runuser", "-u", user, "--"] + argv
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    server.close()
    check(f"{who}: the relay still relays to the proxy's socket under its filter",
          "ANSWER PONG" in out.stdout, out.stdout + out.stderr)
    check(f"{who}: the relay runs under a seccomp filter of its own",
          re.findall(r"^RELAY .*", out.stdout, re.M) == ["RELAY 2"], out.stdout + out.stderr)


def main():
    addr = host_address()
    tops = []
    user = None
    tun_mode = None
    try:
        top = tempfile.mkdtemp(prefix="corral-breakout-")
        tops.append(top)
        tun_ok = os.access("/dev/net/tun", os.R_OK | os.W_OK)
        run_user("this user", Setup(top, None), addr, tun_ok)
        relay_check("this user", None, top)

        if os.getuid() == 0:
            user = f"corralb{os.getpid() % 100000}"
            subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/false", user], check=True)
            # Full network needs /dev/net/tun, which udev makes 0666 on a
            # desktop; a machine without udev may have it root's only.
            mode = stat.S_IMODE(os.stat("/dev/net/tun").st_mode)
            if mode & 0o006 != 0o006:
                tun_mode = mode
                os.chmod("/dev/net/tun", 0o666)
            top = tempfile.mkdtemp(prefix="corral-breakout-user-")
            os.chmod(top, 0o755)
            tops.append(top)
            run_user(f"ordinary user {user}", Setup(top, user), addr, True)
            relay_check(f"ordinary user {user}", user, top)
        else:
            results.append(("an ordinary user", None, "not root: this run was the ordinary user's"))
    finally:
        if tun_mode is not None:
            os.chmod("/dev/net/tun", tun_mode)
        if user is not None:
            for _ in range(20):
                if subprocess.run(["userdel", user], stderr=subprocess.DEVNULL).returncode != 8:
                    break
                time.sleep(0.5)
        for top in tops:
            shutil.rmtree(top, ignore_errors=True)

    print(f"1..{len(results)}")
    failed = 0
    for i, (name, ok, diag) in enumerate(results, 1):
        if ok is None:
            print(f"ok {i} {name} # SKIP {diag}")
        elif ok:
            print(f"ok {i} {name}")
        else:
            failed += 1
            print(f"not ok {i} {name}")
            for line in str(diag).splitlines()[-30:]:
                print(f"# {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
