"""Webhook errors (the AppError hierarchy: one shape, stable codes)."""

from __future__ import annotations

from troubletree.core.errors import Conflict, NotFound, Unprocessable


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    message = "No such webhook endpoint."


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"
    message = "No such delivery."


class DeliveryPending(Conflict):
    code = "delivery_pending"
    message = "This delivery is still being retried; wait for it to succeed or fail."


class WebhookUrlRefused(Unprocessable):
    """The URL may not be called (code from outbound.TargetRefused)."""
