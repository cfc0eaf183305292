"""Group chats staff name when they announce or broadcast: a QQ group by its number, a 企业微信 group
by the name its robot has in WECOM_ROBOTS (or as `wecom_robot:<name>`)."""

from __future__ import annotations

from bot.config import get_settings
from bot.delivery.recipients import GroupRecipient
from bot.input_text import fold, is_number

ROBOT_PLATFORM = "wecom_robot"


def robot_names() -> list[str]:
    """The 企业微信 groups the bot can post in (none while robots are off)."""
    settings = get_settings()
    return sorted(settings.wecom_robots) if settings.enable_wecom_robots else []


def chat_group(text: str) -> GroupRecipient | None:
    """The group `text` names, or None: a QQ group number (5–12 digits) or a robot's name."""
    name = text.strip().removeprefix(f"{ROBOT_PLATFORM}:")
    for robot in robot_names():
        if fold(robot) == fold(name):
            return GroupRecipient(ROBOT_PLATFORM, robot)
    number = fold(text)
    if is_number(number) and 5 <= len(number) <= 12:
        return GroupRecipient("qq", number)
    return None
