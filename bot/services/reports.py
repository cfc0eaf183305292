"""社情民意: validate, submit, and give the member a reference number."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from bot import clock
from bot.config import get_settings
from bot.input_text import same_words
from bot.services.errors import ServiceError
from models import Member, Report, ReportStatus


@dataclass(frozen=True, slots=True)
class ReportLimits:
    title_max: int
    content_min: int
    content_max: int


def limits() -> ReportLimits:
    settings = get_settings()
    return ReportLimits(settings.report_title_max, settings.report_content_min, settings.report_content_max)


def check_title(title: str) -> str:
    title = title.strip()
    lim = limits()
    if not title:
        raise ServiceError("report/title_empty.j2", limits=lim)
    if len(title) > lim.title_max:
        raise ServiceError("report/title_too_long.j2", limits=lim, length=len(title))
    return title


def check_content(content: str) -> str:
    content = content.strip()
    lim = limits()
    if len(content) < lim.content_min:
        raise ServiceError("report/content_too_short.j2", limits=lim, length=len(content))
    if len(content) > lim.content_max:
        raise ServiceError("report/content_too_long.j2", limits=lim, length=len(content))
    return content


def parse_one_message(text: str) -> tuple[str, str]:
    """`标题` on the first line (or before ｜/|), content after it."""
    text = text.strip()
    for separator in ("\n", "｜", "|"):
        if separator in text:
            title, content = text.split(separator, 1)
            return check_title(title), check_content(content)
    raise ServiceError("report/one_message_usage.j2", limits=limits())


async def _refuse_duplicate(member: Member, content: str, year: int) -> None:
    """A report whose content (its words: `same_words`) the member already submitted this year is
    refused, unless staff returned that one."""
    earlier = (
        await Report.filter(member_id=member.id, year=year)
        .exclude(status=ReportStatus.RETURNED)
        .values_list("reference", "title", "content")
    )
    wanted = same_words(content)
    for reference, title, text in earlier:
        if same_words(text) == wanted:
            raise ServiceError("report/duplicate.j2", reference=reference, title=title)


async def submit(member: Member, title: str, content: str, category: str = "") -> Report:
    title, content = check_title(title), check_content(content)
    year = clock.today().year
    await _refuse_duplicate(member, content, year)
    async with in_transaction():
        report = await Report.create(
            reference=f"tmp-{uuid.uuid4().hex[:16]}",  # replaced below, once the id is known
            member=member,
            title=title,
            content=content,
            category=category[:32],
            year=year,
        )
        report.reference = f"SQ{year}-{report.id:05d}"
        await report.save(update_fields=["reference"])
    return report
