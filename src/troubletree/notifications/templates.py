"""Email texts. Plain text: nothing a user typed is interpreted as markup."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The secret part of a link in a mail: one-time tokens (`#token=`) and invite codes (`?code=`).
_LINK_SECRET = re.compile(r"([#?&](?:token|code)=)[A-Za-z0-9_-]+")
REDACTED = "[sent]"


def redact(body: str) -> str:
    """The body as the outbox keeps it once sent: every link's token or code blanked, so a
    database reader or a backup never holds a working link."""
    return _LINK_SECRET.sub(rf"\g<1>{REDACTED}", body)


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    body: str


# Mails carrying a single-use link, by kind: subject, what to do with the link, and what to do
# when the mail was not expected.
_LINK_MAILS = {
    "verify_email": (
        "Confirm your TroubleTree email address",
        "Confirm your email address by opening this link:",
        "If you did not create a TroubleTree account you can ignore this message.",
    ),
    "password_reset": (
        "Reset your TroubleTree password",
        "Someone (hopefully you) asked to reset your password. Choose a new one here:",
        "If you did not ask for this, ignore this message: your password stays as it is.",
    ),
}


def _one_time_link(kind: str, name: str, link: str, lifetime: str) -> Message:
    subject, ask, otherwise = _LINK_MAILS[kind]
    return Message(
        kind,
        subject,
        f"Hello {name},\n\n{ask}\n\n{link}\n\n"
        f"The link works once and expires in {lifetime}. {otherwise}\n",
    )


def verify_email(name: str, link: str, hours: int) -> Message:
    return _one_time_link("verify_email", name, link, f"{hours} hours")


def password_reset(name: str, link: str, minutes: int) -> Message:
    return _one_time_link("password_reset", name, link, f"{minutes} minutes")


def password_changed(name: str) -> Message:
    return Message(
        "password_changed",
        "Your TroubleTree password was changed",
        f"Hello {name},\n\nThe password of your TroubleTree account was just changed and every "
        "device was signed out. If this was not you, reset your password at once and tell "
        "your account administrator.\n",
    )


def escalation_handoff(
    *,
    tree_title: str,
    version_number: int,
    technician: str,
    outcome_label: str | None,
    resolution_note: str | None,
    link: str,
) -> Message:
    """The mail that hands an escalated session over, its transcript attached (PDF)."""
    label = f"Outcome label: {outcome_label}\n" if outcome_label else ""
    note = (resolution_note or "").strip() or "(none)"
    return Message(
        "escalation_handoff",
        # A header holds one line: line breaks in a title would make the message unsendable.
        " ".join(f"Escalated: {tree_title}".split())[:300],
        f"A troubleshooting session was escalated.\n\n"
        f"Tree: {tree_title} (version {version_number})\n"
        f"Technician: {technician}\n{label}"
        f"Note: {note}\n\n"
        f"The full transcript is attached as a PDF. The session in TroubleTree:\n{link}\n",
    )


REGISTRATION_ATTEMPT = "registration_attempt"


def registration_attempt(name: str, sign_in_link: str, reset_link: str) -> Message:
    return Message(
        REGISTRATION_ATTEMPT,
        "Someone tried to create a TroubleTree account with your address",
        f"Hello {name},\n\nSomeone (hopefully you) just tried to create a TroubleTree account "
        "with this email address, which already has one, so nothing was created.\n\n"
        f"If it was you, sign in here:\n\n{sign_in_link}\n\n"
        f"Forgot your password? Choose a new one here:\n\n{reset_link}\n\n"
        "If it was not you, ignore this message: your account stays as it is.\n",
    )
