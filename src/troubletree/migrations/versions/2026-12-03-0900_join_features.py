"""join the feature migrations of 2026-12-03 (each stands on 3c1e9a7b5d20 and touches its own
tables or columns, so their order does not matter) into one head

Revision ID: 9a0c3e5b7d12
Revises: 5e2d8c41f7a9, 5b2d8e4f9a13, 5b2d8e41c7a9, 8e4f2a6c1b93, b7d2e4f6a815, 9b4d2e61a7c3
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

revision: str = "9a0c3e5b7d12"
down_revision: str | Sequence[str] | None = (
    "5e2d8c41f7a9",  # field work: receipts of client-identified session changes
    "5b2d8e4f9a13",  # API keys and the audit log's indexes
    "5b2d8e41c7a9",  # node feedback, change alerts, escalation hand-off
    "8e4f2a6c1b93",  # typo-tolerant search, empty searches
    "b7d2e4f6a815",  # webhooks, start links, embed origins
    "9b4d2e61a7c3",  # insights rollups
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
