"""Demo data: one account with an admin, an engineer and a technician, categories, tags, five
published troubleshooting trees and a few completed sessions. Built through the same services
the API uses, so the data obeys every rule the product has."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from troubletree.accounts import repository as accounts_repository
from troubletree.accounts.caller import Caller
from troubletree.accounts.models import Account, Membership, Role
from troubletree.auth import service as auth_service
from troubletree.auth.models import User
from troubletree.core.client import ClientInfo
from troubletree.core.config import Settings
from troubletree.sessions import service as sessions_service
from troubletree.sessions.models import Outcome
from troubletree.sessions.schemas import SessionComplete, SessionCreate, StepCreate
from troubletree.trees import service as trees_service
from troubletree.trees import taxonomy
from troubletree.trees.graph import Graph
from troubletree.trees.schemas import TreeCreate

DEMO_DOMAIN = "northwind.example.com"  # a reserved example domain: no mail can leak
PEOPLE = [
    ("admin", "Alex Admin", Role.admin),
    ("engineer", "Erin Engineer", Role.engineer),
    ("technician", "Tom Technician", Role.technician),
]


def _q(node_id: str, title: str, body: str, *options: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "question",
        "title": title,
        "body": body,
        "options": [{"id": o, "label": label, "next": nxt} for o, label, nxt in options],
    }


def _a(node_id: str, title: str, body: str, nxt: str, label: str = "Done") -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "action",
        "title": title,
        "body": body,
        "options": [{"id": f"{node_id}-done", "label": label, "next": nxt}],
    }


def _end(node_id: str, kind: str, title: str, body: str) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "title": title, "body": body}


def _yes_no(node_id: str, title: str, *, yes: str, no: str, body: str = "") -> dict[str, Any]:
    return _q(node_id, title, body, ("yes", "Yes", yes), ("no", "No", no))


def _logic(
    node_id: str, title: str, *, when: str, then: str, label: str, default: str
) -> dict[str, Any]:
    """A logic node with one rule: `when` holds → `then`, else `default`."""
    return {
        "id": node_id,
        "kind": "logic",
        "title": title,
        "rules": [{"when": when, "next": then, "label": label}],
        "default": default,
    }


def _variable(name: str, label: str, type_: str, required: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": type_, **extra, "required": required}


def _tree(
    title: str,
    description: str,
    category: str,
    tags: list[str],
    *,
    start: str,
    nodes: list[dict[str, Any]],
    variables: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "category": category,
        "tags": tags,
        "graph": {"start": start, "variables": variables or [], "nodes": nodes},
    }


TREES: list[dict[str, Any]] = [
    _tree(
        "Printer will not print",
        "Jobs stay in the queue or nothing comes out of the printer.",
        "Printers",
        ["printer", "hardware", "office"],
        start="power",
        variables=[
            _variable("printer_model", "Printer model", "text", "at_start"),
            _variable("ticket", "Ticket number", "text", "before_complete"),
        ],
        nodes=[
            _q(
                "power",
                "Is the {{printer_model}} switched on with a steady light?",
                "Look at the **power LED** on the front panel.",
                ("on", "Yes, steady light", "error"),
                ("off", "No light", "cable"),
            ),
            _a(
                "cable",
                "Check the power cable and the wall socket",
                "Plug the cable firmly into the printer and a socket you know works, then "
                "press the power button.",
                "power-again",
            ),
            _yes_no("power-again", "Does the printer power on now?", yes="error", no="escalate-hw"),
            _q(
                "error",
                "Does the display show an error?",
                "Common ones: *Paper jam*, *Out of paper*, *Toner low*.",
                ("jam", "Paper jam", "jam"),
                ("paper", "Out of paper", "paper"),
                ("none", "No error", "queue"),
            ),
            _a(
                "jam",
                "Clear the paper jam",
                "Open the front and rear doors, remove the jammed sheet by pulling it "
                "gently in the paper direction, then close the doors.",
                "test",
            ),
            _a("paper", "Load paper", "Fill tray 1 with A4 paper, below the fill line.", "test"),
            _a(
                "queue",
                "Clear the print queue",
                "On the computer open *Printers & scanners*, open the queue, cancel every "
                "job and restart the print spooler.",
                "test",
            ),
            _yes_no(
                "test",
                "Does a test page print?",
                yes="solved",
                no="escalate-hw",
                body="Print a test page from the printer menu.",
            ),
            _end(
                "solved",
                "solution",
                "Printing works again",
                "Ask the user to print their document once more.",
            ),
            _end(
                "escalate-hw",
                "escalation",
                "Escalate to hardware support",
                "Book an on-site visit: note the model and what you tried.",
            ),
        ],
    ),
    _tree(
        "No internet connection",
        "A computer cannot reach websites or email.",
        "Network",
        ["network", "wifi", "office"],
        start="scope",
        variables=[
            _variable(
                "connection", "Connection type", "choice", "at_start", choices=["wifi", "cable"]
            ),
        ],
        nodes=[
            _q(
                "scope",
                "Do other people nearby have internet?",
                "",
                ("others-ok", "Yes, only this computer", "kind"),
                ("everyone", "No, nobody has it", "outage"),
            ),
            _logic(
                "kind",
                "Wi-Fi or cable?",
                when='connection == "wifi"',
                then="wifi",
                label="Wi-Fi",
                default="cable",
            ),
            _a(
                "wifi",
                "Reconnect to the office Wi-Fi",
                "Turn Wi-Fi off and on, then choose the office network.",
                "works",
            ),
            _a(
                "cable",
                "Check the network cable",
                "Make sure the cable clicks into the computer and the wall port; try "
                "another cable.",
                "works",
            ),
            _yes_no("works", "Can the computer open a website now?", yes="solved", no="restart"),
            _a("restart", "Restart the computer", "Save work first.", "works-again"),
            _yes_no(
                "works-again", "Does it work after the restart?", yes="solved", no="escalate-net"
            ),
            _end(
                "outage",
                "escalation",
                "Report a site-wide outage",
                "Call the network team at once: several people are affected.",
            ),
            _end("solved", "solution", "Connection restored", ""),
            _end(
                "escalate-net",
                "escalation",
                "Escalate to the network team",
                "Include the connection type and the steps tried.",
            ),
        ],
    ),
    _tree(
        "Laptop will not power on",
        "Nothing happens when the power button is pressed.",
        "Hardware",
        ["laptop", "hardware", "power"],
        start="charger",
        variables=[
            _variable("age_years", "Laptop age in years", "number", "optional"),
        ],
        nodes=[
            _yes_no(
                "charger",
                "Is the charger light on when plugged in?",
                yes="hold",
                no="other-charger",
            ),
            _a(
                "other-charger",
                "Try another charger",
                "Use a charger of the same wattage.",
                "charger-works",
            ),
            _yes_no(
                "charger-works",
                "Does the laptop charge with the other charger?",
                yes="replace-charger",
                no="hold",
            ),
            _a(
                "hold",
                "Hold the power button for 30 seconds",
                "Unplug the charger, hold the button for 30 s, plug in again and press "
                "the button once.",
                "boots",
            ),
            _yes_no("boots", "Does the laptop start now?", yes="solved", no="age"),
            _logic(
                "age",
                "Old laptop?",
                when="age_years >= 4",
                then="replace",
                label="Old",
                default="escalate-repair",
            ),
            _end(
                "replace-charger",
                "solution",
                "Replace the charger",
                "Order a new charger of the same model.",
            ),
            _end("solved", "solution", "The laptop starts", ""),
            _end(
                "replace",
                "solution",
                "Plan a replacement laptop",
                "The laptop is past its service life: request a new one.",
            ),
            _end(
                "escalate-repair",
                "escalation",
                "Send for repair",
                "Create a repair order with the serial number.",
            ),
        ],
    ),
    _tree(
        "Cannot sign in to email",
        "The user's password is refused or the account is locked.",
        "Accounts",
        ["email", "password", "account"],
        start="message",
        nodes=[
            _q(
                "message",
                "What does the sign-in page say?",
                "",
                ("wrong", "Wrong password", "caps"),
                ("locked", "Account locked", "unlock"),
                ("expired", "Password expired", "reset"),
            ),
            _q(
                "caps",
                "Is Caps Lock off and the keyboard layout right?",
                "",
                ("fixed", "That was it", "solved"),
                ("no", "Still refused", "reset"),
            ),
            _a(
                "unlock",
                "Unlock the account in the directory",
                "Confirm the user's identity first.",
                "retry",
            ),
            _a(
                "reset",
                "Reset the password",
                "Confirm the identity, set a temporary password and require a change at "
                "the next sign-in.",
                "retry",
            ),
            _yes_no("retry", "Can the user sign in now?", yes="solved", no="escalate"),
            _end("solved", "solution", "The user can sign in", ""),
            _end("escalate", "escalation", "Escalate to the identity team", ""),
        ],
    ),
    _tree(
        "Computer is very slow",
        "Programs take long to open and the computer feels sluggish.",
        "Hardware",
        ["performance", "laptop"],
        start="restart",
        nodes=[
            _q(
                "restart",
                "When was the computer last restarted?",
                "",
                ("recent", "Today", "disk"),
                ("long", "Days ago or more", "do-restart"),
            ),
            _a("do-restart", "Restart the computer", "", "better"),
            _yes_no("better", "Is it faster now?", yes="solved", no="disk"),
            _q(
                "disk",
                "Is the disk more than 90% full?",
                "Check *Storage* in the settings.",
                ("full", "Yes", "cleanup"),
                ("space", "No", "escalate"),
            ),
            _a(
                "cleanup",
                "Free up disk space",
                "Empty the recycle bin and remove temporary files.",
                "better-2",
            ),
            _yes_no("better-2", "Is it faster now?", yes="solved", no="escalate"),
            _end("solved", "solution", "The computer is responsive again", ""),
            _end("escalate", "escalation", "Escalate for a hardware check", ""),
        ],
    ),
]

# (tree index, variables, answers, outcome, resolution note)
SESSIONS: list[tuple[int, dict[str, Any], list[str], str]] = [
    (
        0,
        {"printer_model": "HP LaserJet M404", "ticket": "INC-1042"},
        ["on", "jam", "jam-done", "yes"],
        "Cleared a jammed sheet in the rear door.",
    ),
    (
        1,
        {"connection": "wifi"},
        ["others-ok", "wifi-done", "no", "restart-done", "no"],
        "Wi-Fi adapter keeps dropping; handed to the network team.",
    ),
    (2, {"age_years": 5}, ["yes", "hold-done", "no"], "Replacement requested."),
    (3, {}, ["locked", "unlock-done", "yes"], "Unlocked after identity check."),
]


@dataclass
class DemoResult:
    account: str
    users: list[tuple[str, str, str]]  # (role, email, password)
    trees: int
    sessions: int


async def is_empty(db: AsyncSession) -> bool:
    return (await db.scalar(select(func.count()).select_from(User))) == 0


async def seed(db: AsyncSession, settings: Settings) -> DemoResult:
    """Creates the demo account in the caller's transaction (the caller commits)."""
    plan = await accounts_repository.get_plan_by_code(db, "team")
    assert plan is not None
    account = await accounts_repository.add_account(
        db,
        Account(
            id=uuid.uuid4(),
            name="Northwind IT Support",
            slug=f"northwind-{secrets.token_hex(2)}",
            plan_id=plan.id,
        ),
    )
    callers: dict[Role, Caller] = {}
    users: list[tuple[str, str, str]] = []
    for key, name, role in PEOPLE:
        email = f"{key}@{DEMO_DOMAIN}"
        password = f"{key}-{secrets.token_urlsafe(9)}"
        user = await auth_service.create_user(
            db,
            email=email,
            password_hash=await auth_service.hash_new_password(settings, password),
            full_name=name,
            verified=True,
        )
        if user is None:
            raise RuntimeError(f"{email} already exists: the database is not empty")
        await accounts_repository.add_membership(
            db, Membership(id=uuid.uuid4(), user_id=user.id, account_id=account.id, role=role)
        )
        callers[role] = Caller(user.id, account.id, role, user.full_name, user.email)
        users.append((role.value, email, password))

    engineer = callers[Role.engineer]
    categories: dict[str, uuid.UUID] = {}
    tree_ids: list[uuid.UUID] = []
    for spec in TREES:
        if spec["category"] not in categories:
            created = await taxonomy.create_category(db, engineer, spec["category"])
            categories[spec["category"]] = created.id
        tree = await trees_service.create_tree(
            db,
            engineer,
            TreeCreate(
                title=spec["title"],
                description=spec["description"],
                category_id=categories[spec["category"]],
                tags=spec["tags"],
                graph=Graph.model_validate(spec["graph"]),
            ),
        )
        await trees_service.publish_tree(
            db,
            engineer,
            tree.id,
            changelog="First version",
            base_revision=None,
            client=ClientInfo(ip="127.0.0.1"),
        )
        tree_ids.append(tree.id)

    technician = callers[Role.technician]
    for index, variables, answers, note in SESSIONS:
        session = await sessions_service.create_session(
            db, technician, SessionCreate(tree_id=tree_ids[index], variables=variables)
        )
        for answer in answers:
            session = await sessions_service.record_step(
                db, technician, session.id, StepCreate(option_id=answer)
            )
        outcome = None if session.current and session.current.is_terminal else Outcome.unresolved
        await sessions_service.complete_session(
            db, technician, session.id, SessionComplete(outcome=outcome, resolution_note=note)
        )
    return DemoResult(account.name, users, len(tree_ids), len(SESSIONS))
