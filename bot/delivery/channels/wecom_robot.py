"""企业微信 groups through group robots (群机器人): broadcasts, notices, greetings and briefings.

A group is addressed as `wecom_robot:<name>` (GREETING_GROUPS, an activity's announce group); the
name is looked up in WECOM_ROBOTS for the robot's webhook key, a secret that never leaves the
settings (no log line, error or outbox row shows it). A robot takes 20 messages a minute: the lane
paces group messages at least WECOM_ROBOT_INTERVAL_SECONDS (> 3 s) apart, plus up to 1 s of jitter.
Messages go as text, or as markdown with the first line bold (WECOM_ROBOT_FORMAT).

| what happened                          | outcome   | why                                            |
|----------------------------------------|-----------|------------------------------------------------|
| errcode 0                              | SENT      | posted in the group                            |
| 45009 frequency limit, -1 busy         | RETRYABLE | nothing was posted; later it goes              |
| no connection                          | RETRYABLE | nothing left the process                       |
| 93000 webhook invalid (robot removed)  | REJECTED  | failed, with the reason for staff              |
| a group name with no key in settings   | REJECTED  | failed: the name is wrong or the robot missing |
| any other errcode                      | REJECTED  | refused, reason kept for staff                 |
| timeout / broken answer                | UNKNOWN   | it may have been posted: never resent          |
"""

from __future__ import annotations

from bot.adapters.webhook.message import split_text
from bot.adapters.wecom.api import WecomApi, shared_api
from bot.config import get_settings
from bot.delivery.channels.base import ChannelLimits, Pace, SendOutcome, SendResult
from bot.delivery.channels.wecom import ROBOT, send_pieces

PLATFORM = "wecom_robot"
TEXT_BYTES = 2000  # a robot's text holds 2048 bytes
MARKDOWN_BYTES = 4000  # and its markdown 4096


def markdown_of(text: str) -> str:
    """The first line bold, the rest as written (line breaks kept)."""
    first, _, rest = text.strip().partition("\n")
    head = f"**{first.strip()}**" if first.strip() else ""
    return f"{head}\n{rest}" if rest else head


class WecomRobotChannel:
    platform = PLATFORM
    max_length = 4000

    def __init__(self, api: WecomApi | None = None) -> None:
        self._api = api

    @property
    def api(self) -> WecomApi:
        return self._api or shared_api()

    @property
    def limits(self) -> ChannelLimits:
        interval = get_settings().wecom_robot_interval_seconds
        return ChannelLimits(group=Pace(interval, 1.0), inflight=1)

    def available(self) -> bool:
        return bool(get_settings().wecom_robots)

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        return SendResult(SendOutcome.REJECTED, "a group robot only posts in its group")

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        settings = get_settings()
        key = settings.wecom_robots.get(group_id)
        if not key:
            return SendResult(
                SendOutcome.REJECTED, f"no robot named {group_id!r} in WECOM_ROBOTS", "no_robot", ROBOT
            )
        if settings.wecom_robot_format == "markdown":
            msgtype, content, limit = "markdown", markdown_of(text), MARKDOWN_BYTES
        else:
            msgtype, content, limit = "text", text, TEXT_BYTES

        async def send(piece: str) -> None:
            await self.api.robot_send(group_id, key, msgtype, piece)

        return await send_pieces(split_text(content, limit), send, ROBOT)
