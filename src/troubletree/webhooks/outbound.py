"""Outbound HTTP for webhooks, safe against server-side request forgery.

In production a target must resolve only to public addresses: the host is resolved once, every
address is checked (loopback, private, link-local, shared, multicast, reserved and unspecified
ranges are refused, IPv4-mapped IPv6 included), and the connection goes to the address that was
checked - the URL's host is sent as `Host` and as the TLS server name, so certificates are
verified against it - leaving no window for a second, different DNS answer. Redirects are not
followed (a redirect could point anywhere). Every request has a timeout and reads at most
`WEBHOOK_RESPONSE_LIMIT_BYTES` of the answer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
EXCERPT_CHARS = 1000


class TargetRefused(Exception):
    """The URL may not be called: `code` says why (stable, shown to the admin)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query


def parse_target(url: str, *, production: bool) -> Target:
    """The URL's parts, or TargetRefused: https (http too outside production), a host, no
    user information."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("url_invalid", "This is not a valid URL.") from exc
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"}:
        raise TargetRefused("url_scheme", "The URL must start with https://.")
    if scheme == "http" and production:
        raise TargetRefused("url_scheme", "The URL must use https.")
    if not parts.hostname:
        raise TargetRefused("url_invalid", "The URL has no host.")
    if parts.username or parts.password:
        raise TargetRefused("url_invalid", "The URL may not hold a user name or password.")
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused("url_unresolvable", f"The host {host!r} does not resolve.") from exc
    seen: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in seen:
            seen.append(address)
    if not seen:
        raise TargetRefused("url_unresolvable", f"The host {host!r} does not resolve.")
    return seen


async def checked_address(target: Target, *, production: bool) -> IPAddress:
    """The address to connect to: in production every address the host resolves to must be
    public (one private answer refuses the whole host)."""
    addresses = await resolve(target.host, target.port)
    if production:
        for address in addresses:
            if not is_public(address):
                raise TargetRefused(
                    "url_not_public",
                    f"The host {target.host!r} resolves to {address}, which is not a public "
                    "address.",
                )
    return addresses[0]


async def check_url(url: str, *, production: bool) -> None:
    """Refuses (TargetRefused) a URL that may not be called: used when an endpoint is saved."""
    await checked_address(parse_target(url, production=production), production=production)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    excerpt: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    production: bool,
    timeout_seconds: float,
    limit: int,
    tls: ssl.SSLContext | None = None,
) -> Outcome:
    """POSTs body to url through the checks above; never raises for the target's faults.
    `tls`: the certificate authorities to trust (default: the system's)."""
    started = time.monotonic()

    def done(status: int | None, excerpt: str | None, error: str | None) -> Outcome:
        return Outcome(status, int((time.monotonic() - started) * 1000), excerpt, error)

    try:
        target = parse_target(url, production=production)
        address = await checked_address(target, production=production)
    except TargetRefused as exc:
        return done(None, None, f"{exc.code}: {exc.message}")
    host = f"[{address}]" if address.version == 6 else str(address)
    direct = f"{target.scheme}://{host}:{target.port}{target.path}"
    default_port = {"https": 443, "http": 80}[target.scheme]
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        async with (
            asyncio.timeout(timeout_seconds),
            httpx.AsyncClient(
                timeout=timeout_seconds,
                follow_redirects=False,
                trust_env=False,
                verify=tls if tls is not None else True,
            ) as client,
            client.stream(
                "POST",
                direct,
                content=body,
                headers={**headers, "Host": host_header},
                extensions=extensions,
            ) as response,
        ):
            received = bytearray()
            async for chunk in response.aiter_raw():
                received += chunk
                if len(received) >= limit:
                    break
            excerpt = bytes(received[:limit]).decode("utf-8", "replace")[:EXCERPT_CHARS]
            return done(response.status_code, excerpt, None)
    except TimeoutError:
        return done(None, None, f"timeout: no answer within {timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        return done(None, None, f"{type(exc).__name__}: {exc}"[:500])
