"""Attachments in S3-compatible storage: a real S3 server process (moto's) on loopback."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.attachments.helpers import opened, photo, upload
from tests.conftest import AppFactory, Fresh, client_for, deliver_outbox
from tests.sessions.helpers import make_team, published_tree, start
from troubletree.attachments.storage import storage_for

BUCKET = "troubletree-files"


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed module
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 30 s for the server to answer
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the S3 server did not start")
        assert httpx.put(f"{url}/{BUCKET}").status_code == 200
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def bucket_keys(s3_url: str) -> list[str]:
    listing = httpx.get(f"{s3_url}/{BUCKET}?list-type=2")
    assert listing.status_code == 200
    return re.findall(r"<Key>([^<]+)</Key>", listing.text)


def s3_settings(s3_url: str) -> dict[str, Any]:
    return {
        "storage_backend": "s3",
        "s3_bucket": BUCKET,
        "s3_endpoint_url": s3_url,
        "s3_access_key_id": "test",
        "s3_secret_access_key": "test-secret",
        "s3_prefix": "files/",
    }


async def test_photos_live_in_the_bucket_without_exif_and_leave_with_their_session(
    make_app: AppFactory, s3_url: str, fresh: Fresh
) -> None:
    app = make_app(**s3_settings(s3_url))
    async with client_for(app) as client:
        team = await make_team(client)
        tree_id = await published_tree(client, team.admin_h)
        session = await start(client, team.tech_h, tree_id)
        before = set(bucket_keys(s3_url))

        added = await upload(client, team.tech_h, session["id"], photo())

        keys = sorted(set(bucket_keys(s3_url)) - before)
        assert len(keys) == 2  # the photo and its thumbnail
        assert all(k.startswith(f"files/{team.admin['account']['id']}/") for k in keys)
        storage = storage_for(app.state.settings)
        async with httpx.AsyncClient() as anonymous:
            for key in keys:
                stored = await storage.get(key.removeprefix("files/"))
                assert b"PhoneCo" not in stored
                assert dict(opened(stored).getexif()) == {}
                # The bucket itself gives nothing without credentials.
                assert (await anonymous.get(f"{s3_url}/{BUCKET}/{key}")).status_code == 403
        served = await client.get(added["url"])
        assert served.status_code == 200
        assert served.content == await storage.get(keys[0].removeprefix("files/"))
        assert added["id"] not in " ".join(keys)  # the link does not name the object

        deleted = await client.delete(f"/api/v1/sessions/{session['id']}", headers=team.admin_h)
        assert deleted.status_code == 204
        await deliver_outbox(app.state.settings, _database())
        assert set(bucket_keys(s3_url)) == before
        assert await fresh.val("SELECT count(*) FROM stored_file_removals") == 0


def _database() -> Any:
    from troubletree.core.db import get_database

    return get_database()
