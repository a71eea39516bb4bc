"""Verified access tokens are remembered per process (core/security.py): a remembered token
still expires on time, is found only under the key that verified it, and a token that fails
verification is never remembered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import time_machine

from troubletree.core import security
from troubletree.core.config import Settings


def _settings(key: str, ttl: int = 60) -> Settings:
    return Settings(secret_key=key, access_token_ttl_seconds=ttl)


def test_a_remembered_token_still_expires_on_time() -> None:
    settings = _settings("a" * 64)
    user_id, family_id = uuid.uuid4(), uuid.uuid4()
    token, _ = security.create_access_token(settings, user_id=user_id, family_id=family_id)
    first = security.decode_access_token(settings, token)
    assert first is not None and first.user_id == user_id and first.family_id == family_id
    assert security.decode_access_token(settings, token) == first  # from memory
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61)):
        assert security.decode_access_token(settings, token) is None
    # Forgotten once expired: PyJWT decides again (and refuses, at the later time).
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61)):
        assert security.decode_access_token(settings, token) is None


def test_a_token_is_found_only_under_the_key_that_verified_it() -> None:
    one, other = _settings("b" * 64), _settings("c" * 64)
    token, _ = security.create_access_token(one, user_id=uuid.uuid4(), family_id=uuid.uuid4())
    assert security.decode_access_token(one, token) is not None
    assert security.decode_access_token(other, token) is None


def test_a_token_is_found_only_for_the_audience_that_verified_it() -> None:
    one = _settings("f" * 64)
    token, _ = security.create_access_token(one, user_id=uuid.uuid4(), family_id=uuid.uuid4())
    assert security.decode_access_token(one, token) is not None
    other = Settings(secret_key="f" * 64, access_token_ttl_seconds=60, jwt_audience="elsewhere")
    assert security.decode_access_token(other, token) is None


def test_a_forged_token_is_refused_every_time() -> None:
    settings = _settings("d" * 64)
    token, _ = security.create_access_token(
        _settings("e" * 64), user_id=uuid.uuid4(), family_id=uuid.uuid4()
    )
    for _ in range(3):
        assert security.decode_access_token(settings, token) is None
    assert not [k for k in security._verified if k[-1] == token]
    claims = jwt.decode(token, options={"verify_signature": False})
    tampered = jwt.encode({**claims, "typ": "refresh"}, "d" * 64, algorithm="HS256")
    assert security.decode_access_token(settings, tampered) is None
    assert not [k for k in security._verified if k[-1] == tampered]
