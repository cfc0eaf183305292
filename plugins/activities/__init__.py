"""Staff: create activities (guided), list them, see attendance, close them."""

from typing import Any

from bot.chat import Ask, Request, Where, router
from bot.render import render
from bot.services import activities, activity_listing, corrections, membership
from bot.services.activity_form import ACTIVITY_TYPES, STEPS
from bot.services.actors import require_staff, resolve
from bot.services.groups import robot_names
from bot.services.parsing import parse_number
from models.assessment import CONSEQUENCE_LABELS

CONFIRM_WORDS = {"确认", "确定", "是"}


def _prompt(step: int) -> str:
    return render(
        STEPS[step].prompt, types=ACTIVITY_TYPES, step=step + 1, total=len(STEPS), robots=robot_names()
    )


@router.command(
    "新建活动",
    usage="新建活动",
    summary="按提示创建活动",
    doc=(
        "guided: type, title, start, end, place, who (全体 / 专委会 X / 界别 X / 名单 张三、李四), check-in "
        "code, QQ group, then 确认"
    ),
    staff=True,
)
@router.fixed_form
@router.hint("创建活动", "发起活动", "组织活动", "安排会议", "建活动", staff=True)
async def start(req: Request) -> Ask:
    actor = await require_staff(req.sender)
    state = {"actor": actor.label, "draft": activities.ActivityDraft(), "step": 0}
    return Ask(render("activity/form_intro.j2") + "\n" + _prompt(0), fill, state)


async def fill(req: Request, state: dict[str, Any]) -> Ask:
    step: int = state["step"]
    draft: activities.ActivityDraft = state["draft"]
    await STEPS[step].apply(draft, req.text if STEPS[step].free_text else req.args)
    state["step"] = step + 1
    if step + 1 < len(STEPS):
        return Ask(_prompt(step + 1), fill, state)
    count = len(await activities.expected_member_ids(draft))
    preview = render(
        "activity/form_preview.j2",
        draft=draft,
        count=count,
        audience=activities.audience_text(draft, count),
        record=activities.is_record(draft),
    )
    return Ask(preview, confirm, state)


async def confirm(req: Request, state: dict[str, Any]) -> str | Ask:
    if req.answer not in CONFIRM_WORDS:
        return Ask(render("activity/form_confirm_again.j2"), confirm, state)
    activity, count = await activities.create(state["draft"], state["actor"])
    return render(
        "activity/created.j2", activity=activity, count=count, record=activities.is_record(activity)
    )


@router.command(
    "活动列表",
    "活动",
    usage="活动列表",
    summary="现在可以签到、进行中和即将举行的活动（含日期时间）",
    doc=(
        "what is open for check-in now, under way and coming, with dates and times in the committee's "
        "time zone; in a private chat a 委员 also sees where they stand (confirmed, on leave, checked in, "
        "not expected) and staff see activities that are over but not yet closed"
    ),
)
@router.fixed_form
@router.hint(
    "什么活动", "哪些活动", "有什么会", "开会", "会议", "下周", "本周", "这周", "近期", "最近", "安排", "日程"
)
async def list_activities(req: Request) -> str:
    actor = await resolve(req.sender)
    private = req.sender.is_private
    # in a private chat a 委员 sees where they stand; staff also see what is over but not closed
    member = actor.member if private and actor.member and membership.counts_as_member(actor.member) else None
    listing = await activity_listing.listing(member, for_staff=private and actor.is_staff)
    return render("activity/list.j2", listing=listing)


@router.command(
    "考勤",
    usage="考勤 <活动编号>",
    summary="查看出席/迟到/请假/缺席/未签到",
    doc="present / late / leave / absent / not yet, with names",
    staff=True,
    where=Where.PRIVATE,
)
@router.fixed_form
@router.hint("出勤", "到会情况", "谁到了", "签到情况", "签到名单", "缺席名单", staff=True)
async def attendance(req: Request) -> str:
    await require_staff(req.sender, private_only=True)
    sheet = await activities.attendance_sheet(parse_number(req.args, what="活动编号"))
    return render("activity/sheet.j2", sheet=sheet)


@router.command(
    "结束活动",
    usage="结束活动 <活动编号>",
    summary="结束活动，未签到且未获准请假者记为缺席",
    doc="close: everyone expected without check-in or approved leave becomes absent",
    staff=True,
)
@router.fixed_form
@router.hint("关闭活动", "活动结束", "散会", staff=True)
async def close(req: Request) -> str:
    actor = await require_staff(req.sender)
    sheet = await activities.close(parse_number(req.args, what="活动编号"), actor.label)
    return render("activity/closed.j2", sheet=sheet, private=req.sender.is_private)


@router.command(
    "更正考勤",
    usage="更正考勤 <活动编号> <委员> <出席|迟到|请假|缺席> <原因>",
    summary="活动结束后更正一名委员的考勤（如补办请假），并重新核对处理标准",
    doc=(
        "after an activity closed: change one member's status with a reason (audited); the rules are "
        "evaluated for that member at once and a draft that no longer holds is withdrawn"
    ),
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("修改考勤", "考勤更正", "补办请假", "改考勤", staff=True)
async def correct_attendance(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    words = req.args.split(maxsplit=3)
    if len(words) < 4:
        return render("correction/usage.j2")
    number, member, status, reason = words
    corrected = await corrections.correct(actor, number, member, status, reason)
    return render("correction/done.j2", c=corrected, labels=CONSEQUENCE_LABELS)


__plugin_meta__ = router.metadata(
    __name__,
    name="活动管理",
    description="Staff create, list and close activities, read and correct attendance",
)
