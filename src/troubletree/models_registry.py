"""Imports every ORM model so `Base.metadata` is complete (Alembic and the schema check)."""

from troubletree.accounts import models as accounts_models
from troubletree.attachments import models as attachments_models
from troubletree.auth import models as auth_models
from troubletree.core import audit
from troubletree.core.db import Base
from troubletree.feedback import models as feedback_models
from troubletree.insights import models as insights_models
from troubletree.integrations import models as integrations_models
from troubletree.notifications import models as notifications_models
from troubletree.sessions import models as sessions_models
from troubletree.trees import models as trees_models
from troubletree.webhooks import models as webhooks_models

__all__ = [
    "Base",
    "accounts_models",
    "attachments_models",
    "audit",
    "auth_models",
    "feedback_models",
    "insights_models",
    "integrations_models",
    "notifications_models",
    "sessions_models",
    "trees_models",
    "webhooks_models",
]
