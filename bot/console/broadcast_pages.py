"""发布: compose a 通知 or a publication, pick the audience, see how many it reaches before sending,
confirm; then each recipient's state and 补发 for the failed. The form's fields become the same text
as the chat's 通知 / 发布 and go through the same parser, preview and send."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from bot.console.web import Staff, audited, back, fragment, page, refusal, say, staff, writer
from bot.services import broadcasts, delivery_report, members
from bot.services.errors import ServiceError

router = APIRouter()
AUDIENCE_WORDS = {"all": "全体", "committee": "专委会", "sector": "界别", "group": "群", "list": "名单"}
STATE_LABELS = {
    "sent": "已送达",
    "pending": "排队中",
    "claimed": "发送中",
    "sending": "发送中",
    "failed": "失败",
    "unknown": "状态未知",
    "unreachable": "无法送达",
}


@dataclass
class Compose:
    kind: str = "notice"  # notice | publication
    audience: str = "all"
    value: str = ""
    publication: str = ""
    title: str = ""
    content: str = ""

    def plan(self) -> broadcasts.Plan:
        """Parse as the chat would: 通知 <对象> <内容> or 发布 《刊物》标题 + newline + content."""
        if self.kind == "publication":
            return broadcasts.parse_publication(
                f"《{self.publication.strip()}》{self.title.strip()}\n{self.content.strip()}"
            )
        word = AUDIENCE_WORDS.get(self.audience, "")
        value = "、".join(self.value.split()) if self.audience == "list" else self.value.strip()
        head = word if self.audience == "all" else f"{word} {value}"
        return broadcasts.parse_notice(f"{head} {self.content.strip()}")


async def _compose_page(request: Request, who: Staff, form: Compose, preview: object = None) -> Response:
    return page(
        request,
        who,
        "broadcast.html",
        "broadcast",
        form=form,
        preview=preview,
        committees=await members.committee_names(),
        sectors=await members.sectors(),
        batches=await delivery_report.recent_batches(),
    )


def compose_form(
    kind: Annotated[str, Form()] = "notice",
    audience: Annotated[str, Form()] = "all",
    value: Annotated[str, Form()] = "",
    publication: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
) -> Compose:
    return Compose(kind, audience, value, publication, title, content)


ComposeForm = Annotated[Compose, Depends(compose_form)]


@router.get("/console/broadcast")
async def compose(request: Request, who: Annotated[Staff, Depends(staff)]) -> Response:
    return await _compose_page(request, who, Compose())


@router.post("/console/broadcast/preview")
async def preview(request: Request, who: Annotated[Staff, Depends(writer)], form: ComposeForm) -> Response:
    try:
        found = await broadcasts.preview(who.sender, form.plan())
    except ServiceError as error:
        refusal(who, error)
        return await _compose_page(request, who, form)
    return await _compose_page(request, who, form, found)


@router.post("/console/broadcast/send")
async def send(request: Request, who: Annotated[Staff, Depends(writer)], form: ComposeForm) -> Response:
    try:
        batch, count = await broadcasts.send(who.sender, form.plan())
    except ServiceError as error:
        refusal(who, error)
        return await _compose_page(request, who, form)
    await audited(who, "broadcast", f"batch:{batch}")
    say(who, "broadcast_queued", batch=batch, count=count)
    return back(f"/console/broadcast/{batch}")


async def _status(batch: str) -> dict[str, object]:
    return {
        "s": await delivery_report.batch_status(batch),
        "recipients": await delivery_report.recipients_of(batch),
        "state_labels": STATE_LABELS,
    }


@router.get("/console/broadcast/{batch}")
async def batch_page(request: Request, batch: str, who: Annotated[Staff, Depends(staff)]) -> Response:
    try:
        found = await delivery_report.find_batch(batch)
        status = await _status(found)
    except ServiceError as error:
        refusal(who, error)
        return back("/console/broadcast")
    return page(request, who, "batch.html", "broadcast", **status)


@router.get("/console/broadcast/{batch}/live")
async def batch_live(batch: str, who: Annotated[Staff, Depends(staff)]) -> Response:
    return fragment("_batch_states.html", **await _status(await delivery_report.find_batch(batch)))


@router.post("/console/broadcast/{batch}/resend")
async def resend(batch: str, who: Annotated[Staff, Depends(writer)]) -> Response:
    try:
        found = await delivery_report.find_batch(batch)
        result = await delivery_report.resend_failed(found)
    except ServiceError as error:
        refusal(who, error)
        return back("/console/broadcast")
    await audited(who, "broadcast_resend", f"batch:{found}")
    say(who, "resent", r=result)
    return back(f"/console/broadcast/{found}")
