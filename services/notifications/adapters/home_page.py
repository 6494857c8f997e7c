"""Fetches a domain's home page for the verification meta tag: bounded, no redirects, no private hosts."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

MAX_BYTES = 256 * 1024


class FetchError(Exception):
    """Why the page could not be read, worded for the site owner (it becomes last_error)."""


async def fetch_home_page(
    domain: str, *, url_template: str, allow_private: bool = False, time_limit: float = 5.0
) -> str:
    url = url_template.format(domain=domain)
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    try:
        async with asyncio.timeout(time_limit):
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            address = str(infos[0][4][0])
            ip = ipaddress.ip_address(address)
            # The server fetches a URL a customer chose: never reach into our own network (SSRF).
            if not allow_private and (
                ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            ):
                raise FetchError(f"{host} resolves to a private address")
            reader, writer = await asyncio.open_connection(
                address,
                port,
                ssl=ssl.create_default_context() if secure else None,
                server_hostname=host if secure else None,
            )
            try:
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                writer.write(
                    f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: SocialProof-Verifier/1\r\n"
                    "Accept: text/html\r\nConnection: close\r\n\r\n".encode()
                )
                await writer.drain()
                raw = await reader.read(MAX_BYTES)
                while len(raw) < MAX_BYTES and (more := await reader.read(MAX_BYTES - len(raw))):
                    raw += more
            finally:
                writer.close()
    except FetchError:
        raise
    except TimeoutError as error:
        raise FetchError(f"{url} did not answer within {time_limit:g} s") from error
    except (OSError, ssl.SSLError, IndexError, ValueError) as error:
        raise FetchError(f"{url} could not be fetched ({type(error).__name__})") from error
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    fields = status_line.split(" ", 2)
    status = fields[1] if len(fields) > 1 else "?"
    if status != "200":
        # Redirects are not followed: the tag must be on the domain itself.
        raise FetchError(f"{url} answered HTTP {status}, expected 200")
    return body.decode("utf-8", errors="replace")
