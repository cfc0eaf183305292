"""A OneBot V11 client for benchmarks that answers every action at once, in a process of its own
(so that its CPU is not counted as the bot's or the driver's).

    python bench/onebot_fast_peer.py WS_URL TOKEN SELF_ID

Connects as a reverse-WebSocket client (retrying until the server listens), answers each action
frame with `{"status": "ok", "retcode": 0, ...}` carrying its echo, and on SIGTERM prints one JSON
line: how many `send_private_msg` it answered, to how many distinct users, and its CPU seconds.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def serve(url: str, token: str, self_id: str) -> dict[str, int]:
    headers = {"X-Self-ID": self_id, "X-Client-Role": "Universal", "Authorization": f"Bearer {token}"}
    stats = {"send_private_msg": 0, "other": 0}
    users: set[int] = set()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    message_id = 0
    while not stop.is_set():
        try:
            ws = await connect(url, additional_headers=headers, open_timeout=5, max_size=None)
        except (OSError, TimeoutError, Exception):
            await asyncio.sleep(0.1)
            continue
        print("connected", flush=True)
        reader = asyncio.ensure_future(ws.recv())
        stopper = asyncio.ensure_future(stop.wait())
        try:
            while True:
                done, _ = await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if stopper in done:
                    reader.cancel()
                    break
                frame = json.loads(reader.result())
                reader = asyncio.ensure_future(ws.recv())
                action = frame.get("action")
                if action is None:
                    continue
                if action == "send_private_msg":
                    stats["send_private_msg"] += 1
                    users.add(int(frame["params"]["user_id"]))
                else:
                    stats["other"] += 1
                message_id += 1
                data = {"message_id": message_id} if action.startswith("send_") else _data(action, self_id)
                await ws.send(
                    json.dumps({"status": "ok", "retcode": 0, "data": data, "echo": frame.get("echo")})
                )
        except ConnectionClosed:
            reader.cancel()
            continue
        finally:
            stopper.cancel()
            await ws.close()
    return {**stats, "users": len(users)}


def _data(action: str, self_id: str) -> object:
    if action == "get_login_info":
        return {"user_id": int(self_id), "nickname": "bench"}
    return {}


def main() -> None:
    url, token, self_id = sys.argv[1:4]
    stats = asyncio.run(serve(url, token, self_id))
    print(json.dumps({**stats, "cpu_seconds": round(time.process_time(), 3)}), flush=True)


if __name__ == "__main__":
    main()
