from troubletree.core.errors import Conflict, NotFound


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    message = "No such API key in your account."


class ApiKeyLimitReached(Conflict):
    code = "api_key_limit"
    message = "This account has as many active API keys as it may have. Revoke one first."
