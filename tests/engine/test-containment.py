#!/usr/bin/env python3
"""Integration: what a jailed QEMU can reach (issue 13; issue 11 findings
13-15). Real `corral --terminal` runs of the tiny guest, with a guest that
has root (`corral.test-root` on its kernel command line), as the user
running the test and, when that is root (CI), again as an ordinary user
the test creates and removes.

From the host, while the VM runs: QEMU's mounts are only the allowed
paths; a marker in ~/.ssh and another project are not in its view; its
network namespace is not the host's and holds only lo; it has no
capability and is filtered. From the guest: with full network it gets an
address by DHCP and fetches a page from a server on the host's own
(non-loopback) address, while a server on the host's 127.0.0.1 stays out
of reach, also through the gateway and through 127.0.0.1 routed out of
the guest's network card; with the allowlist nothing outside answers.
The guest cannot leave setuid/setgid files or device nodes in the
project. SIGKILL of corral leaves no bwrap, QEMU, passt or pasta. TAP.
"""
import grp
import hashlib
import http.server
import os
import pty
import pwd
import re
import select
import shutil
import signal
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
results = []


def check(name, ok, diag=""):
    results.append((name, bool(ok), diag))
    return ok


def skip(name, why):
    results.append((name, None, why))


# --- servers on the host ----------------------------------------------------

def serve(address, body):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((address, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


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


# --- the terminal the guest's console is on --------------------------------

class Terminal:
    def __init__(self, master):
        self.master = master
        self.text = b""
        self.answered = 0
        self.n = 0

    def pump(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""
        if not data:
            time.sleep(0.05)
            return
        self.text += data
        while self.text.count(b"\x1b[6n") > self.answered:
            self.answered += 1
            os.write(self.master, b"\x1b[40;120R")

    def expect(self, needle, timeout=300, start=0):
        end = time.monotonic() + timeout
        while needle not in self.text[start:] and time.monotonic() < end:
            self.pump(0.2)
        return needle in self.text[start:]

    def run(self, command, timeout=90):
        """Runs @command in the guest's shell; returns what it printed."""
        self.n += 1
        done = f"DONE-{1000 + self.n}".encode()
        mark = len(self.text)
        # The typed line echoes $((...)), the output has the number.
        os.write(self.master, f"{command}; echo DONE-$((1000+{self.n}))\r".encode())
        self.expect(done, timeout, mark)
        return self.text[mark:].decode(errors="replace")


# --- the process tree -------------------------------------------------------

def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(w) for w in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        for c in children(todo.pop()):
            found.append(c)
            todo.append(c)
    return found


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def alive(pid):
    """Running (a zombie nobody reaps, as on this machine, is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def status_fields(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def unescape(path):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


# --- one user's runs ---------------------------------------------------------

class Setup:
    """Folders for one user: a home with a marker in ~/.ssh, a project
    whose profile shares nothing optional, another project with a
    marker, a copy of the tiny guest that gives root."""

    def __init__(self, top, user):
        self.top = top
        self.user = user
        self.home = os.path.join(top, "home")
        self.project = os.path.join(top, "my proj,1")   # a space and a comma
        self.other = os.path.join(top, "other project")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
               "LANG": "C.UTF-8", "CORRAL_JAIL_HELPER": helper, "GSETTINGS_BACKEND": "memory"}
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
        # The profile: every optional share off, so nothing of $HOME.
        key = os.path.basename(self.project) + "-" + \
            hashlib.sha256((self.project + "\n").encode()).hexdigest()[:12]
        profiles = os.path.join(env["XDG_CONFIG_HOME"], "corral", "projects")
        os.makedirs(profiles)
        with open(os.path.join(profiles, key + ".ini"), "w") as f:
            f.write("[Shares]\nClaude=false\nGitConfig=false\nGhConfig=false\nSsh=false\n")
        # The tiny guest, with a root shell on its agent console.
        self.guest = os.path.join(top, "guest")
        os.makedirs(self.guest)
        src = os.path.dirname(guest_manifest)
        with open(guest_manifest) as f:
            ini = f.read()
        for name in re.findall(r"^(?:Kernel|Initrd)=(.*)$", ini, re.M):
            shutil.copy(os.path.join(src, name), os.path.join(self.guest, name))
        ini = re.sub(r"^Cmdline=(.*)$", r"Cmdline=\1 corral.test-root", ini, flags=re.M)
        self.manifest = os.path.join(self.guest, "guest.ini")
        with open(self.manifest, "w") as f:
            f.write(ini)
        if user is not None:
            pw = pwd.getpwnam(user)
            for root, dirs, files in os.walk(top):
                for n in [root] + [os.path.join(root, d) for d in dirs] + [os.path.join(root, f) for f in files]:
                    os.chown(n, pw.pw_uid, pw.pw_gid)

    def start(self, network):
        master, slave = pty.openpty()
        argv = [corral, "--terminal", "--guest", self.manifest, "--shell",
                "--network", network, "--memory", "256", "--cores", "1", self.project]
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", "env", "-i",
                    *[f"{k}={v}" for k, v in self.env.items()], *argv]
        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                env=self.env, start_new_session=True, cwd="/")
        os.close(slave)
        return proc, Terminal(master)


def corral_pid(proc):
    """The corral process (under runuser for the ordinary user)."""
    for _ in range(100):
        for p in [proc.pid] + descendants(proc.pid):
            if comm(p) == "corral":
                return p
        time.sleep(0.1)
    return None


def find(pid, prefix):
    return [p for p in descendants(pid) if (comm(p) or "").startswith(prefix)]


def find_program(pid, name):
    """Descendants run as @name (passt and pasta both show up as
    passt.avx2 in comm: passt re-executes itself)."""
    found = []
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if os.path.basename(argv0) == name:
            found.append(p)
    return found


def inspect_qemu(who, s, qemu, network):
    """What QEMU can see and do, read from /proc on the host."""
    host_net = os.readlink("/proc/self/ns/net")
    allowed = {"/", "/usr", "/etc/ld.so.cache", "/etc/localtime", "/proc", "/dev",
               "/tmp", "/var/tmp", "/run/corral/jail-helper", s.project,
               os.path.join(s.guest, "vmlinux"), os.path.join(s.guest, "initrd.cpio")}
    if network == "full":
        allowed.add("/etc/resolv.conf")
    run_dir = os.path.join(s.env["XDG_RUNTIME_DIR"], "corral")
    state_dir = os.path.join(s.env["XDG_STATE_HOME"], "corral", "projects")
    extra = []
    with open(f"/proc/{qemu}/mountinfo") as f:
        for line in f:
            point = unescape(line.split()[4])
            if point in allowed or point.startswith("/proc/") or point.startswith("/dev/"):
                continue
            if point.startswith(run_dir + "/") and point.endswith("/meta"):
                continue
            # Corral's proxy, for the relay in the same view (QEMU itself
            # may not make a Unix socket: test-breakout.py).
            if point.startswith(run_dir + "/") and point.endswith("/proxy.sock") and network != "off":
                continue
            if point.startswith(state_dir + "/"):
                continue
            extra.append(point)
    check(f"{who}: QEMU's mounts are only the allowed paths ({network})", not extra, repr(extra))

    root = f"/proc/{qemu}/root"
    check(f"{who}: the project is in QEMU's view", os.path.isdir(root + s.project))
    check(f"{who}: ~/.ssh's marker is not in QEMU's view",
          not os.path.exists(root + os.path.join(s.home, ".ssh", "id_marker")))
    check(f"{who}: the home folder is not in QEMU's view", not os.path.exists(root + s.home))
    check(f"{who}: another project is not in QEMU's view",
          not os.path.exists(root + os.path.join(s.other, "marker")))

    check(f"{who}: QEMU's network namespace is not the host's",
          os.readlink(f"/proc/{qemu}/ns/net") != host_net)
    with open(f"/proc/{qemu}/net/dev") as f:
        ifaces = [l.split(":")[0].strip() for l in f.readlines()[2:]]
    check(f"{who}: QEMU's network namespace holds only lo", ifaces == ["lo"], repr(ifaces))

    st = status_fields(qemu)
    check(f"{who}: QEMU has no capability, no way to gain one, and seccomp",
          st["CapEff"] == "0" * 16 and st["CapPrm"] == "0" * 16 and st["CapBnd"] == "0" * 16
          and st["NoNewPrivs"] == "1" and st["Seccomp"] == "2", repr(st))
    uid = os.getuid() if s.user is None else pwd.getpwnam(s.user).pw_uid
    check(f"{who}: QEMU runs as the user", st["Uid"].split()[0] == str(uid), st["Uid"])


def guest_network_full(who, term, addr, host_port, lo_port):
    out = term.run("ip -4 addr show eth0")
    check(f"{who}: the guest got 10.0.2.15 by DHCP (full)", "10.0.2.15/24" in out, out)
    req = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 8 nc"
    out = term.run(f"{req} {addr} {host_port}")
    check(f"{who}: the guest fetches a page from the host's own address", "HOST-PAGE-OK" in out, out)
    out = term.run(f"{req} 10.0.2.2 {lo_port}")
    check(f"{who}: the host's loopback is not behind the gateway", "LOOPBACK-SECRET" not in out, out)
    out = term.run(f"{req} {addr} {lo_port}")
    check(f"{who}: nor behind the host's address", "LOOPBACK-SECRET" not in out, out)
    # Root in the guest routes 127.0.0.1 out of its network card: passt in
    # the host's namespace would connect to the host's loopback.
    term.run("ip route del local 127.0.0.0/8 table local; ip addr flush dev lo; "
             "echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet; "
             "echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet; "
             "ip route add 127.0.0.0/8 via 10.0.2.2 dev eth0")
    out = term.run(f"{req} 127.0.0.1 {lo_port}")
    check(f"{who}: nor 127.0.0.1 routed out of the guest's network card",
          "LOOPBACK-SECRET" not in out, out)


def guest_plants(who, s, term):
    """Finding 14: no setuid/setgid file, no device node, no other owner."""
    out = term.run("mkdir -p /project/plant && cd /project/plant && "
                   "echo x > suid && chmod 4755 suid; echo x > sgid && chmod 2755 sgid; "
                   "mkdir sgdir && chmod 2775 sgdir; echo x > owned && chown 1234:1234 owned; "
                   "mknod cdev c 1 3; mknod bdev b 7 0; cp -a suid suidcopy; cd /project")
    bad = []
    plant = os.path.join(s.project, "plant")
    for name in sorted(os.listdir(plant)):
        st = os.lstat(os.path.join(plant, name))
        if st.st_mode & (stat.S_ISUID | stat.S_ISGID) or stat.S_ISCHR(st.st_mode) or \
           stat.S_ISBLK(st.st_mode) or st.st_uid == 1234:
            bad.append(f"{name} {stat.filemode(st.st_mode)} {st.st_uid}")
    check(f"{who}: the guest planted no setuid/setgid file, device node or foreign owner",
          not bad and os.path.exists(os.path.join(plant, "suid")), f"{bad} {out}")


def finish_run(proc, term):
    """Whatever happened, nothing of this run stays (corral runs under
    runuser for the ordinary user: kill corral itself too)."""
    for p in [proc.pid] + descendants(proc.pid):
        if comm(p) == "corral":
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    os.close(term.master)


def run_user(who, s, addr, host_port, lo_port):
    # Full network: everything checked from both sides, then SIGKILL.
    proc, term = s.start("full")
    try:
        if not check(f"{who}: the guest boots (full network)", term.expect(b"CORRAL-GUEST-READY"),
                     term.text[-800:]):
            return
        term.expect(b"/project", 60)
        pid = corral_pid(proc)
        qemu = find(pid, "qemu")
        check(f"{who}: one QEMU", len(qemu) == 1, repr(qemu))
        passt, pasta = find_program(pid, "passt"), find_program(pid, "pasta")
        check(f"{who}: passt and pasta run beside it, each in a network namespace not the host's",
              len(passt) == 1 and len(pasta) == 1 and
              os.readlink(f"/proc/{passt[0]}/ns/net") != os.readlink("/proc/self/ns/net"),
              f"passt {passt} pasta {pasta}")
        if qemu:
            inspect_qemu(who, s, qemu[0], "full")
        guest_plants(who, s, term)
        if addr:
            guest_network_full(who, term, addr, host_port, lo_port)
        else:
            skip(f"{who}: the guest's network", "this host has no non-loopback address")
        jail = descendants(pid)
        os.kill(pid, signal.SIGKILL)
        end = time.monotonic() + 30
        while time.monotonic() < end and any(alive(p) for p in jail):
            time.sleep(0.2)
        left = [f"{p} {comm(p)}" for p in jail if alive(p)]
        check(f"{who}: SIGKILL of corral leaves no bwrap, QEMU, passt or pasta", not left, repr(left))
    finally:
        finish_run(proc, term)

    # The allowlist: no way out at all, passt still outside QEMU.
    proc, term = s.start("allowlist")
    try:
        if not check(f"{who}: the guest boots (allowlist)", term.expect(b"CORRAL-GUEST-READY"),
                     term.text[-800:]):
            return
        term.expect(b"/project", 60)
        pid = corral_pid(proc)
        qemu = find(pid, "qemu")
        if qemu:
            inspect_qemu(who, s, qemu[0], "allowlist")
        out = term.run("ip -4 addr show eth0")
        check(f"{who}: the guest got 10.0.2.15 by DHCP (allowlist)", "10.0.2.15/24" in out, out)
        if addr:
            out = term.run(f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc {addr} {host_port}")
            check(f"{who}: with the allowlist the host's address does not answer",
                  "HOST-PAGE-OK" not in out, out)
        out = term.run("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc 10.0.2.2 "
                       f"{lo_port}")
        check(f"{who}: nor the host's loopback", "LOOPBACK-SECRET" not in out, out)
        term.run("poweroff -f 2>/dev/null || /bin/corral-poweroff", timeout=5)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            pass
        check(f"{who}: corral ends with its guest", proc.poll() is not None)
    finally:
        finish_run(proc, term)


def main():
    addr = host_address()
    host_server, host_port = serve(addr or "127.0.0.1", b"HOST-PAGE-OK\n")
    lo_server, lo_port = serve("127.0.0.1", b"LOOPBACK-SECRET\n")
    tops = []
    user = None
    tun_mode = None
    try:
        top = tempfile.mkdtemp(prefix="corral-containment-")
        tops.append(top)
        run_user("this user", Setup(top, None), addr, host_port, lo_port)

        if os.getuid() == 0:
            user = f"corralt{os.getpid() % 100000}"
            subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/false", user], check=True)
            # Full network needs /dev/net/tun, which udev makes 0666 on a
            # desktop; a machine without udev may have it root's only.
            mode = stat.S_IMODE(os.stat("/dev/net/tun").st_mode)
            if mode & 0o006 != 0o006:
                tun_mode = mode
                os.chmod("/dev/net/tun", 0o666)
            top = tempfile.mkdtemp(prefix="corral-containment-user-")
            os.chmod(top, 0o755)
            tops.append(top)
            run_user(f"ordinary user {user}", Setup(top, user), addr, host_port, lo_port)
        else:
            skip("an ordinary user", "not root: this run was the ordinary user's")
    finally:
        if tun_mode is not None:
            os.chmod("/dev/net/tun", tun_mode)
        if user is not None:
            # (userdel refuses while a process of the user runs: a failed
            # run's are being killed.)
            for _ in range(20):
                if subprocess.run(["userdel", user], stderr=subprocess.DEVNULL).returncode != 8:
                    break
                time.sleep(0.5)
        for top in tops:
            shutil.rmtree(top, ignore_errors=True)
        host_server.shutdown()
        lo_server.shutdown()

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
