"""Daily rollups of answered sessions, one row per tree, version, day (the session's start,
UTC) and state (the outcome of a completed session, `abandoned`, or `in_progress`). Written
only by the database: the trigger `insight_steps_added` adds a running session's steps as they
are written, and `insight_session_ended` trades its running figures for its final ones in the
transaction that ends it, all computed from the step log by the SQL functions `insight_*_of`
(see the migration `insights`). Never written by the application."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from troubletree.core.db import Base

# The technician of the rows that hold every technician's figures together.
EVERYONE = uuid.UUID(int=0)


class _DayKey:
    """The key every rollup starts with (and its account, for scoping)."""

    @declared_attr
    def account_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"))

    @declared_attr
    def tree_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(
            UUID(as_uuid=True), ForeignKey("trees.id", ondelete="CASCADE"), primary_key=True
        )

    # The session's technician, or EVERYONE for all technicians' figures together.
    technician_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)

    @declared_attr
    def version_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(
            UUID(as_uuid=True), ForeignKey("tree_versions.id", ondelete="CASCADE"), primary_key=True
        )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)


class InsightSessionDay(_DayKey, Base):
    __tablename__ = "insight_session_days"
    __table_args__ = (Index("ix_insight_session_days_account_id_day", "account_id", "day"),)

    outcome_label: Mapped[str] = mapped_column(String(80), primary_key=True)  # '' for none
    abandon_reason: Mapped[str] = mapped_column(String(20), primary_key=True)  # '' for none
    sessions: Mapped[int] = mapped_column(Integer, server_default="0")
    duration_count: Mapped[int] = mapped_column(Integer, server_default="0")
    duration_sum: Mapped[float] = mapped_column(Float, server_default="0")
    duration_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))


class InsightNodeDay(_DayKey, Base):
    __tablename__ = "insight_node_days"

    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    visits: Mapped[int] = mapped_column(Integer, server_default="0")
    sessions: Mapped[int] = mapped_column(Integer, server_default="0")
    exits: Mapped[int] = mapped_column(Integer, server_default="0")
    abandons: Mapped[int] = mapped_column(Integer, server_default="0")
    time_count: Mapped[int] = mapped_column(Integer, server_default="0")
    time_sum: Mapped[float] = mapped_column(Float, server_default="0")
    time_hist: Mapped[list[int]] = mapped_column(ARRAY(Integer))


class InsightChoiceDay(_DayKey, Base):
    __tablename__ = "insight_choice_days"

    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    option_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    choices: Mapped[int] = mapped_column(Integer, server_default="0")


class InsightPathDay(_DayKey, Base):
    __tablename__ = "insight_path_days"

    path_key: Mapped[str] = mapped_column(String(32), primary_key=True)  # md5 of the path
    path: Mapped[list[str]] = mapped_column(ARRAY(Text))
    sessions: Mapped[int] = mapped_column(Integer, server_default="0")


class InsightOpenSession(Base):
    """A running, answered session whose steps up to `last_seq` are in the rollups (as
    running). Gone once the session ends and its final figures replace those."""

    __tablename__ = "insight_open_sessions"

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("troubleshooting_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    )
    last_seq: Mapped[int] = mapped_column(Integer)
