"""Demo data: one account with an admin, an engineer and a technician, categories, tags, five
published troubleshooting trees and a few completed sessions. Built through the same services
the API uses, so the data obeys every rule the product has."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
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
from troubletree.core.offload import shared_pool
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


# The demo's trees (as `POST /trees` takes them, with their category by name) and sessions
# (which tree, intake values, the options answered in order, the resolution note): content,
# kept as data beside this module.
DEMO = json.loads((Path(__file__).parent / "demo.json").read_text(encoding="utf-8"))
TREES: list[dict[str, Any]] = DEMO["trees"]
SESSIONS: list[dict[str, Any]] = DEMO["sessions"]


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
            pool=shared_pool(settings.export_workers, settings.export_queue_limit),
        )
        tree_ids.append(tree.id)

    technician = callers[Role.technician]
    for spec in SESSIONS:
        session = await sessions_service.create_session(
            db,
            technician,
            SessionCreate(tree_id=tree_ids[spec["tree"]], variables=spec["variables"]),
        )
        for answer in spec["answers"]:
            session = await sessions_service.record_step(
                db, technician, session.id, StepCreate(option_id=answer)
            )
        outcome = None if session.current and session.current.is_terminal else Outcome.unresolved
        await sessions_service.complete_session(
            db,
            technician,
            session.id,
            SessionComplete(outcome=outcome, resolution_note=spec["resolution_note"]),
        )
    return DemoResult(account.name, users, len(tree_ids), len(SESSIONS))
