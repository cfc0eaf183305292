"""The confirmed 表彰 of a year as a workbook: one sheet per body it is reported to (the policy's
recipients, e.g. 组织部 and 统战部, with everyone) and one per 委员单位 (each employer, with its own)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from bot.services import assessment
from bot.services.sheets import Sheet, write_book
from models import Commendation, CommendationStatus

HEADER = ("序号", "姓名", "界别", "专委会", "工作单位", "表彰事由", "得分", "排名")
TITLE_MAX = 31
_UNSAFE = re.compile(r"[\[\]:*?/\\]")
NO_EMPLOYER = "未填工作单位"


def _title(text: str, taken: set[str]) -> str:
    """An Excel sheet title: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _UNSAFE.sub("_", text)[:TITLE_MAX]
    title, n = base, 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[: TITLE_MAX - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


async def export(year: int, out: str | Path) -> tuple[Path, int]:
    """表彰名单 of `year`: confirmed commendations by rank, a sheet per recipient and per employer."""
    result = await assessment.assess(year)
    rows = await (
        Commendation.filter(year=year, status=CommendationStatus.CONFIRMED)
        .select_related("member")
        .order_by("member_id")
    )
    standings = {s.member_id: s for s in result.standings}
    listed: list[tuple[str, list[Any]]] = []
    for c in sorted(
        rows, key=lambda c: (standings[c.member_id].rank if c.member_id in standings else 10**9, c.member_id)
    ):
        s = standings.get(c.member_id)
        employer = c.member.employer or NO_EMPLOYER
        listed.append(
            (
                employer,
                [
                    c.member.name,
                    c.member.sector or None,
                    "、".join(s.committees) if s and s.committees else None,
                    c.member.employer or None,
                    c.reasons or None,
                    s.score if s else None,
                    s.rank if s else None,
                ],
            )
        )
    taken: set[str] = set()
    sheets = []
    for body in result.policy.commendation.recipients:
        sheet = Sheet(_title(f"报{body}", taken), HEADER)
        sheet.extend([index, *row] for index, (_, row) in enumerate(listed, start=1))
        sheets.append(sheet)
    for employer in sorted({employer for employer, _ in listed}):
        sheet = Sheet(_title(f"单位·{employer}", taken), HEADER)
        own = [row for e, row in listed if e == employer]
        sheet.extend([index, *row] for index, row in enumerate(own, start=1))
        sheets.append(sheet)
    if not sheets:
        sheets.append(Sheet("表彰名单", HEADER))
    path: Path = await asyncio.to_thread(write_book, sheets, Path(out))
    return path, len(listed)
