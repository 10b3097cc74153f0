#!/usr/bin/env python3
"""A loopback HTTP server for the guest download tests (never used by Corral).

guest-http-server.py DIR: serves DIR on 127.0.0.1 on a free port, prints
"PORT <n>" on stdout, and runs until stdin closes (the test ends). The
first path element says how each file is served:

  /ok/NAME       the file
  /corrupt/NAME  a .gz file with one byte changed in the middle (other
                 files as they are: the damage is found late, in a
                 compressed file, after others were written)
  /drop/NAME     a file over 1 MiB: the right headers (full
                 Content-Length), then half the file, then the connection
                 is closed (smaller files as they are)
  /slow/NAME     the file in 64 KiB pieces, 50 ms apart (for cancelling)
"""
import http.server
import os
import socketserver
import sys
import threading
import time

root = os.path.abspath(sys.argv[1])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("guest-http-server: " + (fmt % args) + "\n")

    def do_GET(self):
        parts = self.path.split("/")
        if len(parts) != 3 or parts[2] in ("", ".", ".."):
            self.send_error(404)
            return
        mode, name = parts[1], parts[2]
        path = os.path.join(root, name)
        if mode not in ("ok", "corrupt", "drop", "slow") or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = bytearray(f.read())
        if mode == "corrupt" and name.endswith(".gz"):
            data[len(data) // 2] ^= 0xFF
        if mode == "drop" and len(data) <= 1 << 20:
            mode = "ok"
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            if mode == "drop":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if mode == "slow":
                for i in range(0, len(data), 65536):
                    self.wfile.write(data[i:i + 65536])
                    self.wfile.flush()
                    time.sleep(0.05)
                return
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
# The test holds our stdin: when it ends (or dies), so do we.
sys.stdin.read()
server.shutdown()
