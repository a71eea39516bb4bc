"""Email texts. Plain text: nothing a user typed is interpreted as markup."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    body: str


def verify_email(name: str, link: str, hours: int) -> Message:
    return Message(
        "verify_email",
        "Confirm your TroubleTree email address",
        f"Hello {name},\n\nConfirm your email address by opening this link:\n\n{link}\n\n"
        f"The link works once and expires in {hours} hours. If you did not create a "
        "TroubleTree account you can ignore this message.\n",
    )


def password_reset(name: str, link: str, minutes: int) -> Message:
    return Message(
        "password_reset",
        "Reset your TroubleTree password",
        f"Hello {name},\n\nSomeone (hopefully you) asked to reset your password. Choose a new "
        f"one here:\n\n{link}\n\nThe link works once and expires in {minutes} minutes. If you "
        "did not ask for this, ignore this message: your password stays as it is.\n",
    )


def password_changed(name: str) -> Message:
    return Message(
        "password_changed",
        "Your TroubleTree password was changed",
        f"Hello {name},\n\nThe password of your TroubleTree account was just changed and every "
        "device was signed out. If this was not you, reset your password at once and tell "
        "your account administrator.\n",
    )
