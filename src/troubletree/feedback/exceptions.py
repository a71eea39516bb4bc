from troubletree.core.errors import Conflict, NotFound, Unprocessable


class FeedbackNotFound(NotFound):
    code = "feedback_not_found"
    message = "No such feedback in your account."


class NodeNotInSession(Unprocessable):
    code = "node_not_in_session"
    message = "Feedback is given on a step this session reached."


class FeedbackDuplicate(Conflict):
    code = "feedback_duplicate"
    message = "You already flagged this step of this session for that reason."


class FeedbackResolved(Conflict):
    code = "feedback_resolved"
    message = "This feedback is already resolved."


class AlertVersionNotFound(NotFound):
    code = "version_not_found"
    message = "No such version of this tree."
