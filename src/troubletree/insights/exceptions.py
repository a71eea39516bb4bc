from __future__ import annotations

from troubletree.core.errors import NotFound, Unprocessable


class InvalidDateRange(Unprocessable):
    code = "invalid_date_range"
    message = "The range ends before it starts."


class InsightVersionNotFound(NotFound):
    code = "version_not_found"
    message = "No such version of this tree."


class InsightTechnicianNotFound(NotFound):
    code = "member_not_found"
    message = "No such member in your account."
