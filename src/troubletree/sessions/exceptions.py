from troubletree.core.errors import Conflict, Forbidden, NotFound, Unprocessable


class SessionNotFound(NotFound):
    code = "session_not_found"
    message = "No such session in your account."


class SessionTreeNotFound(NotFound):
    code = "tree_not_found"
    message = "No such tree in your account."


class TreeNotPublished(Conflict):
    code = "tree_not_published"
    message = "This tree has no published version yet: publish it before running it."


class TechnicianNotFound(NotFound):
    code = "member_not_found"
    message = "No such member in your account."


class SessionConflict(Conflict):
    """The session changed since the revision the request was based on."""

    code = "session_conflict"
    message = "The session was changed by someone else. Reload it and try again."


class SessionNotActive(Conflict):
    code = "session_not_active"


class InvalidOption(Unprocessable):
    code = "invalid_option"


class InvalidPathIndex(Unprocessable):
    code = "invalid_path_index"


class NotAtTerminal(Unprocessable):
    code = "not_at_terminal"


class OutcomeMismatch(Unprocessable):
    code = "outcome_mismatch"


class TechnicianRequired(Unprocessable):
    code = "technician_required"
    message = "Name the technician the session is prepared for."


class StepNotFound(Unprocessable):
    """A step number in a request that is not one of the session's steps."""

    code = "step_not_found"


class NotAssignee(Forbidden):
    code = "not_assignee"
    message = "Only the assigned technician or an admin may run this session."


class CannotAssign(Forbidden):
    code = "cannot_assign"
    message = "Only admins and engineers may prepare or assign sessions for others."


class NavigationFailed(Unprocessable):
    code = "navigation_failed"


class VariablesInvalid(Unprocessable):
    """Several variables are wrong or missing: one error object per variable."""

    code = "variables_invalid"

    def __init__(self, problems: dict[str, tuple[str, str]]) -> None:
        super().__init__("Some intake values are missing or invalid.")
        self.problems = problems

    def body(self) -> dict[str, object]:
        return {
            "detail": [
                {"code": code, "message": message, "field": f"variables.{name}"}
                for name, (code, message) in self.problems.items()
            ]
        }


class NoteRequired(Unprocessable):
    code = "note_required"


class UnknownOutcomeLabel(Unprocessable):
    code = "unknown_outcome_label"


class NoEarlierChoice(Conflict):
    code = "no_earlier_choice"
    message = "There is no earlier step where someone chose an answer to go back to."


class SessionTooLong(Unprocessable):
    code = "session_too_long"


class StartTreeNotFound(NotFound):
    code = "tree_not_found"
    message = "No such published tree in your account."


class SessionVersionNotFound(NotFound):
    code = "version_not_found"
    message = "No such published version of this tree in your account."


class ClientIdReused(Conflict):
    code = "client_id_reused"
    message = "This client id was already used for another kind of change of this session."


class SessionIdTaken(Conflict):
    code = "session_id_taken"
    message = "This session id is already in use: generate a new one."


class SessionChanged(Conflict):
    """A queued change made on a device no longer fits: the session moved on elsewhere."""

    code = "session_changed"


class TreeUnpublished(Conflict):
    code = "tree_unpublished"
    message = "The tree is no longer published (or was deleted): the session cannot be started."


class NotAdmin(Forbidden):
    code = "admin_required"
    message = "Only admins may delete sessions."
