"""Start-link and embed errors."""

from __future__ import annotations

from troubletree.core.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable


class StartLinkInvalid(Unprocessable):
    code = "start_link_invalid"
    message = "This start link is not valid (it was changed or cut short)."

    def __init__(self) -> None:
        super().__init__(field="token")


class StartLinkNotFound(NotFound):
    code = "start_link_not_found"
    message = "No such start link in your account."

    def __init__(self) -> None:
        super().__init__(field="token")


class StartLinkUsed(Conflict):
    code = "start_link_used"
    message = "This start link was already used; it opens one session only."

    def __init__(self) -> None:
        super().__init__(field="token")


class StartLinkExpired(AppError):
    status_code = 410
    code = "start_link_expired"
    message = "This start link has expired; ask for a new one."

    def __init__(self) -> None:
        super().__init__(field="token")


class StartLinkNotYours(Forbidden):
    code = "start_link_assigned"
    message = "This start link is assigned to someone else."

    def __init__(self) -> None:
        super().__init__(field="token")


class StartLinkCreatorGone(Conflict):
    code = "start_link_creator_gone"
    message = "Whoever made this start link can no longer start sessions; ask for a new one."

    def __init__(self) -> None:
        super().__init__(field="token")


class OriginInvalid(Unprocessable):
    code = "origin_invalid"
