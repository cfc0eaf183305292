"""The web form for an activity: its fields are turned into the answers of the chat's 新建活动 steps
and parsed by the same step functions, so the web accepts and refuses exactly what chat does."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.clock import to_local
from bot.db import chunks
from bot.services.activities import ActivityDraft
from bot.services.activity_form import STEPS
from bot.services.errors import ServiceError
from models import Audience, Member, MemberStatus

STEP_LABELS = {
    "type": "类型",
    "title": "标题",
    "start": "开始时间",
    "end": "结束时间",
    "place": "地点",
    "audience": "参加对象",
    "code": "签到码",
    "group": "QQ群",
}


@dataclass
class ActivityFields:
    """What the form holds (strings as typed; datetime-local values as YYYY-MM-DDTHH:MM)."""

    type: str = ""
    title: str = ""
    start: str = ""
    end: str = ""
    place: str = ""
    audience: str = "all"
    committee: str = ""
    sector: str = ""
    names: str = ""
    code: str = ""
    group: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def answers(self) -> dict[str, str]:
        """The text a staff member would have typed at each step of 新建活动."""
        audience = {
            "all": "全体",
            "committee": f"专委会 {self.committee.strip()}",
            "sector": f"界别 {self.sector.strip()}",
            "list": f"名单 {self.names.strip()}",
        }.get(self.audience, self.audience)
        return {
            "type": self.type.strip(),
            "title": self.title.strip(),
            "start": self.start.replace("T", " ").strip(),
            "end": self.end.replace("T", " ").strip(),
            "place": self.place.strip() or "无",
            "audience": audience.strip(),
            "code": self.code.strip() or "无",
            "group": self.group.strip() or "无",
        }


async def to_draft(fields: ActivityFields) -> ActivityDraft | None:
    """Parse every field with its chat step; None (and `fields.errors` filled) when any is refused."""
    draft = ActivityDraft()
    answers = fields.answers()
    for step in STEPS:
        if step.key == "end" and draft.start_at is None:
            continue  # the end is checked against the start: nothing to say until the start parses
        try:
            await step.apply(draft, answers[step.key])
        except ServiceError as refused:
            fields.errors[step.key] = refused.render()
    return None if fields.errors else draft


async def from_activity(draft: ActivityDraft) -> ActivityFields:
    """The form of an existing activity (for editing)."""
    names = ""
    if draft.audience == Audience.LIST and draft.member_ids:
        found: list[tuple[int, str]] = []
        shared: Counter[str] = Counter()
        for chunk in chunks(sorted(draft.member_ids)):
            found.extend(await Member.filter(id__in=chunk).order_by("id").values_list("id", "name"))
        # a name two members share is written as the roster number, which reads back to that one
        for same_names in chunks(sorted({name for _, name in found})):
            active = Member.filter(name__in=same_names, status=MemberStatus.ACTIVE)
            shared.update(await active.values_list("name", flat=True))
        names = "、".join(name if shared[name] <= 1 else f"#{number}" for number, name in found)
    return ActivityFields(
        type=str(draft.type.value if draft.type else ""),
        title=draft.title,
        start=to_local(draft.start_at).strftime("%Y-%m-%dT%H:%M") if draft.start_at else "",
        end=to_local(draft.end_at).strftime("%Y-%m-%dT%H:%M") if draft.end_at else "",
        place=draft.place,
        audience=draft.audience.value,
        committee=draft.audience_value if draft.audience == Audience.COMMITTEE else "",
        sector=draft.audience_value if draft.audience == Audience.SECTOR else "",
        names=names,
        code=draft.checkin_code or "",
        group=draft.announce_group,
    )
