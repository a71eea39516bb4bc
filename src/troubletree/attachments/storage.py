"""Where attachment files live: a folder in the data folder by default, or an S3-compatible
bucket (`STORAGE_BACKEND=s3`, through obstore). Keys are random (`<account>/<uuid>`) and never
shown to anyone: files are served by the API to members of the owning account only (see
attachments.service for the signed links)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

import obstore
from obstore.store import S3Store

from troubletree.core.config import Settings


class StoredFileMissing(LookupError):
    pass


class Storage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None:
        """Removes the file; a missing one is not an error."""


class LocalStorage:
    """Files under a folder, written whole (a temporary file renamed into place)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("a storage key stays inside the storage folder")
        return path

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def _read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise StoredFileMissing(key) from error

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, key, data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._read, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3Storage:
    """An S3-compatible bucket (AWS, MinIO, Ceph, ...), with keys under `prefix`."""

    def __init__(self, store: S3Store, prefix: str) -> None:
        self.store = store
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        if not settings.s3_bucket:
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        endpoint = settings.s3_endpoint_url
        store = S3Store(
            settings.s3_bucket,
            endpoint=endpoint,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            client_options={"allow_http": bool(endpoint and endpoint.startswith("http://"))},
            virtual_hosted_style_request=False,
        )
        return cls(store, settings.s3_prefix)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await obstore.put_async(
            self.store, self.prefix + key, data, attributes={"Content-Type": content_type}
        )

    async def get(self, key: str) -> bytes:
        try:
            result = await obstore.get_async(self.store, self.prefix + key)
        except FileNotFoundError as error:
            raise StoredFileMissing(key) from error
        return bytes(await result.bytes_async())

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await obstore.delete_async(self.store, self.prefix + key)


_STORAGES: dict[tuple[object, ...], Storage] = {}


def storage_for(settings: Settings) -> Storage:
    """The storage the settings name (one client per configuration)."""
    key = (
        settings.storage_backend,
        str(settings.data_dir.resolve()),
        settings.s3_bucket,
        settings.s3_endpoint_url,
        settings.s3_prefix,
    )
    if key not in _STORAGES:
        if settings.storage_backend == "s3":
            _STORAGES[key] = S3Storage.from_settings(settings)
        else:
            _STORAGES[key] = LocalStorage(settings.data_dir / "attachments")
    return _STORAGES[key]
