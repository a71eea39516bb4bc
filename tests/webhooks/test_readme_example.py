"""The README's signature check, run as written, accepts what the worker signs."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from troubletree.webhooks import signing

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_verify() -> Any:
    text = README.read_text()
    section = text[text.index("**Checking the signature.**") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["verify"]


def test_the_readme_verification_accepts_a_signed_body_and_refuses_changes() -> None:
    verify = _readme_verify()
    secret = signing.new_secret()
    body = b'{"type":"tree.published"}'
    header = signing.signature_header(secret, int(time.time()), body)
    assert verify(secret, header, body)
    assert not verify(secret, header, body + b" ")
    assert not verify("whsec_wrong", header, body)
    old = signing.signature_header(secret, int(time.time()) - 3600, body)
    assert not verify(secret, old, body)
