"""Seeds the app's SQLite file from a separate process: `python -m tests.wechat.seed <url> '<json ops>'`.

Ops (JSON list): {"op": "member", "name", "openid"?, "platform"?, "code"?: true, "staff"?: true} binds
the openid (an account on `platform`, "wechat" unless given) directly and/or issues a one-time binding
code; {"op": "activity", "title", "code"?} opens an activity for everybody now; {"op": "greetings",
"at"} runs the greeting job at that moment (ISO time). Prints one JSON result per op.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timedelta
from typing import Any

from bot import clock, db
from bot.services import activities, binding, greetings
from models import ActivityType, Audience, Identity, Member, Role


async def run(url: str, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    await db.connect(url)
    results: list[dict[str, Any]] = []
    try:
        for op in ops:
            if op["op"] == "member":
                member = await Member.create(
                    name=op["name"], role=Role.STAFF if op.get("staff") else Role.MEMBER, sector="经济界"
                )
                result: dict[str, Any] = {"member_id": member.id}
                if op.get("openid"):
                    platform = op.get("platform", "wechat")
                    await Identity.create(member=member, platform=platform, account_id=op["openid"])
                if op.get("code"):
                    result["code"] = (await binding.issue_code(member, "test")).code
                results.append(result)
            elif op["op"] == "activity":
                start = clock.now() + timedelta(minutes=10)
                draft = activities.ActivityDraft(
                    type=ActivityType.COMMITTEE,
                    title=op["title"],
                    start_at=start,
                    end_at=start + timedelta(hours=2),
                    place="区政协会议室",
                    audience=Audience.ALL,
                    checkin_code=op.get("code"),
                )
                activity, count = await activities.create(draft, "test")
                results.append({"activity_id": activity.id, "expected": count})
            elif op["op"] == "greetings":  # the scheduler's greeting job at a moment (ISO, with zone)
                moment = datetime.fromisoformat(op["at"])
                results.append({"queued": await greetings.run_due(moment, timedelta(minutes=5))})
    finally:
        await db.disconnect()
    return results


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(sys.argv[1], json.loads(sys.argv[2]))), ensure_ascii=False))
