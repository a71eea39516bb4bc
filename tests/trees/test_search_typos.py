"""Search that forgives typing errors: a table of queries with typing errors over a generated
library of 500 trees, each with the tree it must find in its first three results; exact
spellings first; the vocabulary kept true as trees change (also under parallel saves and tag
changes); did you mean; the searches that found nothing, recorded and listed for authors."""

from __future__ import annotations

import itertools
import os
import random
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Fresh, burst
from tests.helpers import error_field, signed_in
from tests.trees.factories import create_tree, graph, member, published_tree, upgrade_plan
from troubletree.accounts.caller import Caller
from troubletree.accounts.models import Role
from troubletree.core.db import Database
from troubletree.trees import service
from troubletree.trees.graph import Graph
from troubletree.trees.repository.search import edit_budget, edit_distance

TREES = "/api/v1/trees"

DEVICES = [
    "Wireless router",
    "Laptop",
    "Printer",
    "Docking station",
    "Monitor",
    "Keyboard",
    "VPN client",
    "Outlook mailbox",
    "Teams meeting",
    "Desk phone",
    "Barcode scanner",
    "Receipt printer",
    "Tablet",
    "Projector",
    "Webcam",
    "Headset",
    "File server",
    "Network switch",
    "Badge reader",
    "Payment terminal",
]
PROBLEMS = [
    "drops connection",
    "won't power on",
    "not printing",
    "screen flickers",
    "keeps restarting",
    "runs slowly",
    "cannot sign in",
    "has no sound",
    "overheats",
    "battery drains quickly",
    "shows an error code",
    "freezes randomly",
    "is not detected",
    "loses settings",
    "makes a clicking noise",
    "cannot update firmware",
    "disconnects from Bluetooth",
    "shows a blank display",
    "rejects the password",
    "prints faded pages",
    "syncs very slowly",
    "beeps on startup",
    "cannot reach the internet",
    "drops calls",
    "crashes when opened",
]
STEPS = [
    "Check the cables and restart",
    "Update the firmware",
    "Reset to factory settings",
    "Replace the power adapter",
    "Reinstall the driver",
    "Clear the cache",
]
# Trees whose words are only in their tags, description or step text (published through the
# API), and a query for each with typing errors.
ELSEWHERE = [
    (
        "Thermal label station",
        {"tags": ["zebra"], "description": "Guillotine cutter stops halfway through a label."},
        "guilotine cuttr",
    ),
    (
        "Kiosk touch panel",
        {
            "graph": graph(
                nodes=[
                    {
                        "id": "n1",
                        "kind": "solution",
                        "title": "Recalibrate the digitizer",
                        "body": "Hold the calibration crosshair for five seconds.",
                    }
                ]
            )
        },
        "recalibrat digitiser crosshiar",
    ),
    ("Conference display", {"tags": ["hdmi-switcher", "boardroom"]}, "boardrom"),
]
QUERY_COUNT = 45
WORD = str.isalpha


def library() -> list[tuple[str, str, list[str]]]:
    """500 trees: every device with every problem, a description and a tag."""
    rng = random.Random(11)
    out = []
    for device, problem in itertools.product(DEVICES, PROBLEMS):
        steps = rng.sample(STEPS, 2)
        description = (
            f"When the {device.lower()} {problem}: {steps[0].lower()}, then {steps[1].lower()}."
        )
        out.append((f"{device} {problem}", description, [device.split()[-1].lower()]))
    return out


def typo(word: str, rng: random.Random, vocabulary: set[str]) -> str:
    """The word with as many typing errors as its budget forgives (a letter missing, extra,
    changed, or two neighbours swapped; anywhere, the first letter too), never landing on
    another word the library holds (that is a correctly spelled word, taken as meant)."""
    budget = edit_budget(len(word))
    while True:
        typed = word
        for _ in range(budget):
            i = rng.randrange(0, len(typed) - 1)
            kind = rng.choice(["missing", "extra", "changed", "swapped"])
            if kind == "missing":
                typed = typed[:i] + typed[i + 1 :]
            elif kind == "extra":
                typed = typed[:i] + rng.choice("aeioulnrst") + typed[i:]
            elif kind == "changed":
                other = [c for c in "aeioulnrstp" if c != typed[i]]
                typed = typed[:i] + rng.choice(other) + typed[i + 1 :]
            else:
                typed = typed[:i] + typed[i + 1] + typed[i] + typed[i + 2 :]
        if budget == 0 or (typed != word and typed not in vocabulary):
            return typed


def typo_queries(titles: list[str], vocabulary: set[str]) -> list[tuple[str, str]]:
    """(query, title it must find): every word of the title with typing errors."""
    rng = random.Random(int(os.environ.get("TYPO_SEED", "2026")))
    out = [("wirless rotuer dropps", "Wireless router drops connection")]
    for title in rng.sample(titles, QUERY_COUNT - 1):
        words = [w for w in title.lower().split() if WORD(w)]
        out.append((" ".join(typo(w, rng, vocabulary) for w in words), title))
    return out


def test_edit_distance_counts_a_swap_as_one() -> None:
    assert edit_distance("rotuer", "router", 3) == 1
    assert edit_distance("wirless", "wireless", 3) == 1
    assert edit_distance("dropps", "drops", 3) == 1
    assert edit_distance("keybaord", "keyboard", 3) == 1
    assert edit_distance("abcdef", "uvwxyz", 2) == 3  # stops past the limit
    assert [edit_budget(len(w)) for w in ("usb", "wifi", "router", "wireless")] == [0, 1, 1, 2]


async def test_typo_table_over_500_trees(
    client: httpx.AsyncClient,
    fresh: Fresh,
    database: Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user, headers = await signed_in(client)
    account_id = uuid.UUID(user["account"]["id"])
    await upgrade_plan(fresh, account_id)
    caller = Caller(
        uuid.UUID(user["user"]["id"]), account_id, Role.admin, "Test User", user["email"]
    )
    trees = library()
    async with database.sessionmaker() as db:
        for title, description, tags in trees:
            await service.create_draft(
                db,
                caller,
                title=title,
                description=description,
                category_id=None,
                tag_names=tags,
                tag_ids=[],
                graph=Graph(),
            )
        await db.commit()
    for title, body, _ in ELSEWHERE:
        await published_tree(client, headers, title, **body)
    assert len(trees) + len(ELSEWHERE) >= 500

    rows = await fresh.fetch("SELECT word FROM search_vocabulary WHERE account_id = $1", account_id)
    vocabulary = {r["word"] for r in rows}
    queries = typo_queries([t[0] for t in trees], vocabulary)
    queries += [(q, title) for title, _, q in ELSEWHERE]
    assert len(queries) >= 40
    misses = []
    for q, title in queries:
        response = await client.get(f"{TREES}/search", headers=headers, params={"q": q, "limit": 3})
        assert response.status_code == 200, response.text
        hits = response.json()["items"]
        if title not in [h["tree"]["title"] for h in hits]:
            misses.append((q, title, [h["tree"]["title"] for h in hits]))
            async with database.sessionmaker() as db:
                from troubletree.trees.repository import search as sq

                await db.execute(sq.SEARCH_SETTINGS)
                print("DEBUG", q, await sq.expand_query(db, account_id, q))
        assert all(h["score"] > 0 for h in hits), (q, hits)

    found = len(queries) - len(misses)
    with capsys.disabled():
        print(
            f"\ntypo table: {found}/{len(queries)} found in the first three results "
            f"({found / len(queries):.0%}) over {len(trees) + len(ELSEWHERE)} trees"
        )
        for q, title in queries:
            print(f"  {'missed' if q in {m[0] for m in misses} else 'found '} {q!r} -> {title!r}")
    assert misses == []


async def test_exact_spellings_rank_above_forgiven_ones(
    client: httpx.AsyncClient,
) -> None:
    _, headers = await signed_in(client)
    typo = await create_tree(client, headers, "Wireless rotuer setup")  # a typo in a title
    right = await create_tree(client, headers, "Wireless router drops")
    await create_tree(client, headers, "Router cabinet", description="Wireless router racks")

    async def titles(q: str) -> list[str]:
        response = await client.get(f"{TREES}/search", headers=headers, params={"q": q})
        return [h["tree"]["title"] for h in response.json()["items"]]

    # The typo some tree carries is matched as typed first, then corrected.
    assert await titles("wireless rotuer") == [typo["title"], right["title"], "Router cabinet"]
    # A word spelled right is not "corrected" into a rarer word: the typo's title is only
    # spelled like the query (the last tier).
    assert await titles("wireless router drops") == [right["title"], typo["title"]]
    assert (await titles("wireles routr"))[:2] == [right["title"], "Router cabinet"]


async def vocabulary(fresh: Fresh, account_id: uuid.UUID) -> dict[str, int]:
    rows = await fresh.fetch(
        "SELECT word, tree_count FROM search_vocabulary WHERE account_id = $1", account_id
    )
    return {r["word"]: r["tree_count"] for r in rows}


async def true_vocabulary(fresh: Fresh, account_id: uuid.UUID) -> dict[str, int]:
    """The vocabulary recomputed from the trees' text (title, tags, category, description,
    node text of the current version), not from the kept spellings."""
    rows = await fresh.fetch(
        "SELECT w AS word, count(*) AS trees FROM trees t, unnest(tsvector_to_array(to_tsvector("
        "'simple', concat_ws(' ', t.title, t.description, "
        "(SELECT c.name FROM categories c WHERE c.id = t.category_id), "
        "(SELECT string_agg(g.name, ' ') FROM tree_tags tt JOIN tags g ON g.id = tt.tag_id "
        " WHERE tt.tree_id = t.id), "
        "(SELECT string_agg(concat_ws(' ', n->>'title', n->>'body'), ' ') FROM tree_versions v, "
        " jsonb_array_elements(v.graph->'nodes') n WHERE v.id = t.current_version_id))))) w "
        "WHERE t.account_id = $1 AND t.deleted_at IS NULL AND w ~ '^[[:alpha:]]{4,30}$' "
        "GROUP BY w",
        account_id,
    )
    return {r["word"]: r["trees"] for r in rows}


async def test_vocabulary_follows_saves_publishes_renames_and_deletes(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    user, headers = await signed_in(client)
    account_id = uuid.UUID(user["account"]["id"])
    category = await client.post(f"{TREES}/categories", headers=headers, json={"name": "Kiosks"})
    first = await published_tree(
        client, headers, "Toner smears", tags=["printer"], category_id=category.json()["id"]
    )
    second = await create_tree(client, headers, "Toner empty", description="Order cartridges")
    words = await vocabulary(fresh, account_id)
    assert words == await true_vocabulary(fresh, account_id)
    assert words["toner"] == 2 and words["kiosks"] == 1
    assert words["supply"] == 1  # node text of the published version ("power supply")

    await client.put(
        f"{TREES}/{second['id']}",
        headers=headers,
        json={"base_revision": 1, "title": "Drum worn", "tags": ["printer"]},
    )
    await client.patch(
        f"{TREES}/categories/{category.json()['id']}", headers=headers, json={"name": "Lobby"}
    )
    words = await vocabulary(fresh, account_id)
    assert words == await true_vocabulary(fresh, account_id)
    assert words["lobby"] == 1 and "kiosks" not in words and words["printer"] == 2

    await client.delete(f"{TREES}/{first['id']}", headers=headers)
    words = await vocabulary(fresh, account_id)
    assert words == await true_vocabulary(fresh, account_id)
    assert "toner" not in words and "smears" not in words and words["drum"] == 1


@pytest.mark.parametrize("round_", range(3))
async def test_vocabulary_stays_true_under_parallel_saves_and_tag_changes(
    client: httpx.AsyncClient, fresh: Fresh, round_: int
) -> None:
    """50 requests at once: saves of titles and tags sharing words, publishes and deletes.
    No deadlock (every answer a 2xx, or 409 for a stale revision), and the vocabulary is
    exactly the words of the live trees."""
    user, headers = await signed_in(client)
    account_id = uuid.UUID(user["account"]["id"])
    await upgrade_plan(fresh, account_id)
    trees = [
        await create_tree(client, headers, f"Shared words {i}", graph=graph(), tags=["common"])
        for i in range(12)
    ]
    titles = ["Router reboot loop", "Router firmware shared", "Printer jam", "Shared words again"]
    tag_sets = [["common", "router"], ["printer", "shared"], ["router", "printer"], []]

    async def act(i: int) -> httpx.Response:
        tree = trees[i % len(trees)]
        if i % 10 == 7:
            return await client.post(f"{TREES}/{tree['id']}/publish", headers=headers, json={})
        if i % 25 == 24:
            return await client.delete(f"{TREES}/{tree['id']}", headers=headers)
        if i % 2:
            body: dict[str, Any] = {"base_revision": 1, "tags": tag_sets[(i + round_) % 4]}
        else:
            body = {"base_revision": 1, "title": titles[(i + round_) % 4], "tags": ["common"]}
        return await client.put(f"{TREES}/{tree['id']}", headers=headers, json=body)

    responses = await burst(50, act)
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 201, 204, 404, 409}, [
        r.text for r in responses if r.status_code >= 500
    ]
    assert codes.count(200) >= 1
    assert await vocabulary(fresh, account_id) == await true_vocabulary(fresh, account_id)


async def test_nothing_found_suggests_and_is_recorded_for_authors(
    client: httpx.AsyncClient, fresh: Fresh
) -> None:
    _, admin = await signed_in(client)
    _, engineer = await member(client, admin, "engineer")
    _, tech = await member(client, admin, "technician")
    await published_tree(client, admin, "Printer offline")

    async def search(headers: dict[str, str], q: str, **params: Any) -> dict[str, Any]:
        response = await client.get(f"{TREES}/search", headers=headers, params={"q": q, **params})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    # Too far to be forgiven (three edits), near enough to be suggested.
    body = await search(tech, "pirntre zebra")
    assert body["items"] == [] and body["did_you_mean"] == "printer zebra"
    assert (await search(tech, "printer offline"))["did_you_mean"] is None  # found
    # Typing one query records it once; the same query again counts twice.
    for typed in ("zeb", "zebra", "zebra cab"):
        await search(admin, typed)
    await search(engineer, "ZEBRA CAB")
    await search(admin, "zebra", status="published")  # narrowed by a filter: not recorded
    page = await search(admin, "printer")
    assert page["items"] and page["did_you_mean"] is None

    misses = await client.get(f"{TREES}/search/misses", headers=engineer)
    assert misses.status_code == 200, misses.text
    listed = [(m["query"].lower(), m["count"]) for m in misses.json()]
    assert listed == [("zebra cab", 2), ("pirntre zebra", 1)]
    assert await fresh.val("SELECT count(*) FROM empty_searches") == 3
    assert all(m["last_searched_at"] for m in misses.json())

    # The period: since the last search nothing; until the first one nothing.
    last = misses.json()[0]["last_searched_at"]
    later = await client.get(f"{TREES}/search/misses", headers=admin, params={"since": last})
    assert [m["query"].lower() for m in later.json()] == ["zebra cab"]
    limited = await client.get(f"{TREES}/search/misses", headers=admin, params={"limit": 1})
    assert len(limited.json()) == 1

    # A suggestion may be three letters longer or shorter than the word typed.
    assert (await search(tech, "supplyxyz"))["did_you_mean"] == "supply"

    assert (await client.get(f"{TREES}/search/misses", headers=tech)).status_code == 403
    _, other = await signed_in(client)
    assert (await client.get(f"{TREES}/search/misses", headers=other)).json() == []


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("search", {"q": "x" * 201}, "q"),
        ("search", {"q": "   "}, "q"),
        ("search", {"q": "router", "limit": 51}, "limit"),
        ("search/misses", {"limit": 0}, "limit"),
        ("search/misses", {"limit": 501}, "limit"),
        ("search/misses", {"since": "yesterday"}, "since"),
        ("search/misses", {"until": "2026-12-01T00:00:00"}, "until"),  # no time zone
        (
            "search/misses",
            {"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"},
            "until",
        ),
    ],
)
async def test_bad_search_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, fresh: Fresh, path: str, params: dict[str, Any], field: str
) -> None:
    _, headers = await signed_in(client)
    response = await client.get(f"{TREES}/{path}", headers=headers, params=params)
    assert response.status_code == 422, response.text
    assert error_field(response) == field
    assert await fresh.val("SELECT count(*) FROM empty_searches") == 0
