"""总览: today's and this week's activities with live check-in counts, the queues waiting for staff,
delivery health and the year's charts."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.console.web import Staff, fragment, page, staff
from bot.services import dashboard

router = APIRouter()


async def _activities() -> dict[str, object]:
    today, week = await dashboard.activities_around()
    counts = await dashboard.attendance_counts([a.id for a in today + week])
    return {"today": today, "week": week, "counts": counts}


@router.get("/console/")
@router.get("/console")
async def overview(request: Request, who: Annotated[Staff, Depends(staff)]) -> Response:
    return page(
        request,
        who,
        "overview.html",
        "overview",
        waiting=await dashboard.waiting(),
        health=await dashboard.delivery_health(),
        **await _activities(),
    )


@router.get("/console/overview/activities")
async def live_activities(who: Annotated[Staff, Depends(staff)]) -> Response:
    return fragment("_overview_activities.html", **await _activities())


@router.get("/console/overview/charts")
async def charts(who: Annotated[Staff, Depends(staff)]) -> Response:
    data = await dashboard.charts()
    return fragment("_overview_charts.html", data=data, data_json=json.dumps(data, ensure_ascii=False))
