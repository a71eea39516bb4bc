"""The outbound guard: addresses checked, the checked address connected to, size and time
bounded."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
from pathlib import Path

import pytest

from tests.webhooks.receiver import receiver
from troubletree.webhooks import outbound


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address to check, not to bind
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert outbound.is_public(ipaddress.ip_address(address)) is public


async def test_one_private_answer_refuses_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    async def answers(host: str, port: int) -> list[outbound.IPAddress]:
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.7")]

    monkeypatch.setattr(outbound, "resolve", answers)
    with pytest.raises(outbound.TargetRefused) as refused:
        await outbound.check_url("https://hooks.example.com/x", production=True)
    assert refused.value.code == "url_not_public"


async def test_production_never_connects_to_loopback() -> None:
    with receiver() as hook:
        result = await outbound.post(
            hook.url.replace("http:", "https:"),
            b"{}",
            {},
            production=True,
            timeout_seconds=5,
            limit=1024,
        )
    assert result.status_code is None
    assert result.error is not None and result.error.startswith("url_not_public")
    assert hook.requests == []


async def test_the_connection_goes_to_the_checked_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host is resolved once; the request goes to that address with the name as Host, so a
    second (rebound) DNS answer is never asked for."""
    lookups: list[str] = []

    async def answers(host: str, port: int) -> list[outbound.IPAddress]:
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(outbound, "resolve", answers)
    with receiver() as hook:
        result = await outbound.post(
            f"http://hooks.invalid:{hook.port}/in?x=1",
            b"{}",
            {},
            production=False,
            timeout_seconds=5,
            limit=1024,
        )
    assert result.status_code == 200
    assert lookups == ["hooks.invalid"]
    assert hook.requests[0].headers["Host"] == f"hooks.invalid:{hook.port}"
    assert hook.requests[0].path == "/in?x=1"


async def test_the_answer_is_read_up_to_the_limit_and_the_excerpt_is_short() -> None:
    with receiver(answer=b"x" * 200_000) as hook:
        result = await outbound.post(
            hook.url, b"{}", {}, production=False, timeout_seconds=5, limit=4096
        )
    assert result.status_code == 200
    assert result.excerpt is not None and len(result.excerpt) == outbound.EXCERPT_CHARS


async def test_a_receiver_that_does_not_answer_times_out() -> None:
    with receiver(hold_first=True) as hook:
        result = await outbound.post(
            hook.url, b"{}", {}, production=False, timeout_seconds=0.5, limit=1024
        )
    assert result.status_code is None
    assert result.error is not None and result.error.startswith("timeout")


async def test_redirects_are_not_followed() -> None:
    with receiver(statuses=[302]) as hook:
        result = await outbound.post(
            hook.url, b"{}", {}, production=False, timeout_seconds=5, limit=1024
        )
    assert result.status_code == 302
    assert not result.ok
    assert len(hook.requests) == 1


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name` (openssl) and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - the system's openssl
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize(("host", "ok"), [("hooks.test", True), ("other.test", False)])
async def test_https_to_the_checked_address_verifies_the_certificate_for_the_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, host: str, ok: bool
) -> None:
    """Connecting to the resolved address keeps TLS honest: the name is the server name and
    the certificate is checked against it (a certificate for another name is refused)."""

    async def answers(name: str, port: int) -> list[outbound.IPAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(outbound, "resolve", answers)
    cert, key = _certificate(tmp_path, "hooks.test")
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    trusted = ssl.create_default_context(cafile=str(cert))
    with receiver(tls=server_tls) as hook:
        result = await outbound.post(
            f"https://{host}:{hook.port}/hook",
            b"{}",
            {},
            production=False,
            timeout_seconds=5,
            limit=1024,
            tls=trusted,
        )
    if ok:
        assert result.status_code == 200, result.error
        assert hook.requests[0].headers["Host"] == f"hooks.test:{hook.port}"
    else:
        assert result.status_code is None
        assert result.error is not None and "certificate" in result.error.lower()
        assert hook.requests == []
