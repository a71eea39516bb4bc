from troubletree.core.errors import Conflict, Forbidden, NotFound


class InviteInvalid(NotFound):
    code = "invite_invalid"
    message = "This invite code is not valid: it may be mistyped, expired or revoked."


class InviteExhausted(Conflict):
    code = "invite_exhausted"
    message = "This invite code has already been used as many times as it allows."


class PlatformInviteRequired(Forbidden):
    code = "platform_invite_required"
    message = "Sign-up needs an invite code at the moment."


class SignupClosed(Forbidden):
    code = "signup_closed"
    message = "Sign-up is closed. Ask an account administrator for an invite."


class EmailTaken(Conflict):
    code = "email_taken"
    message = "An account with this email address already exists. Sign in or reset your password."


class MemberNotFound(NotFound):
    code = "member_not_found"
    message = "No such member in your account."


class InviteNotFound(NotFound):
    code = "invite_not_found"
    message = "No such invite."


class AccountNotFound(NotFound):
    code = "account_not_found"
    message = "No such account."


class PlanNotFound(NotFound):
    code = "plan_not_found"
    message = "No such plan."


class LastAdmin(Conflict):
    code = "last_admin"
    message = "An account needs at least one admin. Make someone else admin first."


class MemberLimitReached(Forbidden):
    code = "member_limit_reached"
    message = "The account's plan allows no more members. Upgrade the plan to add people."


class NoAccount(Forbidden):
    code = "no_account"
    message = "You are not a member of any account."


class RoleRequired(Forbidden):
    code = "role_required"
