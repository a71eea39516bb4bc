"""Guided sessions through the HTTP API."""

from __future__ import annotations

import io
import json
import re
import uuid

import httpx
import pytest
from markdown_it import MarkdownIt
from pypdf import PdfReader

from tests.conftest import Fresh
from tests.helpers import error_code, error_field, signed_in
from tests.sessions.helpers import (
    complete,
    make_team,
    printer_graph,
    published_tree,
    start,
    step,
)


@pytest.fixture
async def team(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    return await make_team(client)


class TestStart:
    async def test_start_pins_version_and_counts_usage(
        self, client: httpx.AsyncClient, team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        assert session["status"] == "in_progress"
        assert session["version_number"] == 1
        assert session["technician"]["id"] == team.tech["user"]["id"]
        assert session["current"]["node_id"] == "q1"
        assert session["current"]["title"] == "Does the Printer power on?"
        assert session["current"]["options"] == [
            {"id": "yes", "label": "Yes"},
            {"id": "no", "label": "No"},
        ]
        assert "[Ticket number: not set]" in session["current"]["body"]
        assert session["missing_variables"] == {"at_start": [], "before_complete": ["ticket"]}
        assert (
            await fresh.val("SELECT usage_count FROM trees WHERE id = $1", uuid.UUID(tree_id)) == 1
        )

    async def test_missing_at_start_variable_is_named(
        self, client: httpx.AsyncClient, team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        response = await client.post(
            "/api/v1/sessions", headers=team.tech_h, json={"tree_id": tree_id, "variables": {}}
        )
        assert response.status_code == 422
        assert response.json()["detail"] == [
            {
                "code": "variable_missing",
                "message": "Device is needed to start.",
                "field": "variables.device",
            }
        ]

    async def test_bad_variable_values_are_named(self, client: httpx.AsyncClient, team) -> None:
        tree_id = await published_tree(client, team.admin_h)
        response = await client.post(
            "/api/v1/sessions",
            headers=team.tech_h,
            json={"tree_id": tree_id, "variables": {"device": "x", "age_years": "old", "nope": 1}},
        )
        assert response.status_code == 422
        fields = {d["field"]: d["code"] for d in response.json()["detail"]}
        assert fields == {
            "variables.age_years": "variable_invalid",
            "variables.nope": "variable_invalid",
        }

    async def test_values_are_escaped_when_interpolated(
        self, client: httpx.AsyncClient, team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(
            client,
            team.tech_h,
            tree_id,
            variables={"device": "<img src=x> [link](http://evil) {{ticket}}"},
        )
        title = session["current"]["title"]
        # The value is inert Markdown: escaped where it would be markup, the address a code
        # span; a placeholder inside a value is text, never interpolated again.
        assert title == "Does the \\<img src=x> \\[link\\](`http://evil`) {{ticket}} power on?"

    async def test_technician_cannot_run_an_unpublished_tree(
        self, client: httpx.AsyncClient, team
    ) -> None:
        draft = await client.post(
            "/api/v1/trees",
            headers=team.admin_h,
            json={"title": "Draft only", "graph": printer_graph()},
        )
        response = await client.post(
            "/api/v1/sessions",
            headers=team.tech_h,
            json={"tree_id": draft.json()["id"], "variables": {"device": "x"}},
        )
        assert response.status_code == 404
        author = await client.post(
            "/api/v1/sessions",
            headers=team.admin_h,
            json={"tree_id": draft.json()["id"], "variables": {"device": "x"}},
        )
        assert author.status_code == 409 and error_code(author) == "tree_not_published"


class TestSteps:
    async def test_answer_moves_on_and_invalid_option_is_422(
        self, client: httpx.AsyncClient, team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        bad = await client.post(
            f"/api/v1/sessions/{session['id']}/steps", headers=team.tech_h, json={"option_id": "ok"}
        )  # an option of a later node
        assert bad.status_code == 422 and error_code(bad) == "invalid_option"
        after = await step(client, team.tech_h, session, "yes", note="LED is green")
        assert after["current"]["node_id"] == "q2"
        assert [p["node_id"] for p in after["path"]] == ["q1", "q2"]
        assert after["path"][0]["answer_label"] == "Yes"
        assert after["path"][0]["note"] == "LED is green"
        assert after["revision"] == session["revision"] + 1

    @pytest.mark.parametrize(("age", "expected"), [(5, "s_replace"), (1, "a1"), (None, "a1")])
    async def test_logic_node_branches_on_variables(
        self, client: httpx.AsyncClient, team, age: int | None, expected: str
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        variables = {"device": "P1", **({"age_years": age} if age is not None else {})}
        session = await start(client, team.tech_h, tree_id, variables=variables)
        after = await step(client, team.tech_h, session, "no")
        assert after["current"]["node_id"] == expected
        assert [p["node_id"] for p in after["path"]] == ["q1", "l1", expected]
        assert after["path"][1]["kind"] == "logic"

    async def test_back_keeps_history_and_offers_the_old_answer(
        self, client: httpx.AsyncClient, team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        await step(client, team.tech_h, session, "yes")
        back = await client.post(
            f"/api/v1/sessions/{session['id']}/back", headers=team.tech_h, json={"path_index": 0}
        )
        assert back.status_code == 200
        body = back.json()
        assert body["current"]["node_id"] == "q1"
        assert body["current"]["suggested_option_id"] == "yes"
        assert len(body["path"]) == 1
        changed = await step(client, team.tech_h, body, "no")
        assert changed["current"]["node_id"] == "a1"
        kinds = [
            r["kind"]
            for r in await fresh.fetch(
                "SELECT kind FROM session_steps WHERE session_id = $1 ORDER BY seq",
                uuid.UUID(session["id"]),
            )
        ]
        assert kinds == ["start", "answer", "back", "answer", "auto"]
        invalid = await client.post(
            f"/api/v1/sessions/{session['id']}/back", headers=team.tech_h, json={"path_index": 9}
        )
        assert invalid.status_code == 422 and error_code(invalid) == "invalid_path_index"

    async def test_stale_revision_is_409(self, client: httpx.AsyncClient, team) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        await step(client, team.tech_h, session, "yes", base_revision=session["revision"])
        stale = await client.post(
            f"/api/v1/sessions/{session['id']}/steps",
            headers=team.tech_h,
            json={"option_id": "ok", "base_revision": session["revision"]},
        )
        assert stale.status_code == 409
        assert stale.json()["detail"]["current_revision"] == session["revision"] + 1
        put = await client.put(
            f"/api/v1/sessions/{session['id']}",
            headers=team.tech_h,
            json={"base_revision": session["revision"], "notes": "x"},
        )
        assert put.status_code == 409 and error_code(put) == "session_conflict"


class TestComplete:
    async def test_deferred_variable_is_needed_to_complete(
        self, client: httpx.AsyncClient, team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        await step(client, team.tech_h, session, "yes")
        at_end = await step(client, team.tech_h, session, "ok")
        assert at_end["current"]["is_terminal"] is True and at_end["can_complete"] is False
        refused = await client.post(
            f"/api/v1/sessions/{session['id']}/complete", headers=team.tech_h, json={}
        )
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["field"] == "variables.ticket"
        filled = await client.put(
            f"/api/v1/sessions/{session['id']}",
            headers=team.tech_h,
            json={"base_revision": at_end["revision"], "variables": {"ticket": "T-42"}},
        )
        assert filled.status_code == 200 and filled.json()["can_complete"] is True
        done = await client.post(
            f"/api/v1/sessions/{session['id']}/complete",
            headers=team.tech_h,
            json={"resolution_note": "Works"},
        )
        assert done.status_code == 200
        assert done.json()["status"] == "completed" and done.json()["outcome"] == "resolved"
        again = await client.post(
            f"/api/v1/sessions/{session['id']}/complete", headers=team.tech_h, json={}
        )
        assert again.status_code == 409 and error_code(again) == "session_not_active"

    async def test_ends_early_as_unresolved_or_escalated_with_a_note(
        self, client: httpx.AsyncClient, team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        for outcome in ("unresolved", "escalated"):
            session = await start(
                client, team.tech_h, tree_id, variables={"device": "x", "ticket": "T1"}
            )
            url = f"/api/v1/sessions/{session['id']}"
            for body, code, field in (
                ({}, "not_at_terminal", "outcome"),
                ({"outcome": "resolved"}, "outcome_mismatch", "outcome"),
                ({"outcome": outcome}, "note_required", "resolution_note"),
                ({"outcome": outcome, "resolution_note": "  "}, "note_required", "resolution_note"),
            ):
                response = await client.post(f"{url}/complete", headers=team.tech_h, json=body)
                assert response.status_code == 422 and error_code(response) == code
                assert error_field(response) == field
            unchanged = (await client.get(url, headers=team.tech_h)).json()
            assert unchanged["status"] == "in_progress" and unchanged["revision"] == 1
            ok = await client.post(
                f"{url}/complete",
                headers=team.tech_h,
                json={"outcome": outcome, "resolution_note": "Customer needs a new part"},
            )
            assert ok.status_code == 200, ok.text
            assert ok.json()["outcome"] == outcome and ok.json()["status"] == "completed"
            assert ok.json()["resolution_note"] == "Customer needs a new part"

    async def test_escalation_node_completes_as_escalated(
        self, client: httpx.AsyncClient, team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(
            client, team.tech_h, tree_id, variables={"device": "x", "ticket": "T1"}
        )
        await step(client, team.tech_h, session, "yes")
        await step(client, team.tech_h, session, "fail")
        assert (await complete(client, team.tech_h, session))["outcome"] == "escalated"

    async def test_abandon(self, client: httpx.AsyncClient, team) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        response = await client.post(
            f"/api/v1/sessions/{session['id']}/abandon",
            headers=team.tech_h,
            json={"reason": "customer_left"},
        )
        assert response.status_code == 200 and response.json()["status"] == "abandoned"
        assert await step(client, team.tech_h, session, "yes", expect=409)


class TestPrepared:
    async def test_dispatcher_prepares_technician_starts(
        self, client: httpx.AsyncClient, team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        prepared = await start(
            client,
            team.engineer_h,
            tree_id,
            prepared=True,
            technician_id=team.tech["user"]["id"],
            variables={},
        )
        assert prepared["status"] == "prepared" and prepared["current"] is None
        assert prepared["missing_variables"]["at_start"] == ["device"]
        assigned = (await client.get("/api/v1/sessions?tab=assigned", headers=team.tech_h)).json()[
            "items"
        ]
        assert [s["id"] for s in assigned] == [prepared["id"]]
        # Another technician does not see it; the dispatcher sees it but cannot run it.
        other = await client.get(f"/api/v1/sessions/{prepared['id']}", headers=team.tech2_h)
        assert other.status_code == 404
        by_dispatcher = await client.post(
            f"/api/v1/sessions/{prepared['id']}/start", headers=team.engineer_h, json={}
        )
        assert by_dispatcher.status_code == 403 and error_code(by_dispatcher) == "not_assignee"
        missing = await client.post(
            f"/api/v1/sessions/{prepared['id']}/start", headers=team.tech_h, json={}
        )
        assert missing.status_code == 422
        started = await client.post(
            f"/api/v1/sessions/{prepared['id']}/start",
            headers=team.tech_h,
            json={"variables": {"device": "MFP"}},
        )
        assert started.status_code == 200
        assert started.json()["status"] == "in_progress"
        assert started.json()["current"]["node_id"] == "q1"

    async def test_technicians_cannot_prepare_or_assign(
        self, client: httpx.AsyncClient, team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        for body in (
            {"prepared": True, "technician_id": team.tech2["user"]["id"]},
            {"technician_id": team.tech2["user"]["id"]},
        ):
            response = await client.post(
                "/api/v1/sessions",
                headers=team.tech_h,
                json={"tree_id": tree_id, "variables": {"device": "x"}, **body},
            )
            assert response.status_code == 403 and error_code(response) == "cannot_assign"

    async def test_preparing_for_a_stranger_is_404(self, client: httpx.AsyncClient, team) -> None:
        tree_id = await published_tree(client, team.admin_h)
        stranger, _ = await signed_in(client)
        response = await client.post(
            "/api/v1/sessions",
            headers=team.engineer_h,
            json={"tree_id": tree_id, "prepared": True, "technician_id": stranger["user"]["id"]},
        )
        assert response.status_code == 404 and error_code(response) == "member_not_found"


class TestHistory:
    async def test_tabs_filters_and_keyset_pages(self, client: httpx.AsyncClient, team) -> None:
        tree_id = await published_tree(client, team.admin_h)
        ids = []
        for i in range(7):
            s = await start(client, team.tech_h, tree_id, notes=f"customer call {i}")
            ids.append(s["id"])
        await start(client, team.tech2_h, tree_id, notes="someone else")
        pages, cursor = [], None
        while True:
            url = "/api/v1/sessions?limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = (await client.get(url, headers=team.tech_h)).json()
            pages.append([s["id"] for s in page["items"]])
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert [len(p) for p in pages] == [3, 3, 1]
        assert [i for p in pages for i in p] == list(reversed(ids))  # newest first, no repeats
        found = (await client.get("/api/v1/sessions?q=CALL%204", headers=team.tech_h)).json()[
            "items"
        ]
        assert [s["id"] for s in found] == [ids[4]]
        everyone = (
            await client.get("/api/v1/sessions?tab=all&limit=100", headers=team.admin_h)
        ).json()["items"]
        assert len(everyone) == 8
        refused = await client.get("/api/v1/sessions?tab=all", headers=team.tech_h)
        assert refused.status_code == 403
        bad = await client.get("/api/v1/sessions?cursor=%%%", headers=team.tech_h)
        assert bad.status_code == 422 and error_code(bad) == "invalid_cursor"
        done = (await client.get("/api/v1/sessions?status=completed", headers=team.tech_h)).json()[
            "items"
        ]
        assert done == []


class TestIsolation:
    async def test_sessions_of_another_account_are_404_everywhere(
        self, client: httpx.AsyncClient, team, fresh: Fresh
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        _, other_h = await signed_in(client)
        sid = session["id"]
        calls = [
            ("GET", f"/api/v1/sessions/{sid}", None),
            ("PUT", f"/api/v1/sessions/{sid}", {"base_revision": 1, "notes": "x"}),
            ("POST", f"/api/v1/sessions/{sid}/start", {}),
            ("POST", f"/api/v1/sessions/{sid}/steps", {"option_id": "yes"}),
            ("POST", f"/api/v1/sessions/{sid}/back", {"path_index": 0}),
            ("PUT", f"/api/v1/sessions/{sid}/steps/0/note", {"note": "x"}),
            ("POST", f"/api/v1/sessions/{sid}/complete", {"outcome": "unresolved"}),
            ("POST", f"/api/v1/sessions/{sid}/abandon", {"reason": "customer_left"}),
            ("GET", f"/api/v1/trees/{tree_id}/start", None),
            ("POST", f"/api/v1/sessions/{sid}/export", {"format": "json"}),
        ]
        for method, url, body in calls:
            response = await client.request(method, url, headers=other_h, json=body)
            assert response.status_code == 404, (method, url, response.text)
        start_other = await client.post(
            "/api/v1/sessions",
            headers=other_h,
            json={"tree_id": tree_id, "variables": {"device": "x"}},
        )
        assert start_other.status_code == 404
        listed = (await client.get("/api/v1/sessions?tab=all", headers=other_h)).json()
        assert listed["items"] == []
        labels = await client.get("/api/v1/sessions/outcome-labels", headers=other_h)
        assert labels.status_code == 200 and labels.json() == []
        assert await fresh.val("SELECT revision FROM troubleshooting_sessions") == 1


class TestExport:
    async def test_markdown_escapes_markup_and_formulas(
        self, client: httpx.AsyncClient, team
    ) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(
            client, team.tech_h, tree_id, variables={"device": '=HYPERLINK("http://x")'}
        )
        await step(client, team.tech_h, session, "yes", note="[click](http://evil) <b>x</b>")
        response = await client.post(
            f"/api/v1/sessions/{session['id']}/export",
            headers=team.tech_h,
            json={"format": "markdown"},
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/markdown")
        text = response.text
        rendered = MarkdownIt("gfm-like").render(text)
        assert "<a " not in rendered and "<b>" not in rendered
        assert "Note: \\[click\\](`http://evil`) \\<b>x\\</b>" in text
        assert '\'=HYPERLINK("`http://x`")' in text
        # Ordinary prose needs no escapes: dates, hyphens and parentheses read as written.
        assert "(version 1)" in text and re.search(r"\d{4}-\d{2}-\d{2} \d{2}:", text)
        assert "Prepared by" not in text  # the technician started it themselves

    async def test_json_and_pdf(self, client: httpx.AsyncClient, team) -> None:
        tree_id = await published_tree(client, team.admin_h)
        session = await start(
            client, team.tech_h, tree_id, variables={"device": "Überprüfung 设备 מדפסת"}
        )
        await step(client, team.tech_h, session, "yes", note="Notiz: Überprüfung ok")
        as_json = await client.post(
            f"/api/v1/sessions/{session['id']}/export", headers=team.tech_h, json={"format": "json"}
        )
        data = json.loads(as_json.content)
        assert data["steps"][0]["answer"] == "Yes"
        assert data["variables"][0] == {"label": "Device", "value": "Überprüfung 设备 מדפסת"}
        pdf = await client.post(
            f"/api/v1/sessions/{session['id']}/export", headers=team.tech_h, json={"format": "pdf"}
        )
        assert pdf.headers["content-type"] == "application/pdf"
        assert "attachment" in pdf.headers["content-disposition"]
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        for expected in ("Printer will not print", "Überprüfung", "设备", "Notiz"):
            assert expected in text
        bad = await client.post(
            f"/api/v1/sessions/{session['id']}/export", headers=team.tech_h, json={"format": "docx"}
        )
        assert bad.status_code == 422
