"""Escalation hand-off: completing a session as escalated mails its PDF transcript to the
account's escalation address through the job queue, to a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from tests.conftest import Fresh, Mailbox, deliver_outbox, make_settings
from tests.helpers import error_code, error_field, signed_in
from tests.ops.servers import Process, app_environment
from tests.sessions.helpers import Team, make_team, published_tree, start, step
from troubletree.core.db import Database
from troubletree.notifications import templates
from troubletree.sessions.handoff import HANDOFF_RETRY

V1 = "/api/v1"
DESK = "tier2@example.com"
HANDOFF_JOB_STATUS = (
    "SELECT status FROM procrastinate_jobs WHERE task_name = 'deliver_escalation_handoff'"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def smtp_on(port: int) -> Iterator[Mailbox]:
    """An SMTP server on loopback at a given port (so it can come back where it was)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


async def _deliver(database: Database, database_url: str, port: int) -> None:
    settings = make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_timeout_seconds=5,
    )
    await deliver_outbox(settings, database)


async def _set_desk(client: httpx.AsyncClient, team: Team, address: str | None = DESK) -> None:
    response = await client.patch(
        f"{V1}/account", headers=team.admin_h, json={"escalation_email": address}
    )
    assert response.status_code == 200, response.text
    assert response.json()["escalation_email"] == address


async def _escalated(client: httpx.AsyncClient, team: Team, tree_id: str) -> dict[str, Any]:
    """A technician's session run to the escalation step and completed there."""
    session = await start(
        client, team.tech_h, tree_id, variables={"device": "Printer", "ticket": "INC-7"}
    )
    await step(client, team.tech_h, session, "yes")
    await step(client, team.tech_h, session, "fail", note="Paper jam light stays on")
    done = await client.post(
        f"{V1}/sessions/{session['id']}/complete",
        headers=team.tech_h,
        json={"resolution_note": "Needs a new fuser"},
    )
    assert done.status_code == 200, done.text
    data: dict[str, Any] = done.json()
    assert data["outcome"] == "escalated"
    return data


def _pdf_attachments(message: Message) -> list[tuple[str | None, bytes]]:
    found = []
    for part in message.walk():
        if part.get_content_type() == "application/pdf":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found.append((part.get_filename(), payload))
    return found


class TestHandoff:
    async def test_escalation_is_mailed_with_the_pdf_transcript(
        self, client: httpx.AsyncClient, database: Database, database_url: str, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        await _set_desk(client, team)
        tree_id = await published_tree(client, team.engineer_h)
        done = await _escalated(client, team, tree_id)
        assert done["handoff"]["status"] == "pending" and done["handoff"]["to_address"] == DESK
        # The hand-off and its job were committed with the completion.
        jobs = await fresh.fetch(
            "SELECT status, args FROM procrastinate_jobs WHERE task_name = $1",
            "deliver_escalation_handoff",
        )
        assert len(jobs) == 1 and jobs[0]["status"] == "todo"

        port = _free_port()
        with smtp_on(port) as mailbox:
            await _deliver(database, database_url, port)
        [mail] = mailbox.to(DESK)
        assert mail["Subject"] == "Escalated: Printer will not print"
        [(filename, pdf)] = _pdf_attachments(mail)
        assert filename == f"printer-will-not-print-{done['id'][:8]}.pdf"
        assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
        text = next(
            p.get_payload(decode=True) for p in mail.walk() if p.get_content_type() == "text/plain"
        )
        assert isinstance(text, bytes)
        assert b"Needs a new fuser" in text and f"/sessions/{done['id']}".encode() in text

        read = await client.get(f"{V1}/sessions/{done['id']}", headers=team.tech_h)
        handoff = read.json()["handoff"]
        assert handoff["status"] == "sent" and handoff["attempts"] == 1
        assert handoff["sent_at"] is not None and handoff["last_error"] is None
        history = await client.get(f"{V1}/sessions", headers=team.tech_h)
        assert [s["handoff_status"] for s in history.json()["items"]] == ["sent"]

        # Delivered once: another worker run finds nothing to send.
        with smtp_on(port) as again:
            await _deliver(database, database_url, port)
        assert again.messages == []

    async def test_smtp_down_first_then_delivered_when_it_comes_back(
        self, client: httpx.AsyncClient, database: Database, database_url: str, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        await _set_desk(client, team)
        tree_id = await published_tree(client, team.engineer_h)
        done = await _escalated(client, team, tree_id)
        port = _free_port()  # nobody listens there yet

        await _deliver(database, database_url, port)
        handoff = (await client.get(f"{V1}/sessions/{done['id']}", headers=team.tech_h)).json()[
            "handoff"
        ]
        assert handoff["status"] == "pending" and handoff["attempts"] == 1
        assert handoff["last_error"] and handoff["sent_at"] is None
        job = (
            await fresh.fetch(
                "SELECT status, attempts, scheduled_at > now() AS later FROM procrastinate_jobs "
                "WHERE task_name = 'deliver_escalation_handoff'"
            )
        )[0]
        assert (job["status"], job["attempts"], job["later"]) == ("todo", 1, True)

        with smtp_on(port) as mailbox:
            # The backoff has passed: the retry runs and delivers.
            await fresh.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")
            await _deliver(database, database_url, port)
        assert len(mailbox.to(DESK)) == 1 and len(_pdf_attachments(mailbox.to(DESK)[0])) == 1
        handoff = (await client.get(f"{V1}/sessions/{done['id']}", headers=team.tech_h)).json()[
            "handoff"
        ]
        assert handoff["status"] == "sent" and handoff["attempts"] == 2
        assert await fresh.val(HANDOFF_JOB_STATUS) == "succeeded"

    async def test_after_the_last_retry_the_handoff_is_failed(
        self, client: httpx.AsyncClient, database: Database, database_url: str, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        await _set_desk(client, team)
        done = await _escalated(client, team, await published_tree(client, team.engineer_h))
        await fresh.execute(
            "UPDATE procrastinate_jobs SET attempts = $1 WHERE task_name = $2",
            HANDOFF_RETRY.max_attempts,
            "deliver_escalation_handoff",
        )
        await _deliver(database, database_url, _free_port())
        read = await client.get(f"{V1}/sessions/{done['id']}", headers=team.tech_h)
        assert read.json()["handoff"]["status"] == "failed"
        assert await fresh.val(HANDOFF_JOB_STATUS) == "failed"

    async def test_no_address_no_mail_and_other_outcomes_no_mail(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        tree_id = await published_tree(client, team.engineer_h)
        done = await _escalated(client, team, tree_id)
        assert done["handoff"] is None
        await _set_desk(client, team)
        resolved = await start(
            client, team.tech_h, tree_id, variables={"device": "P", "ticket": "1"}
        )
        await step(client, team.tech_h, resolved, "yes")
        await step(client, team.tech_h, resolved, "ok")
        ok = await client.post(
            f"{V1}/sessions/{resolved['id']}/complete", headers=team.tech_h, json={}
        )
        assert ok.json()["outcome"] == "resolved" and ok.json()["handoff"] is None
        assert await fresh.val("SELECT count(*) FROM escalation_handoffs") == 0
        assert (
            await fresh.val(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = $1",
                "deliver_escalation_handoff",
            )
            == 0
        )

    async def test_a_completion_that_fails_queues_nothing(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        await _set_desk(client, team)
        tree_id = await published_tree(client, team.engineer_h)
        session = await start(client, team.tech_h, tree_id)  # no ticket: needed to complete
        await step(client, team.tech_h, session, "yes")
        await step(client, team.tech_h, session, "fail")
        refused = await client.post(
            f"{V1}/sessions/{session['id']}/complete", headers=team.tech_h, json={}
        )
        assert refused.status_code == 422 and error_field(refused) == "variables.ticket"
        assert await fresh.val("SELECT count(*) FROM escalation_handoffs") == 0
        assert (
            await fresh.val(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = $1",
                "deliver_escalation_handoff",
            )
            == 0
        )


class TestEscalationAddress:
    async def test_only_admins_set_it_and_bad_addresses_are_refused(
        self, client: httpx.AsyncClient, fresh: Fresh
    ) -> None:
        team = await make_team(client)
        for headers in (team.engineer_h, team.tech_h):
            refused = await client.patch(
                f"{V1}/account", headers=headers, json={"escalation_email": DESK}
            )
            assert refused.status_code == 403 and error_code(refused) == "role_required"
        for bad in ("not an address", "a@" + "b" * 320 + ".com", 42):
            response = await client.patch(
                f"{V1}/account", headers=team.admin_h, json={"escalation_email": bad}
            )
            assert response.status_code == 422 and error_field(response) == "escalation_email"
        unknown = await client.patch(f"{V1}/account", headers=team.admin_h, json={"name": "x"})
        assert unknown.status_code == 422 and error_code(unknown) == "field_not_allowed"
        assert (
            await fresh.val("SELECT count(*) FROM accounts WHERE escalation_email IS NOT NULL") == 0
        )

        await _set_desk(client, team)
        # Members read it; another account's admin sets their own, never this one.
        read = await client.get(f"{V1}/account", headers=team.tech_h)
        assert read.json()["escalation_email"] == DESK
        _, other_h = await signed_in(client)
        await client.patch(
            f"{V1}/account", headers=other_h, json={"escalation_email": "x@example.com"}
        )
        assert (await client.get(f"{V1}/account", headers=team.tech_h)).json()[
            "escalation_email"
        ] == DESK
        await _set_desk(client, team, None)

    async def test_a_foreign_session_shows_no_handoff(self, client: httpx.AsyncClient) -> None:
        team = await make_team(client)
        await _set_desk(client, team)
        done = await _escalated(client, team, await published_tree(client, team.engineer_h))
        _, other_h = await signed_in(client)
        foreign = await client.get(f"{V1}/sessions/{done['id']}", headers=other_h)
        assert foreign.status_code == 404


class _HangingMailbox:
    """An SMTP server that takes the hand-off mail and never answers it: a worker sending it
    stays in the middle of the delivery until it is killed. Other mail is accepted."""

    def __init__(self) -> None:
        self.receiving = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if DESK in envelope.rcpt_tos:
            self.receiving.set()
            await asyncio.sleep(3600)
        return "250 OK"


class TestWorkerCrash:
    async def test_a_worker_killed_mid_delivery_loses_nothing(
        self,
        client: httpx.AsyncClient,
        database: Database,
        database_url: str,
        fresh: Fresh,
        tmp_path: Path,
    ) -> None:
        team = await make_team(client)
        await _set_desk(client, team)
        done = await _escalated(client, team, await published_tree(client, team.engineer_h))

        hanging, hanging_port = _HangingMailbox(), _free_port()
        stuck = Controller(hanging, hostname="127.0.0.1", port=hanging_port)
        stuck.start()
        worker = Process(
            ["worker"],
            app_environment(
                database_url,
                tmp_path,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(hanging_port),
                SMTP_STARTTLS="false",
                SMTP_TIMEOUT_SECONDS="600",
            ),
            tmp_path / "worker.log",
        )
        try:
            assert await asyncio.to_thread(hanging.receiving.wait, 60), worker.output()
            worker.signal(signal.SIGKILL)
            worker.proc.wait(10)
        finally:
            worker.stop()
            stuck.stop()
        # The worker died holding the job: still running as far as the queue knows, not sent.
        assert await fresh.val(HANDOFF_JOB_STATUS) == "doing"
        assert await fresh.val("SELECT status FROM escalation_handoffs") == "pending"
        # Its heartbeat stops; a minute later any worker takes the job back.
        await fresh.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '2 minutes'"
        )
        port = _free_port()
        with smtp_on(port) as mailbox:
            await _deliver(database, database_url, port)
        assert len(mailbox.to(DESK)) == 1 and len(_pdf_attachments(mailbox.to(DESK)[0])) == 1
        read = await client.get(f"{V1}/sessions/{done['id']}", headers=team.tech_h)
        assert read.json()["handoff"]["status"] == "sent"
        assert await fresh.val(HANDOFF_JOB_STATUS) == "succeeded"


def test_a_title_with_line_breaks_still_makes_one_subject_line() -> None:
    message = templates.escalation_handoff(
        tree_title="Printer\r\nBcc: someone@example.com",
        version_number=2,
        technician="Tess (tess@example.com)",
        outcome_label=None,
        resolution_note=None,
        link="http://testserver/sessions/1",
    )
    assert message.subject == "Escalated: Printer Bcc: someone@example.com"
    assert "Note: (none)" in message.body
