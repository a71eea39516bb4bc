"""Email texts. Plain text: nothing a user typed is interpreted as markup."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    body: str


def _one_time_link(
    kind: str, subject: str, name: str, ask: str, link: str, lifetime: str, otherwise: str
) -> Message:
    """A mail carrying a single-use link: what to do, the link, how long it works."""
    return Message(
        kind,
        subject,
        f"Hello {name},\n\n{ask}\n\n{link}\n\n"
        f"The link works once and expires in {lifetime}. {otherwise}\n",
    )


def verify_email(name: str, link: str, hours: int) -> Message:
    return _one_time_link(
        "verify_email",
        "Confirm your TroubleTree email address",
        name,
        "Confirm your email address by opening this link:",
        link,
        f"{hours} hours",
        "If you did not create a TroubleTree account you can ignore this message.",
    )


def password_reset(name: str, link: str, minutes: int) -> Message:
    return _one_time_link(
        "password_reset",
        "Reset your TroubleTree password",
        name,
        "Someone (hopefully you) asked to reset your password. Choose a new one here:",
        link,
        f"{minutes} minutes",
        "If you did not ask for this, ignore this message: your password stays as it is.",
    )


def password_changed(name: str) -> Message:
    return Message(
        "password_changed",
        "Your TroubleTree password was changed",
        f"Hello {name},\n\nThe password of your TroubleTree account was just changed and every "
        "device was signed out. If this was not you, reset your password at once and tell "
        "your account administrator.\n",
    )
