"""Changes made under client-generated ids, and a device's queued events replayed in order.

A request that carries a `client_id` takes the session's row lock first and looks for the receipt
of that id: found, the change was made before and its first answer is returned (nothing changes);
not found, the change is made and its receipt written under the same lock, so two replays of one
change, however parallel, record it once (the receipts' unique (session, client id) index is the
backstop). A session created with a client-generated id is its own receipt: a second insert of
the same id waits for the first transaction and then fails on the key, and is answered with the
session the first one created.

`sync_batch` applies a device's queued events for one session in order, each in a savepoint,
and answers per event: applied, duplicate, conflict (the session moved on elsewhere, ended, or
its tree was unpublished: `code` says which), rejected, or skipped (after an event that was not
applied, since later events depend on it). Nothing is dropped without an answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts.caller import Caller
from troubletree.core.clock import recorded_at, utcnow
from troubletree.core.errors import AppError
from troubletree.sessions import repository, service
from troubletree.sessions.exceptions import (
    ClientIdReused,
    NavigationFailed,
    SessionChanged,
    SessionIdTaken,
    SessionNotFound,
    SessionTreeNotFound,
    SessionVersionNotFound,
    StepNotFound,
    TreeNotPublished,
    TreeUnpublished,
)
from troubletree.sessions.models import ReceiptKind, SessionStatus
from troubletree.sessions.repository import Receipt
from troubletree.sessions.schemas import (
    SYNC_MAX_AGE_DAYS,
    BackRequest,
    SessionAbandon,
    SessionComplete,
    SessionCreate,
    SessionRead,
    StepCreate,
    SyncAbandon,
    SyncBack,
    SyncBatch,
    SyncComplete,
    SyncEvent,
    SyncEventResult,
    SyncNote,
    SyncResult,
    SyncStep,
)

Change = Callable[[], Awaitable[SessionRead]]


class Replayed(Exception):
    """Internal: the change was made before; carries its receipt."""

    def __init__(self, receipt: Receipt) -> None:
        self.receipt = receipt


# --------------------------------------------------------------------------- single requests


async def _make_once(
    db: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    client_id: uuid.UUID,
    kind: ReceiptKind,
    change: Change,
    *,
    step_seq: int | None = None,
    keep_response: bool = True,
) -> SessionRead:
    """Makes `change` unless `client_id` already made one (then raises `Replayed`)."""
    session = await repository.get_session(db, caller.account_id, session_id, lock=True)
    if session is None:
        raise SessionNotFound()
    receipt = await repository.get_receipt(db, session_id, client_id)
    if receipt is not None:
        if receipt.kind != kind:
            raise ClientIdReused(field="client_id")
        raise Replayed(receipt)
    if kind in {ReceiptKind.step, ReceiptKind.back}:
        last = await repository.last_seq(db, session_id)
        step_seq = 0 if last is None else last + 1  # the step this change writes first
    read = await change()
    response = read.model_dump(mode="json") if keep_response else None
    await repository.add_receipt(
        db, session_id, Receipt(client_id, kind.value, read.revision, step_seq, response)
    )
    return read


async def once(
    db: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    client_id: uuid.UUID | None,
    kind: ReceiptKind,
    change: Change,
    *,
    step_seq: int | None = None,
) -> tuple[SessionRead, bool]:
    """A single request's change, made once per client id: (its answer, whether replayed)."""
    if client_id is None:
        return await change(), False
    try:
        return await _make_once(
            db, caller, session_id, client_id, kind, change, step_seq=step_seq
        ), False
    except Replayed as replayed:
        current = await service.get_session(db, caller, session_id)  # may the caller see it?
        stored = replayed.receipt.response
        return (SessionRead.model_validate(stored) if stored else current), True


async def create_session(
    db: AsyncSession, caller: Caller, body: SessionCreate
) -> tuple[SessionRead, bool]:
    """Starts a session; with a client-generated `id`, once: (its answer, whether replayed)."""
    if body.id is None:
        return await service.create_session(db, caller, body), False
    replay = await _created(db, caller, body.id)
    if replay is not None:
        return replay, True
    try:
        async with db.begin_nested():
            read = await service.create_session(db, caller, body)
            receipt = Receipt(
                body.id, ReceiptKind.create.value, read.revision, None, read.model_dump(mode="json")
            )
            await repository.add_receipt(db, body.id, receipt)
    except IntegrityError:
        # Another request created it meanwhile (it has committed: the insert waited for it).
        replay = await _created(db, caller, body.id)
        if replay is None:
            raise SessionIdTaken(field="id") from None
        return replay, True
    return read, False


async def _created(db: AsyncSession, caller: Caller, session_id: uuid.UUID) -> SessionRead | None:
    """The first answer of the start of a session created under a client id, if it exists."""
    session = await repository.get_session(db, caller.account_id, session_id)
    if session is None:
        return None
    receipt = await repository.get_receipt(db, session_id, session_id)
    await service.get_session(db, caller, session_id)  # 404 unless the caller may see it
    if receipt is None or receipt.response is None:
        raise SessionIdTaken(field="id")
    return SessionRead.model_validate(receipt.response)


# --------------------------------------------------------------------------- batches


def _moment(occurred_at: datetime | None, floor: datetime) -> datetime | None:
    """When a device's change is recorded: when it was made, kept between `floor` (the
    session's last change) and now, so the log stays in order whatever the device's clock."""
    if occurred_at is None:
        return None
    if occurred_at.tzinfo is None:
        return None  # a time without a zone says nothing certain
    return max(floor, min(occurred_at, utcnow()))


def _result(event: SyncEvent, status: str, **values: object) -> SyncEventResult:
    return SyncEventResult.model_validate(
        {"client_id": event.client_id, "type": event.type, "status": status, **values}
    )


def _failure(event: SyncEvent | None, error: AppError, client_id: uuid.UUID) -> SyncEventResult:
    status = "conflict" if error.status_code == 409 else "rejected"
    return SyncEventResult(
        client_id=client_id,
        type=event.type if event is not None else "create",
        status=status,
        code=error.code,
        message=error.message,
        field=error.field,
    )


async def _expect_at(
    db: AsyncSession, caller: Caller, session_id: uuid.UUID, node_id: str
) -> SessionRead:
    """The session, which must still be running at `node_id` (where the device stood)."""
    read = await service.get_session(db, caller, session_id)
    if read.status != SessionStatus.in_progress:
        raise SessionChanged(
            f"The session was {read.status.value.replace('_', ' ')} elsewhere in the meantime.",
            code="session_not_active",
        )
    if read.current is None or read.current.node_id != node_id:
        at = read.current.title if read.current else "another step"
        raise SessionChanged(
            f"The session moved on elsewhere: it is now at {at!r}, not where this was done."
        )
    return read


async def _at_or_after_last_change(
    db: AsyncSession, caller: Caller, sid: uuid.UUID, occurred_at: datetime | None
) -> datetime | None:
    session = await repository.get_session(db, caller.account_id, sid)
    return _moment(occurred_at, session.updated_at) if session else None


async def _apply(db: AsyncSession, caller: Caller, sid: uuid.UUID, event: SyncEvent) -> SessionRead:
    """Makes one event's change (raises `Replayed` when it was made before)."""
    cid = event.client_id
    if isinstance(event, SyncStep):
        step = StepCreate(option_id=event.option_id, note=event.note)

        async def answer() -> SessionRead:
            before = await _expect_at(db, caller, sid, event.node_id)
            with recorded_at(_moment(event.occurred_at, before.updated_at)):
                return await service.record_step(db, caller, sid, step)

        return await _make_once(db, caller, sid, cid, ReceiptKind.step, answer, keep_response=False)
    if isinstance(event, SyncBack):
        back = BackRequest(path_index=event.path_index)

        async def go_back() -> SessionRead:
            before = await _expect_at(db, caller, sid, event.node_id)
            with recorded_at(_moment(event.occurred_at, before.updated_at)):
                return await service.go_back(db, caller, sid, back)

        return await _make_once(
            db, caller, sid, cid, ReceiptKind.back, go_back, keep_response=False
        )
    if isinstance(event, SyncNote):
        seq = event.seq
        if event.step_client_id is not None:
            noted = await repository.get_receipt(db, sid, event.step_client_id)
            if noted is None or noted.step_seq is None:
                raise StepNotFound(
                    "The step this note is on was not recorded.", field="step_client_id"
                )
            seq = noted.step_seq
        assert seq is not None
        note_seq = seq

        async def note() -> SessionRead:
            with recorded_at(await _at_or_after_last_change(db, caller, sid, event.occurred_at)):
                return await service.note_step(db, caller, sid, note_seq, event.note)

        return await _make_once(
            db, caller, sid, cid, ReceiptKind.note, note, step_seq=note_seq, keep_response=False
        )
    if isinstance(event, SyncComplete):
        ending = SessionComplete(
            outcome=event.outcome,
            resolution_note=event.resolution_note,
            outcome_label=event.outcome_label,
        )

        async def complete() -> SessionRead:
            before = await _expect_at(db, caller, sid, event.node_id)
            with recorded_at(_moment(event.occurred_at, before.updated_at)):
                return await service.complete_session(db, caller, sid, ending)

        return await _make_once(
            db, caller, sid, cid, ReceiptKind.complete, complete, keep_response=False
        )
    assert isinstance(event, SyncAbandon)
    abandon = SessionAbandon(reason=event.reason, note=event.note)

    async def give_up() -> SessionRead:
        with recorded_at(await _at_or_after_last_change(db, caller, sid, event.occurred_at)):
            return await service.abandon_session(db, caller, sid, abandon)

    return await _make_once(db, caller, sid, cid, ReceiptKind.abandon, give_up, keep_response=False)


async def _start(db: AsyncSession, caller: Caller, batch: SyncBatch) -> SyncEventResult:
    assert batch.create is not None
    body = SessionCreate(
        id=batch.session_id,
        tree_id=batch.create.tree_id,
        version_id=batch.create.version_id,
        variables=batch.create.variables,
        notes=batch.create.notes,
    )
    floor = utcnow() - timedelta(days=SYNC_MAX_AGE_DAYS)
    try:
        with recorded_at(_moment(batch.create.occurred_at, floor)):
            read, replayed = await create_session(db, caller, body)
    except (TreeNotPublished, SessionTreeNotFound, SessionVersionNotFound, NavigationFailed):
        return _failure(None, TreeUnpublished(field="create.tree_id"), batch.session_id)
    except AppError as error:
        return _failure(None, error, batch.session_id)
    return SyncEventResult(
        client_id=batch.session_id,
        type="create",
        status="duplicate" if replayed else "applied",
        revision=read.revision,
    )


async def sync_batch(db: AsyncSession, caller: Caller, batch: SyncBatch) -> SyncResult:
    """A device's queued events for one session, in order (see the module docstring)."""
    sid = batch.session_id
    created = await _start(db, caller, batch) if batch.create is not None else None
    blocked: SyncEventResult | None = None
    if created is not None and created.status not in {"applied", "duplicate"}:
        blocked = created
    # Held to the end: a parallel replay of the same queue waits, then finds every receipt.
    await repository.get_session(db, caller.account_id, sid, lock=True)
    results: list[SyncEventResult] = []
    for event in batch.events:
        if blocked is not None:
            results.append(
                _result(
                    event,
                    "skipped",
                    code="earlier_event_failed",
                    message=f"Not tried: the earlier change {blocked.client_id} was not applied.",
                )
            )
            continue
        try:
            async with db.begin_nested():
                read = await _apply(db, caller, sid, event)
        except Replayed as replayed:
            r = replayed.receipt
            results.append(_result(event, "duplicate", step_seq=r.step_seq, revision=r.revision))
            continue
        except TreeNotPublished as error:
            blocked = _failure(event, TreeUnpublished(error.message), event.client_id)
            results.append(blocked)
            continue
        except NavigationFailed as error:
            blocked = _failure(event, TreeUnpublished(error.message), event.client_id)
            results.append(blocked)
            continue
        except AppError as error:
            blocked = _failure(event, error, event.client_id)
            results.append(blocked)
            continue
        receipt = await repository.get_receipt(db, sid, event.client_id)
        results.append(
            _result(
                event,
                "applied",
                step_seq=receipt.step_seq if receipt else None,
                revision=read.revision,
            )
        )
    session: SessionRead | None = None
    if await repository.get_session(db, caller.account_id, sid) is not None:
        try:
            session = await service.get_session(db, caller, sid)
        except SessionNotFound:
            session = None
    return SyncResult(session_id=sid, created=created, results=results, session=session)
