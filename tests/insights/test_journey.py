"""Sessions run through the API reach the figures at once, also when many end together."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Fresh, burst
from tests.sessions.helpers import complete, make_team, published_tree, start, step
from troubletree.insights import bins
from troubletree.insights.models import EVERYONE

TICKET = {"device": "Printer", "ticket": "T-1"}


async def _insights(client: httpx.AsyncClient, h: dict[str, str], tree_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/trees/{tree_id}/insights", headers=h)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_a_session_counts_as_it_runs_and_ends(client: httpx.AsyncClient) -> None:
    team = await make_team(client)
    tree_id = await published_tree(client, team.admin_h)
    session = await start(client, team.tech_h, tree_id, variables=TICKET)
    before = await _insights(client, team.engineer_h, tree_id)
    assert before["totals"]["started"] == 0  # never answered yet
    session = await step(client, team.tech_h, session, "yes")
    running = await _insights(client, team.engineer_h, tree_id)
    assert running["totals"] == {"started": 1, "completed": 0, "abandoned": 0, "in_progress": 1}
    session = await step(client, team.tech_h, session, "ok")
    await complete(client, team.tech_h, session, resolution_note="fine")
    done = await _insights(client, team.engineer_h, tree_id)
    assert done["totals"] == {"started": 1, "completed": 1, "abandoned": 0, "in_progress": 0}
    assert done["outcomes"][0] == {"key": "resolved", "count": 1, "rate": 1.0}
    assert [p["node_ids"] for p in done["paths"]] == [["q1", "q2", "s_ok"]]
    by_id = {n["node_id"]: n for n in done["nodes"]}
    assert by_id["s_ok"]["exits"] == 1
    assert by_id["q1"]["options"][0] == {"option_id": "yes", "label": "Yes", "count": 1}


async def test_sessions_ending_together_are_all_counted(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    """40 sessions of one tree, all on the same rollup rows, completed at once: every one is
    counted exactly once, and the rollups agree with the step log."""
    team = await make_team(client)
    tree_id = await published_tree(client, team.admin_h)
    sessions = []
    for _ in range(40):
        s = await start(client, team.tech_h, tree_id, variables=TICKET)
        s = await step(client, team.tech_h, s, "yes")
        sessions.append(await step(client, team.tech_h, s, "fail"))
    responses = await burst(
        40,
        lambda i: client.post(
            f"/api/v1/sessions/{sessions[i]['id']}/complete", headers=team.tech_h, json={}
        ),
    )
    assert sorted(r.status_code for r in responses) == [200] * 40
    data = await _insights(client, team.engineer_h, tree_id)
    assert data["totals"]["completed"] == 40
    assert data["outcomes"][1]["count"] == 40  # escalated
    rolled = await fresh.val(
        "SELECT sum(visits) FROM insight_node_days WHERE tree_id = $1::uuid AND node_id = 'e1' "
        "AND technician_id = $2",
        tree_id,
        EVERYONE,
    )
    assert rolled == 40
    raw = await fresh.val(
        "SELECT count(*) FROM insight_visits_of(ARRAY(SELECT id FROM troubleshooting_sessions "
        "WHERE tree_id = $1::uuid), false) WHERE node_id = 'e1'",
        tree_id,
    )
    assert raw == 40


async def test_bins_match_the_database(fresh: Fresh) -> None:
    """insight_bin (SQL) puts every edge, and just past it, where bins.bin_of does."""
    values = [0.0, 0.4, *(float(e) for e in bins.EDGES), *(e + 0.000001 for e in bins.EDGES)]
    rows = await fresh.fetch("SELECT v, insight_bin(v) FROM unnest($1::float8[]) AS v", values)
    assert [r[1] for r in rows] == [bins.bin_of(v) for v in values]


def test_percentiles_are_nearest_rank_bucket_edges() -> None:
    hist = [0] * bins.BINS
    for seconds in (3, 11, 11, 29, 500):  # 11 -> bucket (10, 12]; 29 -> (25, 30]; 500 -> 600
        hist[bins.bin_of(seconds)] += 1
    assert bins.percentile(hist, 0.5) == 12.0  # the 3rd of 5 is 11
    assert bins.percentile(hist, 0.9) == 600.0  # the 5th of 5 is 500
    assert bins.percentile([0] * bins.BINS, 0.5) is None
    overflow = [0] * bins.BINS
    overflow[-1] = 1
    assert bins.percentile(overflow, 0.5) == float(bins.EDGES[-1])
