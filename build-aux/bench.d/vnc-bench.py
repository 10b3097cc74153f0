#!/usr/bin/env python3
# CPU per display update: Corral's VNC view against gvncviewer, fed the same
# stream by the same synthetic VNC server. Run by build-aux/bench inside a
# private Xvfb (tests/util/gui-wrapper.sh). Not a pass/fail test: it prints
# medians and ratios.
#
# The server speaks RFB 3.8 without authentication on a Unix socket, in
# QEMU's native pixel format (32 bpp, depth 24, xRGB little endian), raw
# encoding only, and sends an update only when the client asked for one,
# at most RATE a second: a client that keeps up sees exactly the same
# updates. CPU is the client process's user+system time (/proc/PID/stat)
# over MEASURED updates after WARMUP ones; the X server's work is not
# counted for either client. Prints build-aux/bench's JSON result lines;
# BENCH_RENDERER_LABEL names the renderer asked for in the table.
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import REPEATS, emit, log, paired

W, H = 1920, 1080
RATE = 30
WARMUP = 20
MEASURED = int(os.environ.get("BENCH_UPDATES", "150"))
TICK = os.sysconf("SC_CLK_TCK")

NATIVE = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)


def frame(seed):
    """A full 1920x1080 frame that differs everywhere from other seeds."""
    rows = []
    for y in range(H):
        v = (y * 7 + seed * 85) & 0xFF
        px = bytes(((v + seed * 40) & 0xFF, v, (255 - v) & 0xFF, 0))
        rows.append(px * W)
    return b"".join(rows)


def block(seed):
    v = (seed * 97) & 0xFF
    return bytes((v, 255 - v, (v * 3) & 0xFF, 0)) * (64 * 64)


FRAMES = [frame(0), frame(1)]
BLOCKS = [block(i) for i in range(4)]


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


class Server(threading.Thread):
    def __init__(self, listener, scenario):
        super().__init__(daemon=True)
        self.listener = listener
        self.scenario = scenario
        self.sent = 0
        self.mark = {}          # update count -> time a request for it came
        self.done = threading.Event()
        self.format_ok = True

    def update(self, sock, n):
        if self.scenario == "full":
            rect = (0, 0, W, H, FRAMES[n % 2])
        else:
            cols, rows = W // 64, H // 64
            i = (n * 37) % (cols * rows)
            rect = ((i % cols) * 64, (i // cols) * 64, 64, 64, BLOCKS[n % 4])
        x, y, w, h, data = rect
        sock.sendall(struct.pack(">BxHHHHHi", 0, 1, x, y, w, h, 0) + data)

    def run(self):
        sock, _ = self.listener.accept()
        sock.sendall(b"RFB 003.008\n")
        recv_exact(sock, 12)
        sock.sendall(bytes((1, 1)))            # one security type: None
        recv_exact(sock, 1)
        sock.sendall(struct.pack(">I", 0))
        recv_exact(sock, 1)                    # ClientInit
        name = b"corral-bench"
        sock.sendall(struct.pack(">HH", W, H) + NATIVE + struct.pack(">I", len(name)) + name)
        next_time = time.monotonic()
        try:
            while True:
                t = recv_exact(sock, 1)[0]
                if t == 0:                     # SetPixelFormat
                    fmt = recv_exact(sock, 19)[3:]
                    if fmt != NATIVE:
                        self.format_ok = False
                elif t == 2:                   # SetEncodings
                    n = struct.unpack(">xH", recv_exact(sock, 3))[0]
                    recv_exact(sock, 4 * n)
                elif t == 3:                   # FramebufferUpdateRequest
                    incremental = recv_exact(sock, 9)[0]
                    if not incremental:
                        sock.sendall(struct.pack(">BxHHHHHi", 0, 1, 0, 0, W, H, 0) + FRAMES[1])
                        continue
                    self.mark.setdefault(self.sent, time.monotonic())
                    if self.sent >= WARMUP + MEASURED:
                        self.done.set()
                        continue
                    next_time = max(next_time + 1.0 / RATE, time.monotonic())
                    time.sleep(max(0.0, next_time - time.monotonic()))
                    self.update(sock, self.sent)
                    self.sent += 1
                elif t == 4:
                    recv_exact(sock, 7)
                elif t == 5:
                    recv_exact(sock, 5)
                elif t == 6:
                    n = struct.unpack(">3xI", recv_exact(sock, 7))[0]
                    recv_exact(sock, n)
                else:
                    raise RuntimeError(f"unexpected client message {t}")
        except (EOFError, ConnectionError):
            pass


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def run_once(client, scenario, corral_client):
    """One client on a fresh server: CPU seconds per update, updates/s."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vnc.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        server = Server(listener, scenario)
        server.start()
        if client == "corral":
            argv = [corral_client, path, str(W), str(H)]
        elif client == "receive":
            argv = [corral_client, path]
        else:
            argv = ["gvncviewer", path]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 120
            while WARMUP not in server.mark:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{client} did not start receiving updates")
                time.sleep(0.005)
            cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
            if not server.done.wait(300):
                raise RuntimeError(f"{client} stalled")
            # The request after the last update: the client has drawn it.
            cpu1, t1 = cpu_seconds(proc.pid), time.monotonic()
        finally:
            proc.terminate()
            err = proc.communicate()[1]
            listener.close()
        if client == "corral":
            # The bench client says which renderer GTK gave it.
            for line in err.splitlines():
                if line.startswith("renderer: "):
                    RENDERERS.add(line.split(": ", 1)[1])
        if not server.format_ok:
            log(f"  note: {client} asked for another pixel format")
        return (cpu1 - cpu0) / MEASURED, MEASURED / (t1 - t0)


RENDERERS = set()
RENDERER_NAMES = {"GskCairoRenderer": "cairo", "GskGLRenderer": "GL", "GskNglRenderer": "GL"}


def main():
    corral_client = sys.argv[1]
    # The receive path alone (vnc-bench-receive), given once: it draws
    # nothing, so no renderer changes it.
    receive_client = sys.argv[2] if len(sys.argv) > 2 else None
    label = os.environ.get("BENCH_RENDERER_LABEL", os.environ.get("GSK_RENDERER", "default"))
    for scenario, what, goal in (("full", f"{W}×{H} full frame", "≤ 1 (then ≤ 0.5)"),
                                 ("64x64", "64×64 block", None)):
        log(f"  P3 {scenario}, {label}")
        rates = {"corral": [], "gvncviewer": [], "receive": []}
        floor = receive_client is not None and scenario == "full"

        def one(client, path=corral_client):
            cpu, rate = run_once(client, scenario, path)
            rates[client].append(rate)
            return round(cpu * 1000, 3)

        def ours():
            drawn = one("corral")
            return (drawn, one("receive", receive_client)) if floor else drawn

        results, peer = paired(REPEATS, ours, lambda: one("gvncviewer"))
        corral = [r[0] for r in results] if floor else results
        got = ", ".join(sorted(RENDERER_NAMES.get(r, r) for r in RENDERERS)) or "?"
        RENDERERS.clear()
        note = (f"GTK renderer {got}; updates/s reached: Corral "
                f"{statistics.median(rates['corral']):.0f}, gvncviewer "
                f"{statistics.median(rates['gvncviewer']):.0f}, offered {RATE}")
        emit("P3", f"display: CPU per update, {what}, {label}", "ms", corral,
             "gvncviewer", peer, goal=goal, note=note)
        if floor:
            emit("P3", f"display: CPU per update, {what}, receiving only (no drawing)", "ms",
                 [r[1] for r in results], "gvncviewer", peer,
                 note="Corral's socket read and gvnc's decode into the framebuffer, "
                      "with nothing drawn: what is left of a frame's CPU for drawing it "
                      "is the row above minus this one")


if __name__ == "__main__":
    main()
