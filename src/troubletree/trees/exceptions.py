from __future__ import annotations

from typing import Any

from troubletree.core.errors import Conflict, Forbidden, NotFound, Unprocessable


class TreeNotFound(NotFound):
    code = "tree_not_found"
    message = "No such tree."


class VersionNotFound(NotFound):
    code = "version_not_found"
    message = "No such version of this tree."


class CategoryNotFound(NotFound):
    code = "category_not_found"
    message = "No such category."


class CategoryExists(Conflict):
    code = "category_exists"
    message = "A category with this name already exists."


class UnknownCategory(Unprocessable):
    """A category id in a request body that is not one of the account's categories."""

    code = "unknown_category"
    message = "No such category in this account."


class UnknownTag(Unprocessable):
    code = "unknown_tag"
    message = "No such tag in this account."


class DraftConflict(Conflict):
    code = "draft_conflict"
    message = (
        "Someone saved this tree after you opened it. Reload it to see their changes; "
        "nothing was overwritten."
    )

    def __init__(self, current_revision: int) -> None:
        super().__init__(field="base_revision", extra={"current_revision": current_revision})
        self.current_revision = current_revision


class PlanLimitReached(Forbidden):
    code = "plan_limit_reached"
    message = "The account's plan allows no more trees. Upgrade the plan or delete a tree."

    def __init__(self, max_trees: int) -> None:
        super().__init__(extra={"max_trees": max_trees})


class GraphInvalid(Unprocessable):
    code = "graph_invalid"
    message = "The tree cannot be published until these problems are fixed."

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(field="graph", extra={"problems": problems})
        self.problems = problems


class NothingToPublish(Conflict):
    code = "nothing_to_publish"
    message = "The draft is the same as the current version; there is nothing new to publish."


class NotPublished(Unprocessable):
    code = "not_published"
    message = "This tree has no published version yet: publish it instead."


class TooManyTags(Unprocessable):
    code = "too_many_tags"

    def __init__(self, max_tags: int) -> None:
        super().__init__(f"A tree can carry at most {max_tags} tags.", field="tags")


class UnknownTemplate(Unprocessable):
    code = "unknown_template"
    message = "No such template."

    def __init__(self) -> None:
        super().__init__(field="template_id")


class InvalidPeriod(Unprocessable):
    code = "invalid_period"
    message = "The period ends before it starts: `until` must be later than `since`."

    def __init__(self) -> None:
        super().__init__(field="until")
