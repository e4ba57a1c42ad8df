"""Stand-ins for the outside world the delivery workers talk to: an SMTP server and a
push provider, both real servers on loopback that count what they accept."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["LocalProviders"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalProviders:
    """An aiosmtpd server and an HTTP push endpoint; ``received`` counts per channel."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.smtp_port, self.push_port = _free_port(), _free_port()
        self._smtp: Any = None
        self._http: ThreadingHTTPServer | None = None

    def _count(self, channel: str) -> None:
        with self._lock:
            self.received[channel] += 1

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        providers = self

        class Mailbox:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                providers._count("email")
                return "250 OK"

        class Push(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                providers._count("push")
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"accepted": true}')

            def log_message(self, *args: Any) -> None:
                pass

        self._smtp = Controller(Mailbox(), hostname="127.0.0.1", port=self.smtp_port)
        self._smtp.start()
        self._http = ThreadingHTTPServer(("127.0.0.1", self.push_port), Push)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def environ(self) -> dict[str, str]:
        """What the delivery workers need to reach these servers."""
        return {
            "CLARION_DELIVERY__SMTP_HOST": "127.0.0.1",
            "CLARION_DELIVERY__SMTP_PORT": str(self.smtp_port),
            "CLARION_DELIVERY__PUSH_ENDPOINT": f"http://127.0.0.1:{self.push_port}/v1/send",
        }

    def stop(self) -> None:
        if self._smtp is not None:
            self._smtp.stop()
        if self._http is not None:
            self._http.shutdown()
