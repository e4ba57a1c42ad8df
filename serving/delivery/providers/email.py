"""E-mail delivery over SMTP (smtplib), one connection kept open between sends.

``Message-ID`` is ``<notification_id@clarion>``: the same on every retry, so a
relay or mailbox that deduplicates by Message-ID keeps one copy (docs/adr/0010).
SMTP 4xx replies and lost connections are transient; 5xx replies and refused
recipients are permanent.
"""

from __future__ import annotations

import contextlib
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime

from serving.delivery.exceptions import PermanentDeliveryError, TransientDeliveryError
from serving.delivery.providers.base import DeliveryProvider
from serving.outbound import OutboundMessage

__all__ = ["EmailProvider", "build_email", "message_id"]


def message_id(notification_id: str) -> str:
    """The RFC 5322 Message-ID of a notification: stable across retries."""
    return f"<{notification_id}@clarion>"


def build_email(message: OutboundMessage, *, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject or ""
    mail["Message-ID"] = message_id(message.notification_id)
    mail["Date"] = format_datetime(message.decided_at)
    mail["X-Clarion-Notification-Id"] = message.notification_id
    mail.set_content(message.body)
    return mail


class EmailProvider(DeliveryProvider):
    name = "smtp"
    channel = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password = username, password
        self._starttls, self._timeout = starttls, timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        conn = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        if self._starttls:
            conn.starttls()
        if self._username:
            conn.login(self._username, self._password or "")
        return conn

    def send(self, message: OutboundMessage) -> str | None:
        if "@" not in message.address:
            raise PermanentDeliveryError(
                f"address {message.address!r} is not an e-mail address", reason="invalid_address"
            )
        mail = build_email(message, sender=self._sender)
        try:
            if self._conn is None:
                self._conn = self._connect()
            self._conn.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            self._drop()
            raise PermanentDeliveryError(
                f"SMTP refused {message.address}: {exc.recipients}", reason="recipient_refused"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            detail = f"SMTP {self._host}:{self._port} replied {exc.smtp_code} {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500:
                raise TransientDeliveryError(detail, reason=f"smtp_{exc.smtp_code}") from exc
            raise PermanentDeliveryError(detail, reason=f"smtp_{exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise TransientDeliveryError(
                f"SMTP {self._host}:{self._port}: {exc!r}", reason="network"
            ) from exc
        return message_id(message.notification_id)

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._conn.quit()
        self._drop()
