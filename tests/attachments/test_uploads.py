"""Photos and PDFs on sessions: checked by content, stripped of EXIF, turned upright,
thumbnailed, within the quota, served only to the owning account, deleted with the session."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pypdf
from fastapi import FastAPI
from PIL import ExifTags

from tests.attachments.helpers import opened, pdf_file, photo, upload
from tests.conftest import AppFactory, Fresh, burst, client_for, deliver_outbox
from tests.helpers import error_code, error_field
from tests.sessions.helpers import Team, make_team, published_tree, start, step
from troubletree.attachments import images

MIB = 1024 * 1024


async def running(client: httpx.AsyncClient) -> tuple[Team, dict[str, Any]]:
    team = await make_team(client)
    tree_id = await published_tree(client, team.admin_h)
    return team, await start(client, team.tech_h, tree_id)


def stored_files(data_dir: Path) -> list[Path]:
    root = data_dir / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def fetch(client: httpx.AsyncClient, url: str, expect: int = 200) -> httpx.Response:
    response = await client.get(url)
    assert response.status_code == expect, response.text
    return response


class TestTypes:
    async def test_a_jpeg_with_location_is_stored_and_served_without_any_exif(
        self, files: httpx.AsyncClient, data_dir: Path
    ) -> None:
        team, session = await running(files)
        original = photo()
        assert opened(original).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it has a location

        added = await upload(files, team.tech_h, session["id"], original)

        assert (added["kind"], added["content_type"]) == ("image", "image/jpeg")
        # Turned as the orientation tag said (640x480 taken sideways: 480x640 upright).
        assert (added["width"], added["height"]) == (480, 640)
        for path in stored_files(data_dir):
            assert b"PhoneCo" not in path.read_bytes()
            stored = opened(path.read_bytes())
            assert dict(stored.getexif()) == {}
            assert "exif" not in stored.info
        served = (await fetch(files, added["url"])).content
        assert b"PhoneCo" not in served
        image = opened(served)
        assert dict(image.getexif()) == {}
        assert image.size == (480, 640)
        # The red corner, top-left when taken, is top-right once turned clockwise.
        red, _green, blue = image.convert("RGB").getpixel((470, 10))  # type: ignore[misc]
        assert red > 150 and blue < 100
        thumb = opened((await fetch(files, added["thumbnail_url"])).content)
        assert max(thumb.size) == 320
        assert dict(thumb.getexif()) == {}

    async def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(
        self, files: httpx.AsyncClient, fresh: Fresh, data_dir: Path
    ) -> None:
        team, session = await running(files)
        for data in (b"MZ\x90\x00 an executable", b"<svg onload=alert(1)>", b"\xff\xd8\xff broken"):
            response = await files.post(
                f"/api/v1/sessions/{session['id']}/attachments",
                headers=team.tech_h,
                files={"file": ("holiday.jpg", data, "image/jpeg")},
            )
            assert response.status_code == 415, response.text
            assert error_code(response) == "unsupported_file_type"
            assert error_field(response) == "file"
        assert await fresh.val("SELECT count(*) FROM attachments") == 0
        assert stored_files(data_dir) == []

    async def test_heic_becomes_jpeg_and_png_webp_and_pdf_are_kept(
        self, files: httpx.AsyncClient
    ) -> None:
        team, session = await running(files)
        heic = await upload(files, team.tech_h, session["id"], photo("HEIF"), "IMG_1.HEIC")
        assert (heic["content_type"], heic["filename"]) == ("image/jpeg", "IMG_1.jpg")
        assert opened((await fetch(files, heic["url"])).content).format == "JPEG"
        png = await upload(files, team.tech_h, session["id"], photo("PNG"), "s.png")
        webp = await upload(files, team.tech_h, session["id"], photo("WEBP"), "s.webp")
        for added, fmt in ((png, "PNG"), (webp, "WEBP")):
            served = opened((await fetch(files, added["url"])).content)
            assert served.format == fmt
            assert dict(served.getexif()) == {}
            assert served.size == (480, 640)
        pdf = await upload(files, team.tech_h, session["id"], pdf_file(), "report.pdf")
        assert (pdf["kind"], pdf["thumbnail_url"]) == ("pdf", None)
        served_pdf = await fetch(files, pdf["url"])
        assert served_pdf.content == pdf_file()
        assert served_pdf.headers["content-disposition"].startswith("attachment;")

    async def test_a_file_over_10_mib_is_refused(self, files: httpx.AsyncClient) -> None:
        team, session = await running(files)
        big = b"\xff\xd8\xff" + b"\0" * (10 * MIB - 2)
        response = await files.post(
            f"/api/v1/sessions/{session['id']}/attachments",
            headers=team.tech_h,
            files={"file": ("big.jpg", big, "image/jpeg")},
        )
        assert response.status_code == 413
        assert error_code(response) == "file_too_large"
        assert "10 MiB" in response.json()["detail"]["message"]
        # Far larger bodies are refused before they are read, before sign-in is checked.
        huge = b"\0" * (12 * MIB)
        response = await files.post(
            f"/api/v1/sessions/{session['id']}/attachments",
            files={"file": ("huge.jpg", huge, "image/jpeg")},
        )
        assert response.status_code == 413
        assert error_code(response) == "body_too_large"


class TestAccess:
    async def test_another_accounts_file_is_not_found(self, files: httpx.AsyncClient) -> None:
        team, session = await running(files)
        added = await upload(files, team.tech_h, session["id"], photo())
        other, other_session = await running(files)
        sid, aid = session["id"], added["id"]

        for url in (
            f"/api/v1/sessions/{sid}/attachments",
            f"/api/v1/sessions/{sid}/attachments/{aid}/file",
            f"/api/v1/sessions/{other_session['id']}/attachments/{aid}/file",
        ):
            response = await files.get(url, headers=other.admin_h)
            assert response.status_code == 404, url
        response = await files.delete(
            f"/api/v1/sessions/{other_session['id']}/attachments/{aid}", headers=other.admin_h
        )
        assert response.status_code == 404
        response = await files.post(
            f"/api/v1/sessions/{sid}/attachments",
            headers=other.admin_h,
            files={"file": ("x.jpg", photo(), "image/jpeg")},
        )
        assert response.status_code == 404
        # The owner's admin reads it through the API.
        own = await files.get(
            f"/api/v1/sessions/{sid}/attachments/{aid}/file", headers=team.admin_h
        )
        assert own.status_code == 200

    async def test_a_signed_link_is_refused_when_changed_or_expired(
        self, make_app: AppFactory, data_dir: Path
    ) -> None:
        app = make_app(TROUBLETREE_DATA_DIR=data_dir, attachment_url_ttl_seconds=-1)
        async with client_for(app) as client:
            team, session = await running(client)
            added = await upload(client, team.tech_h, session["id"], photo())
            response = await client.get(added["url"])
            assert response.status_code == 403
            assert error_code(response) == "link_expired"
            tampered = added["url"].replace("/file?", "/thumbnail?")
            assert (await client.get(tampered)).status_code == 404
            guessed = added["url"].replace(added["id"], str(uuid.uuid4()))
            assert (await client.get(guessed)).status_code == 404

    async def test_the_list_is_for_people_who_may_see_the_session(
        self, files: httpx.AsyncClient
    ) -> None:
        team, session = await running(files)
        await upload(files, team.tech_h, session["id"], photo())
        listed = await files.get(
            f"/api/v1/sessions/{session['id']}/attachments", headers=team.admin_h
        )
        assert [a["kind"] for a in listed.json()] == ["image"]
        # Another technician of the account neither sees nor adds files.
        response = await files.get(
            f"/api/v1/sessions/{session['id']}/attachments", headers=team.tech2_h
        )
        assert response.status_code == 404


class TestQuota:
    async def test_past_the_quota_an_upload_is_413_with_what_is_used(
        self, make_app: AppFactory, data_dir: Path, fresh: Fresh
    ) -> None:
        app = make_app(TROUBLETREE_DATA_DIR=data_dir, attachment_quota_bytes=100_000)
        async with client_for(app) as client:
            team, session = await running(client)
            first = await upload(client, team.tech_h, session["id"], photo())
            response = await client.post(
                f"/api/v1/sessions/{session['id']}/attachments",
                headers=team.tech_h,
                files={"file": ("more.jpg", photo(noisy=True), "image/jpeg")},
            )
            assert response.status_code == 413
            detail = response.json()["detail"]
            assert detail["code"] == "storage_quota_exceeded"
            assert detail["used_bytes"] == first["size_bytes"]
            assert detail["quota_bytes"] == 100_000
            assert "storage is full" in detail["message"]
            usage = await client.get("/api/v1/attachments/usage", headers=team.admin_h)
            assert usage.json() == {
                "used_bytes": first["size_bytes"],
                "quota_bytes": 100_000,
                "files": 1,
            }
            denied = await client.get("/api/v1/attachments/usage", headers=team.tech_h)
            assert denied.status_code == 403
        assert await fresh.val("SELECT count(*) FROM attachments") == 1
        assert len(stored_files(data_dir)) == 2  # the file and its thumbnail

    async def test_parallel_uploads_never_pass_the_quota(
        self, make_app: AppFactory, data_dir: Path, fresh: Fresh
    ) -> None:
        stored = images.process(photo())
        one = len(stored.data) + len(stored.thumbnail or b"")  # what one upload stores
        app = make_app(TROUBLETREE_DATA_DIR=data_dir, attachment_quota_bytes=one * 3 + one // 2)
        async with client_for(app) as client:
            team, session = await running(client)
            answers = await burst(
                12,
                lambda _: client.post(
                    f"/api/v1/sessions/{session['id']}/attachments",
                    headers=team.tech_h,
                    files={"file": ("p.jpg", photo(), "image/jpeg")},
                ),
            )
        assert sorted(r.status_code for r in answers) == [201] * 3 + [413] * 9
        assert await fresh.val("SELECT sum(size_bytes) FROM attachments") == one * 3
        assert await fresh.val("SELECT count(*) FROM attachments") == 3
        assert len(stored_files(data_dir)) == 6  # refused files are not kept


class TestReplaysAndDeletion:
    async def test_one_client_id_uploaded_in_parallel_is_stored_once(
        self, files: httpx.AsyncClient, fresh: Fresh, data_dir: Path
    ) -> None:
        team, session = await running(files)
        client_id = str(uuid.uuid4())
        answers = await burst(
            10,
            lambda _: files.post(
                f"/api/v1/sessions/{session['id']}/attachments",
                headers=team.tech_h,
                files={"file": ("p.jpg", photo(), "image/jpeg")},
                data={"client_id": client_id},
            ),
        )
        assert sorted(r.status_code for r in answers) == [200] * 9 + [201]
        assert len({r.json()["id"] for r in answers}) == 1
        assert await fresh.val("SELECT count(*) FROM attachments") == 1
        assert len(stored_files(data_dir)) == 2

    async def test_files_go_with_their_session(
        self, files: httpx.AsyncClient, files_app: FastAPI, fresh: Fresh, data_dir: Path
    ) -> None:
        team, session = await running(files)
        added = await upload(files, team.tech_h, session["id"], photo())
        await upload(files, team.tech_h, session["id"], pdf_file(), "r.pdf", "application/pdf")
        assert len(stored_files(data_dir)) == 3
        refused = await files.delete(f"/api/v1/sessions/{session['id']}", headers=team.tech_h)
        assert refused.status_code == 403

        deleted = await files.delete(f"/api/v1/sessions/{session['id']}", headers=team.admin_h)

        assert deleted.status_code == 204
        assert await fresh.val("SELECT count(*) FROM attachments") == 0
        assert await fresh.val("SELECT count(*) FROM stored_file_removals") == 3
        assert (await files.get(added["url"])).status_code == 404
        await deliver_outbox(files_app.state.settings, _database())
        assert stored_files(data_dir) == []
        assert await fresh.val("SELECT count(*) FROM stored_file_removals") == 0


def _database() -> Any:
    from troubletree.core.db import get_database

    return get_database()


class TestTranscript:
    async def test_the_pdf_shows_thumbnails_at_their_step_and_lists_the_files(
        self, files: httpx.AsyncClient
    ) -> None:
        team, session = await running(files)
        await upload(files, team.tech_h, session["id"], photo(), "led.jpg")
        await step(files, team.tech_h, session, "yes")
        await upload(files, team.tech_h, session["id"], pdf_file(), "manual.pdf", "application/pdf")
        exported = await files.post(
            f"/api/v1/sessions/{session['id']}/export", headers=team.tech_h, json={"format": "pdf"}
        )
        assert exported.status_code == 200
        reader = pypdf.PdfReader(io.BytesIO(exported.content))
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert "led.jpg (photo" in text and "step 1)" in text
        assert "manual.pdf (PDF" in text
        assert sum(len(page.images) for page in reader.pages) == 1
        markdown = await files.post(
            f"/api/v1/sessions/{session['id']}/export",
            headers=team.tech_h,
            json={"format": "markdown"},
        )
        assert "## Files" in markdown.text and "led.jpg" in markdown.text
        data = await files.post(
            f"/api/v1/sessions/{session['id']}/export", headers=team.tech_h, json={"format": "json"}
        )
        assert [f["filename"] for f in data.json()["files"]] == ["led.jpg", "manual.pdf"]
