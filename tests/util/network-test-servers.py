#!/usr/bin/env python3
"""Test servers for the network proxy tests (never used by Corral itself).

network-test-servers.py WORKDIR: starts these, prints one line each, then
"READY", and runs until stdin closes (the test ends):

  ADDRESS <ip>     this computer's own non-loopback IPv4 address (where a
                   guest's allowed names are made to point)
  WEB <port>       HTTP/1.1 on ADDRESS: GET /echo answers with the request
                   head as received; GET /big?bytes=N sends N bytes; any
                   other path answers "hello from the web server"
  LOOPBACK <port>  the same on 127.0.0.1 only: must stay out of reach
  UDP <port>       on ADDRESS: each datagram is sent back, prefixed "echo:"
  API <port>       HTTPS on 127.0.0.1, a certificate for "localhost" and
                   127.0.0.1 from a test CA made here: a fake Claude API.
                   Each request's method, path, x-api-key and Authorization
                   go, one line each, to WORKDIR/api-requests.log. A POST
                   whose JSON names a "model" is answered as the Messages
                   API would (a streamed or whole message whose text is
                   "CORRAL-FAKE-API-ANSWER"); any other POST with a
                   text/event-stream of 3 events 0.4 s apart (chunked), so
                   streaming can be seen
  NPM <port>       on ADDRESS: an npm registry holding one package,
                   corral-test-pkg 1.0.0 (its tarball made here)
  CA <path>        the test CA's certificate (PEM)

The host's address comes from a UDP socket "connected" to a TEST-NET
address (no packet is sent); with no route out there is none, and the
line says "ADDRESS none".
"""
import base64
import hashlib
import http.server
import io
import json
import os
import tarfile
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time

workdir = os.path.abspath(sys.argv[1])
os.makedirs(workdir, exist_ok=True)
log_lock = threading.Lock()


def host_address():
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("192.0.2.123", 9))
        address = s.getsockname()[0]
        s.close()
        return None if address.startswith("127.") else address
    except OSError:
        return None


def make_certificates():
    ca_key, ca = os.path.join(workdir, "ca.key"), os.path.join(workdir, "ca.pem")
    key, csr, cert = (os.path.join(workdir, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(workdir, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    quiet = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca,
                    "-days", "3650", "-subj", "/CN=Corral test CA"], **quiet)
    subprocess.run(["openssl", "req", *ec, "-keyout", key, "-out", csr,
                    "-subj", "/CN=localhost"], **quiet)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                    "-CAcreateserial", "-out", cert, "-days", "3650", "-extfile", ext], **quiet)
    return ca, cert, key


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Web(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, body, content_type="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/echo":
            head = self.requestline + "\r\n" + str(self.headers)
            self.reply(head.encode("latin-1"))
        elif self.path.startswith("/big?bytes="):
            n = int(self.path.split("=", 1)[1])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            block = b"x" * 65536
            while n > 0:
                self.wfile.write(block[:min(n, len(block))])
                n -= min(n, len(block))
        else:
            self.reply(b"hello from the web server\n")


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def record(self, body):
        with log_lock, open(os.path.join(workdir, "api-requests.log"), "a") as f:
            f.write("%s %s x-api-key=%s authorization=%s host=%s body=%s\n" % (
                self.command, self.path, self.headers.get("x-api-key"),
                self.headers.get("authorization"), self.headers.get("host"),
                body.decode("utf-8", "replace")))

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def message(self, request):
        """A Messages API answer, as Claude Code expects one."""
        text = "CORRAL-FAKE-API-ANSWER"
        usage = {"input_tokens": 10, "output_tokens": 5}
        msg = {"id": "msg_corral_test", "type": "message", "role": "assistant",
               "model": request.get("model"), "content": [], "stop_reason": None,
               "stop_sequence": None, "usage": usage}
        if not request.get("stream"):
            msg.update(content=[{"type": "text", "text": text}], stop_reason="end_turn")
            body = json.dumps(msg).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        events = [
            ("message_start", {"type": "message_start", "message": msg}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": text}}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta", "usage": {"output_tokens": 5},
                               "delta": {"stop_reason": "end_turn", "stop_sequence": None}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for name, data in events:
            self.chunk(b"event: %s\ndata: %s\n\n" % (name.encode(), json.dumps(data).encode()))
        self.chunk(b"")

    def do_POST(self):
        body = self.read_body()
        self.record(body)
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if isinstance(request, dict) and "model" in request:
            self.message(request)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for i in range(3):
            self.chunk(b"event: ping\ndata: {\"n\": %d}\n\n" % i)
            if i < 2:
                time.sleep(0.4)
        self.chunk(b"")

    def do_GET(self):
        self.record(b"")
        body = b'{"data": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def npm_registry(address):
    """One package, as the npm registry serves it."""
    name, version = "corral-test-pkg", "1.0.0"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for fname, content in (("package/package.json",
                                json.dumps({"name": name, "version": version, "main": "index.js"})),
                               ("package/index.js", "module.exports = 'corral-test-pkg works';\n")):
            data = content.encode()
            info = tarfile.TarInfo(fname)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    tgz = buf.getvalue()
    shasum = hashlib.sha1(tgz).hexdigest()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()

    class Registry(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            with log_lock, open(os.path.join(workdir, "npm-requests.log"), "a") as f:
                f.write("%s %s\n" % (self.command, self.path))

        def send(self, body, content_type):
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            host = self.headers.get("Host", "")
            if self.path.rstrip("/") == "/" + name:
                tarball = f"http://{host}/{name}/-/{name}-{version}.tgz"
                doc = {"name": name, "dist-tags": {"latest": version},
                       "versions": {version: {"name": name, "version": version, "main": "index.js",
                                              "dist": {"tarball": tarball, "shasum": shasum,
                                                       "integrity": integrity}}}}
                self.send(json.dumps(doc).encode(), "application/json")
            elif self.path == f"/{name}/-/{name}-{version}.tgz":
                self.send(tgz, "application/octet-stream")
            else:
                self.send_error(404)

    return serve(Server((address, 0), Registry))


def udp_echo(address):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 0))

    def loop():
        while True:
            data, peer = sock.recvfrom(2048)
            sock.sendto(b"echo:" + data, peer)
    threading.Thread(target=loop, daemon=True).start()
    return sock.getsockname()[1]


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def main():
    address = host_address()
    print("ADDRESS", address or "none", flush=True)
    if address:
        print("WEB", serve(Server((address, 0), Web)), flush=True)
        print("UDP", udp_echo(address), flush=True)
        print("NPM", npm_registry(address), flush=True)
    print("LOOPBACK", serve(Server(("127.0.0.1", 0), Web)), flush=True)

    ca, cert, key = make_certificates()
    api = Server(("127.0.0.1", 0), Api)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    api.socket = context.wrap_socket(api.socket, server_side=True)
    print("API", serve(api), flush=True)
    print("CA", ca, flush=True)
    print("READY", flush=True)
    sys.stdin.read()


main()
