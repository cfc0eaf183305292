"""A client that streams a huge POST the way an attacker would, and stops when the server answers.

    result = await big_post("127.0.0.1", port, "/wechat/oa?signature=…", total=200 << 20, chunked=True)
    result.status   # the HTTP status the server answered (0: it closed without answering)
    result.sent     # how many body bytes the server let us push before it answered or hung up

`chunked=False` declares the whole length in Content-Length up front; `chunked=True` sends no length
(Transfer-Encoding: chunked), so only reading the body can reveal its size. With a `pause` between
writes (and before the first), everything sent has been read by the server when it answers, so its
hang-up cannot reset the connection before the status line is read; without one, a server that
answers early and hangs up may reset it first (status 0).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class BigPostResult:
    status: int
    sent: int


async def big_post(
    host: str, port: int, target: str, *, total: int, chunked: bool, chunk: int = CHUNK, pause: float = 0.0
) -> BigPostResult:
    reader, writer = await asyncio.open_connection(host, port)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = f"POST {target} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: text/xml\r\n{framing}\r\n\r\n"
    writer.write(head.encode())
    sent = 0

    async def pump() -> None:
        nonlocal sent
        block = b"<" * chunk
        framed = f"{chunk:x}\r\n".encode() + block + b"\r\n" if chunked else block
        with contextlib.suppress(ConnectionError, OSError):
            while sent < total:
                if pause:
                    await asyncio.sleep(pause)
                writer.write(framed)
                await writer.drain()
                sent += chunk
            if chunked:
                writer.write(b"0\r\n\r\n")
                await writer.drain()

    pumping = asyncio.create_task(pump())
    status = 0
    try:
        line = await asyncio.wait_for(reader.readline(), timeout=120)
        if line.startswith(b"HTTP/"):
            status = int(line.split()[1])
    except (ConnectionError, OSError, TimeoutError, asyncio.IncompleteReadError):
        pass
    finally:
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pumping
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    return BigPostResult(status, sent)
