"""Real local providers for the delivery tests: an HTTP endpoint and an SMTP server.

The HTTP receiver behaves like a provider that honours ``Idempotency-Key``: it keeps
every request it was sent, and the set of keys it accepted (a repeat is answered 200
but not accepted twice), so a test can tell "sent twice" from "delivered twice".
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["HttpReceiver", "SmtpReceiver", "free_port", "http_receiver", "smtp_receiver"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class HttpReceiver:
    url: str
    status: Callable[[int], int] = lambda _n: 200  # request number -> HTTP status
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    accepted: dict[str, int] = field(default_factory=dict)  # idempotency key -> request no.
    repeats: list[str] = field(default_factory=list)  # keys sent again after acceptance
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            n = len(self.requests)
            self.requests.append({"path": path, "headers": headers, "body": body})
            code = self.status(n)
            key = headers.get("idempotency-key", "")
            if 200 <= code < 300:
                if key in self.accepted:
                    self.repeats.append(key)  # dropped by the key, answered as before
                else:
                    self.accepted[key] = n
        return code, json.dumps({"name": f"projects/test/messages/{n}"}).encode()

    def keys_sent(self) -> list[str]:
        with self.lock:
            return [r["headers"].get("idempotency-key", "") for r in self.requests]


@contextmanager
def http_receiver(**kwargs: Any) -> Iterator[HttpReceiver]:
    port = free_port()
    receiver = HttpReceiver(url=f"http://127.0.0.1:{port}", **kwargs)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            code, answer = receiver.handle(self.path, headers, body)
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpReceiver:
    port: int
    messages: list[dict[str, Any]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes

        mail = message_from_bytes(envelope.content)
        self.messages.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "mail": mail}
        )
        return "250 OK"


@contextmanager
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver(port=free_port())
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()
