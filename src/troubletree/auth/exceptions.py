from troubletree.core.errors import BadRequest, Conflict, Forbidden, Unauthorized, Unprocessable


class InvalidCredentials(Unauthorized):
    """A failed sign-in; its audit row is committed although the request fails."""

    code = "invalid_credentials"
    message = "The email or password is incorrect."
    commit_transaction = True


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"
    message = "The session has ended. Sign in again."


class RefreshTokenReused(Unauthorized):
    """An already-rotated refresh token came back: the family is revoked, and that revocation is
    committed although the request fails."""

    code = "refresh_token_reused"
    message = "This session was signed out because its refresh token was used twice."
    commit_transaction = True


class RefreshFamilyRevoked(Unauthorized):
    """A refresh that revoked its family for another reason (user disabled, family expired)."""

    code = "invalid_refresh_token"
    message = "The session has ended. Sign in again."
    commit_transaction = True


class RefreshFamilyExpired(RefreshFamilyRevoked):
    """The sign-in reached its absolute or idle lifetime: its family is revoked (committed)."""

    code = "refresh_token_expired"
    message = "The session expired. Sign in again."


class InvalidAccessToken(Unauthorized):
    code = "invalid_token"
    message = "The access token is invalid or expired."


class SignInEnded(Unauthorized):
    """A valid access token of a sign-in that ended (signed out, everywhere, or a reset)."""

    code = "session_ended"
    message = "This session has ended. Sign in again."


class SuperuserRequired(Forbidden):
    code = "superuser_required"
    message = "Only a platform administrator may do this."


class InvalidResetToken(BadRequest):
    code = "reset_token_invalid"
    message = "This password reset link is invalid, expired or already used. Ask for a new one."


class InvalidVerificationToken(BadRequest):
    code = "verification_token_invalid"
    message = "This verification link is invalid, expired or already used. Ask for a new one."


class EmailAlreadyVerified(Conflict):
    code = "email_already_verified"
    message = "This email address is already verified."


class WeakPassword(Unprocessable):
    code = "weak_password"

    def __init__(self, message: str, field: str = "password") -> None:
        super().__init__(message, field=field)


class InvalidApiKey(Unauthorized):
    code = "invalid_api_key"
    message = "This API key is not valid."


class ApiKeyRevoked(Unauthorized):
    code = "api_key_revoked"
    message = "This API key was revoked."


class ApiKeyExpired(Unauthorized):
    code = "api_key_expired"
    message = "This API key has expired."


class ApiKeyNotAllowed(Forbidden):
    """Things only a signed-in person may do: their own profile and sign-ins, platform
    administration, and managing API keys."""

    code = "api_key_not_allowed"
    message = "An API key cannot do this; sign in as a person."


class WrongCurrentPassword(Unprocessable):
    code = "wrong_password"
    message = "The current password is not correct."

    def __init__(self) -> None:
        super().__init__(field="current_password")
