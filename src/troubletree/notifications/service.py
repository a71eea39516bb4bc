"""Queueing and delivering email.

`queue_email` writes the message and its delivery job inside the caller's transaction: if the
change rolls back, no mail goes out; if it commits, the mail is delivered even across a crash.
`deliver` runs in the job worker: SMTP when `SMTP_HOST` is set, otherwise the message (with its
link) goes to the server log (development). Once sent, the outbox row keeps the message with
its link's token or code blanked (`templates.redact`), in the statement that marks it sent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troubletree.core.clock import utcnow
from troubletree.core.config import Settings
from troubletree.notifications import repository
from troubletree.notifications.templates import Message, redact

logger = logging.getLogger(__name__)


async def queue_email(
    db: AsyncSession, *, to: str, message: Message, user_id: uuid.UUID | None = None
) -> int:
    email = await repository.add_email(
        db, user_id=user_id, kind=message.kind, to=to, subject=message.subject, body=message.body
    )
    await repository.defer_delivery(db, email.id)
    return email.id


async def queued_recently(db: AsyncSession, kind: str, to: str, seconds: int) -> bool:
    """Whether a mail of this kind was queued to this address in the last `seconds`."""
    latest = await repository.latest_sent_to(db, kind, to)
    return latest is not None and (utcnow() - latest.created_at).total_seconds() < seconds


async def queue_password_reset(
    db: AsyncSession, email: str, ip: str, user_agent: str | None
) -> None:
    """Queues the handling of a reset request: the job, not the request, looks the address up,
    so known and unknown addresses cost the request exactly the same."""
    await repository.defer_job(
        db,
        repository.EMAIL_QUEUE,
        repository.PASSWORD_RESET_TASK,
        {"email": email, "ip": ip, "user_agent": user_agent},
    )


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str


async def send_message(
    settings: Settings, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
) -> str:
    """Sends one message now: over SMTP when `SMTP_HOST` is set, else to the server log
    (attachments named only). Returns how (`smtp` or `log`); raises when SMTP fails."""
    if not settings.smtp_host:
        attached = "".join(f"\n[attached: {a.filename}]" for a in attachments)
        logger.warning(
            "email (no SMTP_HOST set) to=%s subject=%r\n%s%s", to, subject, body, attached
        )
        return "log"
    await _send_smtp(settings, to, subject, body, attachments)
    return "smtp"


async def _send_smtp(
    settings: Settings, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
) -> None:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    for attachment in attachments:
        msg.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    await aiosmtplib.send(
        msg,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls and not settings.smtp_use_tls,
        use_tls=settings.smtp_use_tls,
        timeout=settings.smtp_timeout_seconds,
    )


async def deliver(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], email_id: int
) -> None:
    """Delivers one outbox message; raises on failure so the queue retries with backoff."""
    async with sessionmaker() as db:
        email = await repository.get_email(db, email_id)
        if email is None or email.sent_at is not None:
            return  # deleted, or delivered by an earlier attempt whose ack was lost
        to, subject, body = email.to_address, email.subject, email.body_text
    try:
        via = await send_message(settings, to, subject, body)
    except Exception as exc:
        async with sessionmaker() as db, db.begin():
            await repository.mark_failed(db, email_id, f"{type(exc).__name__}: {exc}")
        raise
    async with sessionmaker() as db, db.begin():
        await repository.mark_sent(db, email_id, via, redact(body))
