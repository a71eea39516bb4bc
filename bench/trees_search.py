"""Tree search at scale: latency through the API next to the same SQL run directly.

Generates N trees in one account (the hardest case for a search scoped to the caller's account:
the account filter prunes nothing), each with a realistic title, description, category, 1-5 tags
and a published graph of 20-200 nodes (88 % published, 4 % archived, 8 % never published), then
runs a fixed mix of realistic queries (device names, symptoms, brands, error codes, words that
only occur in node text, and typos) and reports p50/p95 of:

- API: `GET /api/v1/trees/search?q=...` through httpx's ASGI transport on `create_app()`: auth,
  membership lookup, the transaction, the search, highlighting, serialisation;
- SQL: the statements the endpoint runs (`trees.repository.search.SEARCH_SETTINGS`, `search_probe`,
  `search_statement`), compiled for asyncpg and executed in one transaction on a plain
  connection: no HTTP, no auth, no ORM, no serialisation.

Targets: API p95 under 50 ms, and API/SQL at most 2x.

Usage: .venv/bin/python bench/trees_search.py [--trees 5000] [--queries 300] [--keep]
It creates its own database (tt_bench_*) on BENCH_DATABASE_URL / DATABASE_URL / 127.0.0.1:5432,
loads the data with COPY (no API calls per tree), and drops the database at the end. Results go
to bench/results/trees_search-<trees>-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import string
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import psycopg
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from troubletree.core.config import Settings
from troubletree.core.db import Database, libpq_url, replace_database
from troubletree.core.migrate import upgrade
from troubletree.main import create_app
from troubletree.trees.models import SEARCH_CONFIG
from troubletree.trees.repository import search as repository
from troubletree.trees.repository.search import NO_FILTERS
from troubletree.trees.repository.trees import SPELLING

RESULTS = Path(__file__).resolve().parent / "results"
# A version's words as typed, as the app writes them on publish (`spellings_sql`).
NODE_SPELLINGS = (
    "ARRAY(SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple', node_text))) AS w "  # noqa: S608
    f"WHERE w ~ '{SPELLING}' ORDER BY w)"
)
PASSWORD = "benchmark passphrase 1"  # noqa: S105 - a throwaway database
BATCH = 2000

# --------------------------------------------------------------------------- vocabulary

# device, category, words its steps talk about
DEVICES: list[tuple[str, str, list[str]]] = [
    (
        "laser printer",
        "Printers",
        ["toner", "drum", "fuser", "tray", "paper", "spooler", "duplex unit"],
    ),
    ("inkjet printer", "Printers", ["cartridge", "nozzle", "printhead", "ink", "paper feed"]),
    ("label printer", "Printers", ["label roll", "ribbon", "print head", "calibration", "sensor"]),
    ("receipt printer", "Point of sale", ["paper roll", "cutter", "thermal head", "USB cable"]),
    ("card terminal", "Point of sale", ["PIN pad", "contactless reader", "EMV chip", "SIM card"]),
    ("barcode scanner", "Point of sale", ["trigger", "cradle", "scan engine", "battery"]),
    ("cash drawer", "Point of sale", ["solenoid", "kick cable", "lock", "till"]),
    ("laptop", "Computers", ["battery", "charger", "hinge", "keyboard", "touchpad", "BIOS"]),
    ("desktop PC", "Computers", ["power button", "RAM", "graphics card", "fan", "BIOS"]),
    ("thin client", "Computers", ["boot image", "network boot", "session", "firmware"]),
    ("monitor", "Displays", ["HDMI cable", "DisplayPort", "backlight", "input source"]),
    ("projector", "Displays", ["lamp", "filter", "keystone", "remote control"]),
    ("digital signage screen", "Displays", ["media player", "playlist", "schedule", "HDMI"]),
    ("Wi-Fi router", "Network", ["SSID", "DHCP", "firmware", "channel", "WAN port"]),
    ("network switch", "Network", ["VLAN", "port", "PoE budget", "uplink", "spanning tree"]),
    ("firewall", "Network", ["rule", "VPN tunnel", "licence", "WAN failover"]),
    ("access point", "Network", ["PoE injector", "controller", "roaming", "SSID"]),
    ("VoIP phone", "Telephony", ["SIP account", "handset", "dial tone", "PoE"]),
    ("headset", "Telephony", ["USB dongle", "microphone", "mute button", "pairing"]),
    ("conference camera", "Meeting rooms", ["USB hub", "lens", "auto framing", "firmware"]),
    ("UPS", "Power", ["battery pack", "load", "inverter", "bypass switch"]),
    ("power supply", "Power", ["fuse", "voltage", "fan", "mains cable", "capacitor"]),
    ("smartphone", "Mobile", ["SIM card", "screen", "charging port", "MDM profile"]),
    ("tablet", "Mobile", ["touch screen", "charging dock", "MDM profile", "kiosk mode"]),
    ("NAS", "Storage", ["RAID volume", "disk", "share", "snapshot"]),
    ("external hard drive", "Storage", ["USB cable", "enclosure", "partition", "file system"]),
    ("air conditioner", "Facilities", ["compressor", "thermostat", "air filter", "refrigerant"]),
    ("coffee machine", "Facilities", ["descaling", "grinder", "boiler", "water tank"]),
    ("elevator", "Facilities", ["door sensor", "emergency phone", "controller", "car button"]),
    ("access badge reader", "Security", ["badge", "door strike", "controller", "LED ring"]),
    ("CCTV camera", "Security", ["recorder", "PoE", "night vision", "lens"]),
    ("forklift", "Warehouse", ["hydraulic pump", "mast", "traction battery", "forks"]),
    ("conveyor belt", "Warehouse", ["drive motor", "belt tension", "photo eye", "e-stop"]),
    ("handheld terminal", "Warehouse", ["scan engine", "battery", "cradle", "Wi-Fi profile"]),
    ("CNC machine", "Manufacturing", ["spindle", "coolant", "axis drive", "tool changer"]),
    ("3D printer", "Manufacturing", ["nozzle", "filament", "build plate", "extruder"]),
    ("solar inverter", "Energy", ["string", "grid relay", "isolation fault", "display"]),
    ("EV charger", "Energy", ["charging cable", "RFID card", "contactor", "RCD"]),
    ("heat pump", "HVAC", ["outdoor unit", "defrost cycle", "pressure", "expansion valve"]),
    ("gas boiler", "HVAC", ["pilot flame", "pressure gauge", "flue", "diverter valve"]),
    ("email client", "Software", ["mailbox", "IMAP", "calendar sync", "add-in"]),
    ("VPN client", "Software", ["certificate", "tunnel", "MFA prompt", "split tunnelling"]),
    ("ERP login", "Software", ["SSO", "password", "session", "role"]),
    ("video call app", "Software", ["camera access", "audio device", "bandwidth", "update"]),
]
BRANDS = [
    "HP",
    "Dell",
    "Lenovo",
    "Canon",
    "Epson",
    "Brother",
    "Cisco",
    "Ubiquiti",
    "Zebra",
    "Honeywell",
    "APC",
    "Samsung",
    "Apple",
    "Logitech",
    "Synology",
    "Daikin",
    "Bosch",
    "Siemens",
    "Toyota",
    "Fanuc",
    "SMA",
    "Ingenico",
    "Verifone",
    "Poly",
    "Yealink",
    "Jura",
    "Otis",
    "Microsoft",
    "Fortinet",
    "Axis",
]
SYMPTOMS = [
    "does not power on",
    "keeps restarting",
    "is very slow",
    "makes a grinding noise",
    "overheats",
    "loses connection",
    "will not connect to Wi-Fi",
    "shows a blank screen",
    "beeps three times",
    "is stuck on the boot screen",
    "drops calls",
    "prints blank pages",
    "jams",
    "fails the firmware update",
    "cannot be reached on the network",
    "drains the battery",
    "does not charge",
    "shows the wrong time",
    "leaks water",
    "trips the breaker",
    "smells of burning",
    "freezes after login",
    "rejects cards",
    "reads no barcodes",
    "flickers",
    "has no sound",
    "is not detected",
    "runs noisy",
    "shows an error",
    "stopped working",
]
EVENTS = [
    "a firmware update",
    "a power cut",
    "moving desks",
    "the Windows update",
    "a drop",
    "cleaning",
    "the network change",
    "a storm",
    "replacing the battery",
]
TEAMS = [
    "tier 2",
    "the network team",
    "facilities",
    "the vendor",
    "field service",
    "security",
    "the on-call engineer",
]
GENERIC_TAGS = [
    "urgent",
    "onsite",
    "remote",
    "tier1",
    "tier2",
    "hardware",
    "software",
    "network",
    "safety",
    "warranty",
    "vip",
    "outage",
    "intermittent",
    "new-hire",
    "retail",
    "hq",
    "branch",
    "night-shift",
    "checklist",
    "quick-fix",
]
CATEGORY_EXTRA = ["Onboarding", "General"]

QUESTION_TITLES = [
    "Is the {w} {state}?",
    "Does the {d} {verb}?",
    "What colour is the {w} LED?",
    "Can you see the {w}?",
    "Is the {w} firmly seated?",
    "Did the {w} change after the restart?",
    "Is the error still shown on the {d}?",
    "Does another {d} work with the same {w}?",
]
ACTION_TITLES = [
    "Reseat the {w}",
    "Restart the {d}",
    "Check the {w} for damage",
    "Update the {w} firmware",
    "Clean the {w}",
    "Replace the {w} with a spare",
    "Note the serial number of the {d}",
    "Unplug the {d} for thirty seconds",
    "Reset the {w} settings",
    "Test the {w} on another outlet",
]
SOLUTION_TITLES = [
    "Replace the {w}",
    "Reinstall the {w} driver",
    "Order a new {w}",
    "The {d} works again",
    "Swap the {d} for a loaner",
    "Reset the {d} to factory settings",
]
BODY_SENTENCES = [
    "Turn the {d} off, wait ten seconds and turn it on again.",
    "Make sure the {w} is firmly seated and not bent.",
    "If the status LED blinks amber, note the pattern before you continue.",
    "Wear gloves: the {w} may still be hot.",
    "Look for visible damage on the {w}, such as cracks or burn marks.",
    "Write the error code from the display into the ticket.",
    "Ask the user whether anything changed before the problem started.",
    "Use the spare {w} from the service cabinet if you have one.",
    "Do not open the housing of the {d}; this voids the warranty.",
    "Check that the {w} matches the model listed on the rating plate.",
    "Follow the lockout procedure before touching the {w}.",
    "Take a photo of the {w} and attach it to the ticket.",
    "If the {d} is still under warranty, contact the vendor instead.",
    "Confirm with the user that the {d} now works as expected.",
    "The {w} is usually behind the front cover of the {d}.",
]


def words(text: str) -> list[str]:
    return text.split()


# A wider vocabulary for node bodies, so a tree's text has hundreds of distinct words (real
# instructions do), plus part numbers: many rare tokens, as in real repair notes.
NOUNS = words(
    """adapter antenna backplate bezel bracket breaker bulb bus cabinet cable cap carriage
casing chassis chip circuit clamp clip coil connector console contact controller cord
cover cradle crimp cushion damper dial diode display dock door drawer driver duct earth
enclosure fan fastener feeder filter fitting flap flange gasket gauge gear grille
grommet guide handle harness heater heatsink hinge hook hose housing hub inlet insert
jack jumper key keypad latch lead lens lever light liner lock loom magnet manifold
membrane meter module motor mount nozzle nut outlet panel pin pipe plate plug port
pulley pump rail receptacle regulator relay resistor ring roller rotor screen screw seal
sensor shaft shield shutter sleeve slot socket spring sprocket strap strip switch tab
terminal thermistor thermostat timer tray trigger tube valve vent washer wheel wire"""
)
ADJECTIVES = words(
    """amber bent blocked brittle burnt chipped clogged cold corroded cracked damp dented dirty
dusty faded frayed green greasy hot humming intermittent jammed kinked leaking loose
melted misaligned noisy oily red rusty scorched seized sticky stiff swollen tight warped
wet worn"""
)
VERBS = words(
    """adjust align bleed calibrate clean clear connect degrease detach disconnect drain dry
earth fasten flush grease inspect insulate label loosen lubricate measure mount note
photograph press probe pull push realign reconnect refit reflash release remove replace
reroute reseat reset restart retighten rotate seal secure slide swap tap test tighten
torque twist unclip unplug unscrew update verify wipe"""
)
DETAIL_SENTENCES = [
    "{V} the {n} next to the {n2} and check that it is not {a}.",
    "If the {n} looks {a}, {v} it before you {v2} the {n2}.",
    "The {n} sits behind the {n2}; {v} the {n3} first.",
    "Use part {part} for the {n} and part {part2} for the {n2}.",
    "{V} the {n}, then {v} the {n2} until the {n3} is no longer {a}.",
    "A {a} {n} on the {n2} usually means the {n3} needs to be replaced.",
]
STATES = ["connected", "lit", "warm", "loose", "damaged", "blinking", "present", "clean"]
VERBS = [
    "power on",
    "show a picture",
    "make a sound",
    "respond",
    "boot",
    "connect",
    "print a test page",
    "charge",
]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # swap neighbours
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]  # wrong letter


# --------------------------------------------------------------------------- data generation


@dataclass(frozen=True)
class Context:
    seed: int
    account_id: uuid.UUID
    user_id: uuid.UUID
    categories: dict[str, uuid.UUID]
    tag_ids: list[uuid.UUID]
    tag_weights: list[float]
    now: datetime


# Each kind of device has its own parts: a word like "gasket" belongs to some trees, not all.
DEVICE_NOUNS = {device: random.Random(device).sample(NOUNS, 25) for device, _, _ in DEVICES}
NOUN_WEIGHTS = [1 / (rank + 1) for rank in range(25)]  # Zipf within a device's parts


def detail(rng: random.Random, device: str) -> str:
    def part() -> str:
        return f"{rng.randint(10, 99)}-{rng.choice(string.ascii_uppercase)}{rng.randint(100, 999)}"

    verbs = rng.sample(VERBS, 2)
    nouns = rng.choices(DEVICE_NOUNS[device], weights=NOUN_WEIGHTS, k=3)
    return rng.choice(DETAIL_SENTENCES).format(
        V=verbs[0].capitalize(),
        v=verbs[0],
        v2=verbs[1],
        n=nouns[0],
        n2=nouns[1],
        n3=nouns[2],
        a=rng.choice(ADJECTIVES),
        part=part(),
        part2=part(),
    )


def _graph(rng: random.Random, device: str, words: list[str]) -> tuple[str, str]:
    """A valid graph (every node reachable, every path ends) of 20-200 nodes, as stored JSON,
    and its node text (what the app indexes on publish)."""
    count = rng.randint(20, 200)
    children: list[list[int]] = [[] for _ in range(count)]
    for child in range(1, count):
        parent = rng.randrange(max(0, child - 8), child)  # bushy and deep, like real trees
        while len(children[parent]) >= 4:
            parent = rng.randrange(0, child)
        children[parent].append(child)
    nodes: list[dict[str, Any]] = []
    texts: list[str] = []

    def fill(template: str) -> str:
        return template.format(
            w=rng.choice(words), d=device, state=rng.choice(STATES), verb=rng.choice(VERBS)
        )

    for i in range(count):
        kids = children[i]
        if kids:
            kind = "question" if len(kids) > 1 or rng.random() < 0.3 else "action"
            title = fill(rng.choice(QUESTION_TITLES if kind == "question" else ACTION_TITLES))
            labels = (
                ["Yes", "No", "Not sure", "Something else"]
                if kind == "question"
                else ["Done", "Could not do it", "Skipped", "Other"]
            )
            options = [
                {"id": f"o{j + 1}", "label": labels[j], "next": f"n{k + 1}"}
                for j, k in enumerate(kids)
            ]
            if rng.random() < 0.05 and i + 2 < count:  # a shared step with several parents
                options.append(
                    {
                        "id": f"o{len(kids) + 1}",
                        "label": "Skip ahead",
                        "next": f"n{rng.randrange(i + 1, count) + 1}",
                    }
                )
        else:
            kind = "escalation" if rng.random() < 0.25 else "solution"
            title = (
                f"Escalate to {rng.choice(TEAMS)}"
                if kind == "escalation"
                else fill(rng.choice(SOLUTION_TITLES))
            )
            options = []
        sentences = [fill(rng.choice(BODY_SENTENCES)) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.7:
            sentences.append(detail(rng, device))
        body = " ".join(sentences)
        node: dict[str, Any] = {"id": f"n{i + 1}", "kind": kind, "title": title, "body": body}
        if options:
            node["options"] = options
        node["position"] = {"x": float(rng.randrange(0, 4000)), "y": float(i * 120)}
        nodes.append(node)
        texts.append(f"{title}\n{body}")
    return json.dumps({"start": "n1", "nodes": nodes}, separators=(",", ":")), "\n".join(texts)


def generate(ctx: Context, start: int, count: int) -> tuple[list[tuple[Any, ...]], ...]:
    """Rows for trees, staged versions and tree_tags of trees start..start+count."""
    rng = random.Random(ctx.seed * 1_000_003 + start)
    trees: list[tuple[Any, ...]] = []
    versions: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    for _ in range(count):
        device, category, words = rng.choice(DEVICES)
        brand = rng.choice(BRANDS)
        symptom = rng.choice(SYMPTOMS)
        model = f"{rng.choice(string.ascii_uppercase)}{rng.randint(100, 9999)}"
        title = rng.choice(
            [
                f"{brand} {device} {symptom}",
                f"{device.capitalize()} {symptom} after {rng.choice(EVENTS)}",
                f"{device.capitalize()} error E{rng.randint(10, 99)}",
                f"{brand} {model} {symptom}",
                f"{device.capitalize()}: {rng.choice(words)} problems",
            ]
        )[:200]
        parts = ", ".join(rng.sample(words, min(3, len(words))))
        description = rng.choice(
            [
                f"Use this tree when a {brand} {device} {symptom}. Covers {parts}.",
                f"For {brand} units. Start here if the {device} {symptom}.",
                f"Written after several tickets about the {parts} on {brand} models.",
                f"Field guide: {device}, {parts}.",
                f"Checks {parts} in that order; escalate if the {device} still {symptom}.",
                "",
            ]
        )
        tree_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        roll = rng.random()
        status = "published" if roll < 0.88 else "archived" if roll < 0.92 else "draft"
        graph, node_text = _graph(rng, device, words)
        updated = ctx.now - timedelta(seconds=rng.randrange(0, 2 * 365 * 86400))
        usage = int(rng.paretovariate(1.2)) - 1
        trees.append(
            (
                tree_id,
                ctx.account_id,
                title,
                description,
                ctx.categories[category],
                status,
                graph,
                1,
                min(usage, 100_000),
                ctx.user_id,
                updated,
                updated,
            )
        )
        if status != "draft":
            versions.append(
                (
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    tree_id,
                    title,
                    graph,
                    node_text,
                    ctx.user_id,
                    updated,
                )
            )
        tags = {
            rng.choices(range(len(ctx.tag_ids)), weights=ctx.tag_weights)[0]
            for _ in range(rng.randint(1, 5))
        }
        links += [(tree_id, ctx.tag_ids[t], updated) for t in tags]
    return trees, versions, links


TREE_COLUMNS = [
    "id",
    "account_id",
    "title",
    "description",
    "category_id",
    "status",
    "draft_graph",
    "draft_revision",
    "usage_count",
    "created_by",
    "created_at",
    "updated_at",
]
STAGE_COLUMNS = ["id", "tree_id", "title", "graph", "node_text", "published_by", "published_at"]


async def load(url: str, ctx: Context, total: int) -> None:
    conn = await asyncpg.connect(libpq_url(url))
    try:
        await conn.execute(
            "CREATE UNLOGGED TABLE bench_versions (id uuid, tree_id uuid, title text, "
            "graph jsonb, node_text text, published_by uuid, published_at timestamptz)"
        )
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(max_workers=1) as pool:
            pending = loop.run_in_executor(pool, generate, ctx, 0, min(BATCH, total))
            for start in range(0, total, BATCH):
                trees, versions, links = await pending
                if start + BATCH < total:
                    pending = loop.run_in_executor(
                        pool, generate, ctx, start + BATCH, min(BATCH, total - start - BATCH)
                    )
                await conn.copy_records_to_table("trees", records=trees, columns=TREE_COLUMNS)
                await conn.copy_records_to_table(
                    "bench_versions", records=versions, columns=STAGE_COLUMNS
                )
                await conn.copy_records_to_table(
                    "tree_tags", records=links, columns=["tree_id", "tag_id", "created_at"]
                )
                print(f"\r  loaded {start + len(trees):>7} trees", end="", flush=True)
        print()
    finally:
        await conn.close()

    # Versions get the node vector the app computes on publish; two connections, two cores.
    started = time.perf_counter()

    async def versions_part(part: int) -> None:
        c = await asyncpg.connect(libpq_url(url))
        try:
            await c.execute(
                "INSERT INTO tree_versions (id, tree_id, number, title, graph, search_nodes, "  # noqa: S608
                "search_spellings, changelog, published_by, published_at) "
                f"SELECT id, tree_id, 1, title, graph, "
                f"strip(to_tsvector('{SEARCH_CONFIG}', node_text)), {NODE_SPELLINGS}, "
                "'Initial version', "
                "published_by, published_at FROM bench_versions "
                "WHERE get_byte(uuid_send(tree_id), 15) % 2 = $1",
                part,
            )
            await c.execute(
                "UPDATE trees t SET current_version_id = v.id FROM tree_versions v "
                "WHERE v.tree_id = t.id AND get_byte(uuid_send(t.id), 15) % 2 = $1",
                part,
            )
        finally:
            await c.close()

    await asyncio.gather(versions_part(0), versions_part(1))
    print(f"  versions and node vectors: {time.perf_counter() - started:.0f} s")

    # Search vectors through the app's own refresh (title, tags, category, description, nodes).
    started = time.perf_counter()
    settings = bench_settings(url)
    database = Database(url, settings, pool_size=2)
    conn = await asyncpg.connect(libpq_url(url))
    try:
        await conn.execute("DROP TABLE bench_versions")
        await conn.execute(
            "UPDATE tags SET usage_count = (SELECT count(*) FROM tree_tags tt "
            "WHERE tt.tag_id = tags.id)"
        )
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM trees ORDER BY id")]
    finally:
        await conn.close()

    async def refresh(part: int) -> None:
        for i in range(part * 5000, len(ids), 10000):
            async with database.sessionmaker() as db:
                words = await repository.refresh_search(db, ctx.account_id, ids[i : i + 5000])
                await repository.count_words(db, ctx.account_id, words)
                await db.commit()

    await asyncio.gather(refresh(0), refresh(1))
    await database.dispose()
    print(f"  search vectors: {time.perf_counter() - started:.0f} s")
    conn = await asyncpg.connect(libpq_url(url))
    try:
        started = time.perf_counter()
        for table in (
            "trees",
            "tree_versions",
            "tags",
            "tree_tags",
            "categories",
            "search_vocabulary",
        ):
            await conn.execute(f"VACUUM ANALYZE {table}")
        print(f"  vacuum analyze: {time.perf_counter() - started:.0f} s")
    finally:
        await conn.close()


# --------------------------------------------------------------------------- queries


def make_queries(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    kinds = {
        "device": lambda: rng.choice(DEVICES)[0],
        "symptom": lambda: rng.choice(SYMPTOMS).replace("does not ", "no ").replace("is ", ""),
        "brand+device": lambda: f"{rng.choice(BRANDS)} {rng.choice(DEVICES)[0].split()[-1]}",
        "device+symptom": lambda: f"{rng.choice(DEVICES)[0]} {rng.choice(SYMPTOMS)}",
        "node word": lambda: rng.choice(
            rng.choice(DEVICES)[2] + DEVICE_NOUNS[rng.choice(DEVICES)[0]]
        ),
        "error code": lambda: f"error E{rng.randint(10, 99)}",
        "typo": lambda: " ".join(
            typo(w, rng)
            for w in rng.choice(
                [d[0] for d in DEVICES] + [f"{d[0]} {rng.choice(SYMPTOMS)}" for d in DEVICES]
            )
            .lower()
            .split()[:3]
        ),
    }
    weights = {
        "device": 20,
        "symptom": 10,
        "brand+device": 15,
        "device+symptom": 15,
        "node word": 10,
        "error code": 5,
        "typo": 25,
    }
    names = list(kinds)
    out = [("typo", "pwoer supply")]
    while len(out) < count:
        kind = rng.choices(names, weights=[weights[n] for n in names])[0]
        out.append((kind, kinds[kind]()))
    return out


# --------------------------------------------------------------------------- measuring


def bench_settings(url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        secret_key="bench-signing-key-" + "b" * 40,
        run_worker_in_process=False,
        argon2_time_cost=1,
        argon2_memory_kib=8192,
        rate_limit_register_ip="100000/minute",
        rate_limit_login_ip="100000/minute",
        rate_limit_login_account="100000/hour",
        db_pool_size=5,
        cookie_secure=False,
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(values),
        "p95_ms": percentile(values, 95),
        "p99_ms": percentile(values, 99),
        "mean_ms": statistics.fmean(values),
        "max_ms": max(values),
    }


async def registered_ids(
    client: httpx.AsyncClient, email: str, password: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """The account and user a registration made (registration answers 202 with no body for
    everyone, so the ids come from signing in)."""
    token = (
        await client.post("/api/v1/auth/login/json", json={"email": email, "password": password})
    ).json()["access_token"]
    me = (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    return uuid.UUID(me["account"]["id"]), uuid.UUID(me["user"]["id"])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = libpq_url(
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = args.reuse or f"tt_bench_{secrets.token_hex(4)}"
    if not args.reuse:
        with psycopg.connect(replace_database(server, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = replace_database(server, name)
    print(f"database {name}")
    try:
        if not args.reuse:
            upgrade(url)
        settings = bench_settings(url)
        database = Database(url, settings, pool_size=5)
        app = create_app(settings, database=database)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client,
        ):
            email = f"bench-{secrets.token_hex(4)}@example.com"
            registered = await client.post(
                "/api/v1/auth/register",
                json={
                    "email": email,
                    "password": PASSWORD,
                    "full_name": "Bench Admin",
                    "account_name": "Bench",
                },
            )
            registered.raise_for_status()
            account_id, user_id = await registered_ids(client, email, PASSWORD)

            if args.reuse:  # join the account that holds the trees
                conn = await asyncpg.connect(libpq_url(url))
                account_id = await conn.fetchval("SELECT account_id FROM trees LIMIT 1")
                await conn.execute(
                    "UPDATE memberships SET account_id = $1 WHERE user_id = $2",
                    account_id,
                    user_id,
                )
                await conn.close()
                load_seconds = 0.0
            else:
                ctx = await setup_account(url, account_id, user_id, args.seed)
                started = time.perf_counter()
                await load(url, ctx, args.trees)
                load_seconds = time.perf_counter() - started
                print(f"  data ready in {load_seconds:.0f} s")

            # Signed in after the load, which outlasts an access token.
            token = (
                await client.post(
                    "/api/v1/auth/login/json", json={"email": email, "password": PASSWORD}
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            queries = make_queries(args.queries, args.seed)
            sql_conn = await asyncpg.connect(libpq_url(url))
            dialect = asyncpg_dialect.dialect()

            async def via_api(q: str) -> tuple[float, int]:
                started = time.perf_counter()
                response = await client.get(
                    "/api/v1/trees/search", headers=headers, params={"q": q, "limit": args.limit}
                )
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                return elapsed, len(response.json()["items"])

            class Compiled:
                """A statement of the repository as asyncpg SQL with positional arguments."""

                def __init__(self, stmt: Any) -> None:
                    self.compiled = stmt.compile(dialect=dialect)
                    self.sql = str(self.compiled)

                def args(self, params: dict[str, Any]) -> list[Any]:
                    values = self.compiled.construct_params(params)
                    processors = self.compiled._bind_processors
                    out = []
                    for name in self.compiled.positiontup or ():
                        processor = processors.get(name)
                        out.append(processor(values[name]) if processor else values[name])
                    return out

            settings_sql = Compiled(repository.SEARCH_SETTINGS)
            off_sql = Compiled(repository.INDEX_SCANS_OFF)
            compiled: dict[Any, Compiled] = {}

            def cached(stmt: Any) -> Compiled:
                if stmt not in compiled:
                    compiled[stmt] = Compiled(stmt)
                return compiled[stmt]

            async def via_sql(q: str) -> tuple[float, int]:
                """The statements the endpoint runs, in one transaction, on a plain
                connection: settings, the exact counts with the vocabulary's candidates, the
                typo probe when needed, the search; between them the repository's own
                Python (`expand`, `needs_typos`, `statement_for`)."""
                started = time.perf_counter()
                async with sql_conn.transaction():
                    await sql_conn.fetch(settings_sql.sql, *settings_sql.args({}))
                    words = repository.query_words(q)
                    correctable = any(repository.CORRECTABLE.fullmatch(w) for w in words)
                    limit = args.limit + 1
                    params = repository.search_params(account_id, q, after=None, limit=limit)
                    if correctable:
                        params.update(repository.candidate_params(account_id, words))
                    probe_sql = cached(repository.search_probe(False, NO_FILTERS, correctable))
                    found = [
                        SimpleNamespace(**dict(r))
                        for r in await sql_conn.fetch(probe_sql.sql, *probe_sql.args(params))
                    ]
                    counts = dict(vars(found[0]))
                    expanded = repository.expand(words, found if correctable else [])
                    if repository.needs_typos(expanded, None, counts, limit):
                        params.update(repository.typo_params(expanded))
                        await sql_conn.fetch(off_sql.sql, *off_sql.args({}))
                        typo_sql = cached(repository.typo_probe(False, NO_FILTERS))
                        counts.update(await sql_conn.fetchrow(typo_sql.sql, *typo_sql.args(params)))
                    stmt = repository.statement_for(False, None, repository.SearchFilters(), counts)
                    chosen = cached(stmt)
                    rows = await sql_conn.fetch(chosen.sql, *chosen.args(params))
                return (time.perf_counter() - started) * 1000, min(len(rows), args.limit)

            for _, q in queries:  # warm-up: caches, prepared statements, plans
                await via_api(q)
                await via_sql(q)
            per_query = []
            for i, (kind, q) in enumerate(queries):
                order = (via_api, via_sql) if i % 2 == 0 else (via_sql, via_api)
                first, second = [await call(q) for call in order]
                api, sql = (first, second) if i % 2 == 0 else (second, first)
                per_query.append(
                    {"kind": kind, "q": q, "api_ms": api[0], "sql_ms": sql[0], "hits": api[1]}
                )
            await sql_conn.close()
        await database.dispose()

        conn = await asyncpg.connect(libpq_url(url))
        size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        counts = await conn.fetchrow(
            "SELECT count(*) AS trees, count(current_version_id) AS versions, "
            "(SELECT count(*) FROM tree_tags) AS tags FROM trees"
        )
        await conn.close()
        return report(args, per_query, load_seconds, size, dict(counts))
    finally:
        if args.keep or args.reuse:
            print(f"kept database {name}")
        else:
            with psycopg.connect(replace_database(server, "postgres"), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def setup_account(url: str, account_id: uuid.UUID, user_id: uuid.UUID, seed: int) -> Context:
    rng = random.Random(seed)
    conn = await asyncpg.connect(libpq_url(url))
    try:
        await conn.execute(
            "UPDATE accounts SET plan_id = (SELECT id FROM plans "
            "WHERE code = 'enterprise') WHERE id = $1",
            account_id,
        )
        names = sorted({c for _, c, _ in DEVICES} | set(CATEGORY_EXTRA))
        categories = {n: uuid.uuid4() for n in names}
        await conn.executemany(
            "INSERT INTO categories (id, account_id, name, slug) VALUES ($1, $2, $3, $4)",
            [(i, account_id, n, n.lower().replace(" ", "-")) for n, i in categories.items()],
        )
        tag_names = list(
            dict.fromkeys(
                GENERIC_TAGS
                + [b.lower() for b in BRANDS]
                + [d.split()[-1].lower() for d, _, _ in DEVICES]
                + [f"site-{i:03d}" for i in range(200)]
            )
        )
        tag_ids = [uuid.uuid4() for _ in tag_names]
        await conn.executemany(
            "INSERT INTO tags (id, account_id, name) VALUES ($1, $2, $3)",
            [(i, account_id, n) for i, n in zip(tag_ids, tag_names, strict=True)],
        )
        rng.shuffle(tag_ids)
        weights = [1 / (rank + 1) for rank in range(len(tag_ids))]  # Zipf: a few tags dominate
    finally:
        await conn.close()
    return Context(seed, account_id, user_id, categories, tag_ids, weights, datetime.now(UTC))


def report(
    args: argparse.Namespace,
    per_query: list[dict[str, Any]],
    load_seconds: float,
    size: str,
    counts: dict[str, int],
) -> dict[str, Any]:
    api = summary([q["api_ms"] for q in per_query])
    sql = summary([q["sql_ms"] for q in per_query])
    ratio = {k: api[k] / sql[k] for k in ("p50_ms", "p95_ms", "mean_ms")}
    by_kind: dict[str, dict[str, float]] = {}
    for kind in sorted({q["kind"] for q in per_query}):
        rows = [q for q in per_query if q["kind"] == kind]
        by_kind[kind] = {
            "queries": len(rows),
            "api_p50_ms": statistics.median(q["api_ms"] for q in rows),
            "api_p95_ms": percentile([q["api_ms"] for q in rows], 95),
            "sql_p50_ms": statistics.median(q["sql_ms"] for q in rows),
            "hits_mean": statistics.fmean(q["hits"] for q in rows),
        }
    print()
    print(
        f"trees {counts['trees']:,} (published versions {counts['versions']:,}, tag links "
        f"{counts['tags']:,}); database {size}; load {load_seconds:.0f} s; "
        f"{len(per_query)} queries, limit {args.limit}, one account"
    )
    print(f"{'':12}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}{'max ms':>10}")
    for label, s in (("API", api), ("SQL", sql)):
        print(
            f"{label:12}{s['p50_ms']:10.2f}{s['p95_ms']:10.2f}{s['p99_ms']:10.2f}"
            f"{s['mean_ms']:10.2f}{s['max_ms']:10.2f}"
        )
    print(
        f"{'API / SQL':12}{ratio['p50_ms']:10.2f}{ratio['p95_ms']:10.2f}{'':10}"
        f"{ratio['mean_ms']:10.2f}"
    )
    print()
    print(f"{'query kind':16}{'n':>5}{'API p50':>10}{'API p95':>10}{'SQL p50':>10}{'hits':>7}")
    for kind, s in by_kind.items():
        print(
            f"{kind:16}{s['queries']:5.0f}{s['api_p50_ms']:10.2f}{s['api_p95_ms']:10.2f}"
            f"{s['sql_p50_ms']:10.2f}{s['hits_mean']:7.1f}"
        )
    verdict = {
        "api_p95_under_50ms": api["p95_ms"] < 50,
        "ratio_p50_at_most_2": ratio["p50_ms"] <= 2,
        "ratio_p95_at_most_2": ratio["p95_ms"] <= 2,
    }
    print()
    print("targets:", ", ".join(f"{k} {'OK' if v else 'MISSED'}" for k, v in verdict.items()))
    return {
        "trees": counts["trees"],
        "counts": counts,
        "database_size": size,
        "load_seconds": load_seconds,
        "limit": args.limit,
        "api": api,
        "sql": sql,
        "ratio": ratio,
        "by_kind": by_kind,
        "targets": verdict,
        "queries": per_query,
        "at": datetime.now(UTC).isoformat(),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trees", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure on a kept tt_bench_* database")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"trees_search-{result['trees']}-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
