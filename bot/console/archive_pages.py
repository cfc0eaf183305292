"""档案: the ranking overall, by 专委会 and by 界别, a member's archive, charts, the .xlsx downloads
and the commendation list — through the same services as 排名 / 档案 / 导出档案 (each view audited)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, Response

from bot import clock
from bot.console.web import Staff, apply_headers, audited, back, page, refusal, staff, writer
from bot.input_text import is_number
from bot.services import archive, assessment, export, members
from bot.services.assessment import FIVE_ONES, FOUR_VISITS
from bot.services.errors import ServiceError
from models.assessment import CONSEQUENCE_LABELS

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(text: str | int | None) -> int:
    value = str(text or "").strip()
    return int(value) if is_number(value) and len(value) == 4 else clock.today().year


@router.get("/console/archive")
async def ranking(
    request: Request,
    who: Annotated[Staff, Depends(staff)],
    scope: str = "all",
    name: str = "",
    year: str = "",
) -> Response:
    chosen = _year(year)
    words = {"committee": f"专委会 {name}", "sector": f"界别 {name}"}.get(scope, "200") if name else "200"
    try:
        result = await archive.ranking(who.actor, f"{words} {chosen}", recent=True)
    except ServiceError as error:
        refusal(who, error)
        return back("/console/archive")
    grades = Counter(s.grade for s in result.standings)
    chart = {"grades": list(grades), "grade_counts": list(grades.values())}
    full = await assessment.recent_assessment(chosen)
    top = full.policy.grades[0].name if full.policy.grades else ""
    return page(
        request,
        who,
        "archive.html",
        "archive",
        r=result,
        scope=scope,
        name=name,
        year=chosen,
        committees=await members.committee_names(),
        sectors=await members.sectors(),
        chart_json=json.dumps(chart, ensure_ascii=False),
        commended=[s for s in full.standings if s.grade == top],
        top_grade=top,
    )


@router.get("/console/archive/members/{member_id}")
async def member_archive(
    request: Request, member_id: int, who: Annotated[Staff, Depends(staff)], year: str = ""
) -> Response:
    chosen = _year(year)
    try:
        member, standing, total, _ = await archive.member_view(
            who.actor, f"#{member_id} {chosen}", recent=True
        )
    except ServiceError as error:
        refusal(who, error)
        return back("/console/archive")
    return page(
        request,
        who,
        "archive_member.html",
        "archive",
        member=member,
        standing=standing,
        total=total,
        year=chosen,
        five_ones=FIVE_ONES,
        four_visits=FOUR_VISITS,
        labels=CONSEQUENCE_LABELS,
    )


def _download(path: str | Path, filename: str) -> Response:
    response = FileResponse(path, media_type=XLSX, filename=filename)
    return apply_headers(response)


@router.post("/console/archive/export")
async def export_year(who: Annotated[Staff, Depends(writer)], year: Annotated[str, Form()] = "") -> Response:
    chosen, path = await archive.export_year(who.actor, str(_year(year)))
    return _download(path, f"实绩档案-{chosen}.xlsx")


@router.post("/console/archive/commendations")
async def commendations(
    who: Annotated[Staff, Depends(writer)], year: Annotated[str, Form()] = ""
) -> Response:
    chosen = _year(year)
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
    path, _ = await export.commendations(chosen, f"{archive.export_dir()}/表彰名单-{chosen}-{stamp}.xlsx")
    await audited(who, "commendations_export", f"year:{chosen}")
    return _download(path, f"表彰名单-{chosen}.xlsx")


@router.post("/console/archive/members/{member_id}/export")
async def export_member(
    member_id: int, who: Annotated[Staff, Depends(writer)], year: Annotated[str, Form()] = ""
) -> Response:
    chosen = _year(year)
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
    path = await export.member_archive(
        member_id, chosen, f"{archive.export_dir()}/档案-{member_id}-{chosen}-{stamp}.xlsx"
    )
    await audited(who, "member_export", member_id)
    return _download(path, f"个人档案-{member_id}-{chosen}.xlsx")
