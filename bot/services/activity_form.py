"""The guided 新建活动 form: one step per question, each parsing what staff typed into the draft."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.input_text import fold, is_blank
from bot.services import membership
from bot.services.activities import ActivityDraft, check_listed
from bot.services.actors import find_members
from bot.services.errors import ServiceError
from bot.services.groups import chat_group, robot_names
from bot.services.parsing import ACTIVITY_TYPES, fits, parse_activity_type, parse_local_datetime
from models import Audience, Committee, Member

NONE_WORDS = {"无", "没有", "不需要", "不用", "否", "-"}
SPLIT = re.compile(r"[、,，;；\s]+")


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    prompt: str  # template name
    apply: Callable[[ActivityDraft, str], Awaitable[None]]
    free_text: bool = False  # True: gets the answer as typed; False: its folded words


async def _type(draft: ActivityDraft, text: str) -> None:
    draft.type = parse_activity_type(text)


async def _title(draft: ActivityDraft, text: str) -> None:
    if is_blank(text) or len(text) > 100:
        raise ServiceError("activity/bad_title.j2")
    draft.title = text


async def _start(draft: ActivityDraft, text: str) -> None:
    draft.start_at = parse_local_datetime(text)


async def _end(draft: ActivityDraft, text: str) -> None:
    assert draft.start_at is not None
    from bot.clock import to_local

    end = parse_local_datetime(text, base_date=to_local(draft.start_at).date())
    if end <= draft.start_at:
        raise ServiceError("activity/end_before_start.j2")
    draft.end_at = end


async def _place(draft: ActivityDraft, text: str) -> None:
    if len(text) > 100:
        raise ServiceError("activity/bad_place.j2")
    draft.place = "" if fold(text) in NONE_WORDS else text


async def _audience(draft: ActivityDraft, text: str) -> None:
    head, _, rest = text.partition(" ")
    rest = rest.strip()
    if head in {"全体", "全体委员", "所有人"}:
        draft.audience, draft.audience_value = Audience.ALL, ""
    elif head in {"专委会", "专门委员会"} and rest:
        if not fits(Committee, "name", rest) or not await Committee.filter(name=rest).exists():
            names = await Committee.all().order_by("name").values_list("name", flat=True)
            raise ServiceError("activity/unknown_committee.j2", name=rest, names=names)
        draft.audience, draft.audience_value = Audience.COMMITTEE, rest
    elif head == "界别" and rest:
        if not fits(Member, "sector", rest) or not await membership.members().filter(sector=rest).exists():
            raise ServiceError("activity/unknown_sector.j2", name=rest)
        draft.audience, draft.audience_value = Audience.SECTOR, rest
    elif head in {"名单", "指定"} and rest:
        draft.audience, draft.member_ids = Audience.LIST, await listed_members(rest)
    else:
        raise ServiceError("activity/bad_audience.j2")


async def listed_members(text: str) -> list[int]:
    """`张三、李四`, `张三,#12`: the 委员 named, by name, phone or roster number (see find_members)."""
    member_ids = await find_members([word for word in SPLIT.split(fold(text)) if word])
    await check_listed(member_ids)
    return member_ids


def checkin_code(text: str) -> str | None:
    """The venue's check-in code as members will type it (3–16 letters and digits), or None."""
    text = fold(text)
    if text in NONE_WORDS:
        return None
    if not re.fullmatch(r"[0-9A-Za-z]{3,16}", text, re.ASCII):
        raise ServiceError("activity/bad_code.j2")
    return text.upper()


def announce_group(text: str) -> tuple[str, str]:
    """(platform, group) where the activity is announced: a QQ group number or a 企业微信 group's
    robot name; ("", "") for none."""
    if fold(text) in NONE_WORDS:
        return "", ""
    group = chat_group(text)
    if group is None:
        raise ServiceError("activity/bad_group.j2", robots=robot_names())
    return group.platform, group.group_id


async def _code(draft: ActivityDraft, text: str) -> None:
    draft.checkin_code = checkin_code(text)


async def _group(draft: ActivityDraft, text: str) -> None:
    draft.announce_platform, draft.announce_group = announce_group(text)


STEPS: list[Step] = [
    Step("type", "activity/ask_type.j2", _type),
    Step("title", "activity/ask_title.j2", _title, free_text=True),
    Step("start", "activity/ask_start.j2", _start),
    Step("end", "activity/ask_end.j2", _end),
    Step("place", "activity/ask_place.j2", _place, free_text=True),
    Step("audience", "activity/ask_audience.j2", _audience),
    Step("code", "activity/ask_code.j2", _code),
    Step("group", "activity/ask_group.j2", _group),
]

__all__ = ["ACTIVITY_TYPES", "STEPS", "Step", "announce_group", "checkin_code", "listed_members"]
