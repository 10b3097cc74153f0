#!/usr/bin/env python3
"""Slow: the Debian guest (build-aux/build-guest) booted under software
emulation with the QEMU command Corral builds, checked against the guest
contract: a shell prompt on the agent console in the project at the host's
path, `claude --version`, Chromium's window on the display, a clean
power-off. Run by `build-aux/test --full` (which builds the guest). TAP.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guestboot import GuestRun, TapReport, screendump_stats  # noqa: E402

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
corral = os.environ.get("CORRAL_BIN")
manifest = os.environ.get("CORRAL_DEBIAN_GUEST") or subprocess.run(
    [os.path.join(top, "build-aux", "build-guest"), "--print-manifest"],
    capture_output=True, text=True).stdout.strip()
t = TapReport()
if not corral or not os.path.exists(manifest):
    t.check("the Debian guest is built (build-aux/build-guest)", False, f"no {manifest}")
    sys.exit(t.finish())

PROMPT = r"\w+@sandbox:([^\r\n]*?)[#$] $"
BOOT = 420      # s to the agent console's prompt (measured 25-150 s here, load-dependent)
BROWSER = 600   # s from power-on to Chromium's window on the display

# Boot 1: a shell as the entrypoint (corral --shell).
g = GuestRun(corral, manifest, shell=True, memory=3072, clipboard=True)
try:
    with open(os.path.join(g.project, "from-host.txt"), "w") as fh:
        fh.write("hello debian\n")
    g.start()
    m = g.agent.expect(PROMPT.encode(), BOOT)
    t.check("the agent console reaches a shell prompt", m, g.agent.text()[-3000:] + g.qemu_stderr())
    if not m:
        sys.exit(t.finish())
    t.note(f"agent console prompt after {g.elapsed():.0f} s")
    pwd = g.agent.run("pwd", 60)
    t.check("in the project, at the host's path", pwd and pwd.strip() == g.project, pwd)
    cat = g.agent.run("cat from-host.txt", 60)
    t.check("the host's files are there", cat and "hello debian" in cat, cat)
    ver = g.agent.run("claude --version", 120)
    t.check("claude --version runs", ver and re.search(r"\d+\.\d+\.\d+ \(Claude Code\)", ver), ver)
    t.note(f"claude --version: {ver.strip() if ver else None}")
    ids = g.agent.run('id -u; id -g; echo "$USER"', 60)
    t.check("the user is sandbox with the host user's uid and gid",
            ids and ids.split() == [str(os.getuid()), str(os.getgid()), "sandbox"], ids)
    g.agent.run("echo made-in-debian > from-guest.txt", 60)
    path = os.path.join(g.project, "from-guest.txt")
    ok = os.path.exists(path) and open(path).read().strip() == "made-in-debian"
    t.check("a file written in the guest appears in the project on the host, owned by the host user",
            ok and (os.stat(path).st_uid, os.stat(path).st_gid) == (os.getuid(), os.getgid()))
    size = g.agent.run("stty size", 60)
    # The agent console is the virtio-serial port (AgentConsole=virtio): the
    # shell's relay holds the port, ttyS0 is no login.
    port = g.agent.run("readlink /proc/$PPID/fd/0; tty; cat /sys/class/virtio-ports/*/name | sort | tr '\\n' ' '", 60)
    t.check("the agent console is the virtio-serial port io.github.corral.agent.0, relayed to a pseudo-terminal",
            port and re.search(r"^/dev/vport\d+p\d+\n/dev/pts/\d+\n.*io\.github\.corral\.agent\.0", port),
            port)
    t.check("the console learnt the terminal's size at login (50 160)", size and size.strip() == "50 160", size)
    g.agent.settle()
    g.agent.rows, g.agent.cols = 40, 120  # the terminal's size, told by the host itself
    g.agent.send("\x1b[8;40;120t")
    size = g.agent.run("stty size", 60)
    t.check("a size notice from the host resizes the console (40 120)", size and size.strip() == "40 120", size)
    g.agent.rows, g.agent.cols = 45, 110  # as VTE does when its window resizes
    time.sleep(4)
    size = g.agent.run("stty size", 60)
    t.check("the console follows the terminal's size while running (45 110)", size and size.strip() == "45 110", size)
    home = g.agent.run('echo "$HOME"; readlink ~/.local; touch ~/.local/probe && echo LOCAL-OK', 60)
    t.check("HOME is the host's home path", home and home.split()[0] == g.home, home)
    t.check("~/.local persists in the project's state dir",
            home and "LOCAL-OK" in home and g.state and os.path.exists(os.path.join(g.state, "local", "probe")),
            (home, g.state))
    env = g.agent.run('echo "lang=$LANG display=$DISPLAY"', 60)
    t.check("metadata at login: LANG; DISPLAY for the agent", env and "lang=C.UTF-8 display=:0" in env, env)
    pol = g.agent.run("grep -rh fcoeoabgfenejglbffodgkkbkcdhcgfn /etc/chromium/policies/managed/", 60)
    t.check("Chromium's managed policy forces Claude in Chrome", pol and "fcoeoabgfenejglbffodgkkbkcdhcgfn" in pol, pol)
    failed = g.agent.run("systemctl --failed --no-legend --plain | cat", 60)
    t.check("no failed units", failed is not None and failed.strip() == "", failed)

    g.enter.send("\r")
    m = g.enter.expect(PROMPT.encode(), 120)
    # The shell runs on the relay's pseudo-terminal; the relay is on ttyS1.
    who = g.enter.run('readlink /proc/$PPID/fd/0; echo "$USER"; pwd', 60) if m else None
    t.check("second console (ttyS1): a shell as sandbox in the project, not the entrypoint",
            who and who.split("\n")[:3] == ["/dev/ttyS1", "sandbox", g.project], (who, g.enter.text()[-800:]))

    # Chromium's window on the display: the X root stays black, so a mostly
    # lit screen is the browser; the X server confirms the window.
    stats, win = None, None
    while g.elapsed() < BROWSER:
        stats = screendump_stats(g.qmp, os.path.join(g.tmp, "screen.ppm"))
        if stats and stats[2] > 0.5:
            win = g.agent.run("xwininfo -root -tree | grep -i '\"chromium\" \"Chromium\"' | head -3", 60)
            if win and "Chromium" in win:
                break
        time.sleep(10)
    t.note(f"display {stats} after {g.elapsed():.0f} s")
    t.check("Chromium's window shows on the display (non-black pixels)", stats and stats[2] > 0.5, stats)
    t.check("the X server has Chromium's window", win and "Chromium" in win, win)
    # The agent's sign-in page: a link the agent opens ($BROWSER, as
    # Claude Code does when it has no key) shows in that Chromium.
    with open(os.path.join(g.project, "signin.html"), "w") as fh:
        fh.write("<title>CORRAL-SIGNIN-PAGE</title><h1>Sign in</h1>\n")
    opened = g.agent.run('cp signin.html /tmp/ && "$BROWSER" file:///tmp/signin.html; echo rc=$?', 60)
    page = None
    for _ in range(24):
        page = g.agent.run("xwininfo -root -tree | grep -o 'CORRAL-SIGNIN-PAGE[^\"]*' | head -1", 60)
        if page and "CORRAL-SIGNIN-PAGE" in page:
            break
        time.sleep(5)
    t.check("a page the agent opens ($BROWSER: its sign-in) shows in Chromium on the display",
            opened and "rc=0" in opened and page and "CORRAL-SIGNIN-PAGE" in page, (opened, page))
    try:
        with open(f"/proc/{g.proc.pid}/status") as fh:
            t.note("QEMU " + next(l.strip() for l in fh if l.startswith("VmRSS")))
    except (OSError, StopIteration):
        pass

    # The display's clipboard, both ways, over Corral's channel.
    text = "copied on the host \u2713".encode()
    g.clipboard.sendall(b"TEXT %d\n" % len(text) + text)
    got = None
    # The session's helper may still be starting on a loaded host.
    for _ in range(60):
        time.sleep(2)
        got = g.agent.run("xclip -selection clipboard -o; echo", 60)
        if got and "copied on the host" in got:
            break
    t.check("host clipboard text reaches the guest's X clipboard", got and "copied on the host \u2713" in got, got)
    g.agent.run("printf 'copied in the guest' | xclip -selection clipboard -i", 60)
    g.clipboard.settimeout(90)
    frame = b""
    try:
        while b"copied in the guest" not in frame:
            data = g.clipboard.recv(4096)
            if not data:
                break
            frame += data
    except OSError:
        pass
    t.check("guest clipboard text reaches the host as a frame",
            b"TEXT 19\ncopied in the guest" in frame, frame)

    # A shell sitting in the state share while Chromium keeps its profile
    # there: power-off must still unmount it without a [FAILED] line.
    g.agent.run("cd /mnt/state", 60)
    marks = g.marks()
    exited, secs, events = g.powerdown(120)
    t.note(f"power-down took {secs:.0f} s")
    shutdown = [e for e in events if e.get("event") == "SHUTDOWN"]
    t.check("ACPI power-down: the guest powers itself off cleanly", exited and shutdown and
            shutdown[0].get("data", {}).get("guest") is True, (events, g.console_text()[-1500:]))
    t.check("no [FAILED] line at power-off (the shares unmount after their users)",
            "FAILED" not in g.console_text(marks), g.console_text(marks)[-1500:])
    t.check("the power-off messages came (the boot console is read)",
            g.boot is None or g.boot.text(marks[1]).strip() != "", g.console_text(marks)[-1500:])
finally:
    g.close()

# Boot 2: the agent as the entrypoint, without network (so what claude does
# without an API key does not depend on this machine's route to Anthropic),
# with the agent session's channel (guest contract section 9), the host's
# end played here. A wrapper in the project named `claude` records each
# start and the arguments the guest gives it, then runs the real claude.
g = GuestRun(corral, manifest, memory=3072, network=False, session=True)
try:
    wrapper = os.path.join(g.project, "claude")
    with open(wrapper, "w") as fh:
        fh.write('#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/claude-args.txt"\n'
                 'echo run >> "$(dirname "$0")/claude-runs.txt"\n'
                 'exec /usr/local/bin/claude "$@"\n')
    os.chmod(wrapper, 0o755)
    with open(os.path.join(g.meta, "entrypoint"), "w") as fh:
        fh.write(f"'{wrapper}' --model sonnet\n")
    g.start()
    s = g.session
    args_path = os.path.join(g.project, "claude-args.txt")
    runs_path = os.path.join(g.project, "claude-runs.txt")
    while not os.path.exists(args_path) and g.elapsed() < BOOT and g.proc.poll() is None:
        time.sleep(2)
    time.sleep(1)
    args = open(args_path).read() if os.path.exists(args_path) else ""
    t.check("the agent entrypoint runs with the profile's arguments", "--model\nsonnet" in args,
            (args, g.agent.text()[-2000:]))
    t.note(f"agent started after {g.elapsed():.0f} s")
    t.check("the agent is told it runs in Corral's sandbox and what persists",
            "--append-system-prompt" in args and "Corral's sandbox" in args and g.project in args, args)
    t.check("the session helper says HELLO and the agent's start",
            s.expect("HELLO 3", 60) and s.expect("STARTED entrypoint", 60), s.lines)
    start = g.agent.mark()
    m = g.agent.expect(rb"(?i)(welcome|claude code|anthropic|connect|api key|theme)", 300, start)
    t.check("claude draws on the agent console", m, g.agent.text(start)[-2000:])

    def quit_claude(mark):
        """Ctrl+C until the guest reports the end (claude quits on two)."""
        end = time.monotonic() + 180
        while time.monotonic() < end:
            g.agent.send("\x03")
            line = s.expect("EXIT", 3, mark) or s.expect("SIGNAL", 0, mark)
            if line:
                return line
        return None

    ended = quit_claude(s.mark())
    t.note(f"the agent's end: {ended}")
    t.check("when the agent exits, the guest says how", ended, (s.lines, g.agent.text()[-1500:]))
    time.sleep(5)
    t.check("and keeps running, waiting for the host", g.proc.poll() is None)

    # Restart brings the agent back: the same command, in the same guest.
    mark, amark = s.mark(), g.agent.mark()
    s.send("RESTART")
    t.check("RESTART starts the agent again", s.expect("STARTED entrypoint", 60, mark), s.lines[mark:])
    m = g.agent.expect(rb"(?i)(welcome|claude code|anthropic|connect|api key|theme)", 300, amark)
    t.check("claude draws on the agent console again", m, g.agent.text(amark)[-2000:])
    runs = open(runs_path).read() if os.path.exists(runs_path) else ""
    t.check("a second run, with the same arguments",
            runs == "run\nrun\n" and "--model\nsonnet" in open(args_path).read(), runs)
    quit_claude(mark)

    # Open Shell: a shell on the agent console; its end is reported too.
    mark, amark = s.mark(), g.agent.mark()
    s.send("SHELL")
    t.check("SHELL starts a shell on the agent console", s.expect("STARTED shell", 60, mark), s.lines[mark:])
    g.agent.expect(PROMPT.encode(), 120, amark)
    out = g.agent.run("echo shell-$((6*7)); pwd", 60)
    t.check("the shell answers, in the project", out and "shell-42" in out and g.project in out, out)
    # The size told over the channel (as Corral does on every resize): the
    # relay applies it and stops asking the terminal, so an idle agent
    # console costs the host nothing.
    s.send("SIZE 37 111")
    time.sleep(1)
    out = g.agent.run("stty size", 60)
    t.check("SIZE on the session channel resizes the agent's terminal (37 111)",
            out and out.strip() == "37 111", out)
    g.agent.settle()
    qmark = g.agent.mark()
    time.sleep(5)
    t.check("told, the relay stops asking the terminal (5 s idle, no CSI 18 t)",
            "\x1b[18t" not in g.agent.text(qmark), repr(g.agent.text(qmark)))
    # The second console's size, told on the same channel: the helper sets
    # it on ttyS1, its relay applies it and stops asking too.
    g.enter.send("\r")
    g.enter.expect(PROMPT.encode(), 120)
    s.send("SECOND-SIZE 29 101")
    time.sleep(1)
    out = g.enter.run("stty size", 60)
    t.check("SECOND-SIZE on the session channel resizes the second console's shell (29 101)",
            out and out.strip() == "29 101", (out, g.enter.text()[-800:]))
    g.enter.settle()
    qmark = g.enter.mark()
    time.sleep(5)
    t.check("told, the second console's relay stops asking too (5 s idle, no CSI 18 t)",
            "\x1b[18t" not in g.enter.text(qmark), repr(g.enter.text(qmark)))
    g.agent.send("exit 4\r")
    t.check("the shell's end is reported", s.expect("EXIT 4", 60, mark), s.lines[mark:])

    # Shut Down: the guest powers off, cleanly.
    marks = g.marks()
    s.send("POWEROFF")
    try:
        g.proc.wait(timeout=180)
    except Exception:
        pass
    t.check("POWEROFF powers the guest off", g.proc.poll() is not None, g.agent.text()[-1500:])
    t.check("no [FAILED] line at that power-off", "FAILED" not in g.console_text(marks),
            g.console_text(marks)[-1500:])
    t.check("only the contract's lines came on the session channel",
            all(re.fullmatch(r"(HELLO|EXIT|SIGNAL) \d+|STARTED (entrypoint|shell)", l) for l in s.lines),
            s.lines)
finally:
    g.close()

sys.exit(t.finish())
