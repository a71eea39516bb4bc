from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import AppFactory, client_for


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def files_app(make_app: AppFactory, data_dir: Path) -> FastAPI:
    return make_app(TROUBLETREE_DATA_DIR=data_dir)


@pytest.fixture
async def files(files_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(files_app) as c:
        yield c
