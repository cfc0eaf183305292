"""The staff web console in a real browser (headless Chromium) against the real bot process, with
QQ played by the OneBot V11 peer: every act on the web is seen on the chat side and vice versa.

One browser and one bot process for the whole module; the tests run in order and build on each other
(signed in by the first). Screenshots of every page land in the module's temporary folder, named in
each failure message.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot import clock
from bot.services import console_auth, roster
from models import (
    Activity,
    AuditEntry,
    BindingCode,
    ConsoleLogin,
    LeaveRequest,
    LeaveStatus,
    Member,
    OutboxMessage,
    Report,
    Role,
)
from tests import factories
from tests.conftest import use_database
from tests.support.app_process import IMMEDIATE_DELIVERY, AppProcess
from tests.support.browser import Browser, missing_reason
from tests.support.onebot_peer import OneBotPeer, Reply

pytestmark = pytest.mark.skipif(missing_reason() is not None, reason=missing_reason() or "")

TOKEN = "console-e2e-token"
ADMIN_QQ, STAFF_QQ, MEMBER_QQ, OTHER_QQ = 20001, 20002, 10002, 10003
LINK = re.compile(r"https?://\S+/console/login/[A-Za-z0-9_-]+")


class Console:
    """What the tests share: the bot process, the QQ peer, the browser, and where things are."""

    def __init__(self, app: AppProcess, peer: OneBotPeer, browser: Browser) -> None:
        self.app = app
        self.peer = peer
        self.browser = browser
        self.base = f"http://127.0.0.1:{app.port}"
        self.activity_id = 0

    def page(self, path: str) -> None:
        self.browser.open(self.base + path)

    def where(self) -> str:
        """For failure messages: the screenshots folder and the app's log tail."""
        return f"screenshots in {self.browser.shots}; app log {self.app.log_path}"

    async def wait(self, condition, within: float = 15.0, what: str = ""):  # type: ignore[no-untyped-def]
        """Poll `condition` while letting the peer answer the bot (selenium itself blocks)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            try:
                result = condition()
            except Exception:  # not rendered yet, or replaced by an htmx swap
                result = None
            if result:
                return result
            if asyncio.get_running_loop().time() > deadline:
                shot = self.browser.shot("timeout")
                raise AssertionError(
                    f"waited {within}s for {what}; page {self.browser.url}; {shot}; {self.where()}"
                )
            await asyncio.sleep(0.25)

    async def text_of(self, css: str, wanted: str, within: float = 15.0) -> str:
        return await self.wait(
            lambda: wanted in self.browser.find(css).text and self.browser.find(css).text,
            within,
            f"{wanted!r} in {css}",
        )

    async def link_for(self, qq: int) -> str:
        reply = await self.peer.say(qq, "登录")
        found = LINK.search(reply)
        assert found, f"no sign-in link in the reply {reply!r}"
        return found.group(0)

    async def sign_in(self, link: str) -> None:
        self.browser.open(link)
        self.browser.click("#sign-in")
        await self.wait(lambda: self.browser.url.rstrip("/").endswith("/console"), what="the overview")


async def _seed() -> None:
    await factories.member("周文清", role=Role.ADMIN, qq=str(ADMIN_QQ), phone="13800000001", sector="中共")
    await factories.member("王海", role=Role.STAFF, qq=str(STAFF_QQ), phone="13800000004", sector="中共")
    await factories.member("林建国", qq=str(MEMBER_QQ), phone="13800000002", committees=("经济委",))
    await factories.member("陈晓梅", qq=str(OTHER_QQ), sector="教育界", committees=("经济委", "文史委"))
    await factories.member("赵立新", phone="13800000005", sector="教育界")  # never bound


@pytest.fixture(scope="module")
async def console(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("console")
    url = f"sqlite://{folder / 'console.sqlite3'}"
    await use_database(url)
    await _seed()
    app = AppProcess(database_url=url, token=TOKEN, workdir=folder, env=dict(IMMEDIATE_DELIVERY))
    app.start()
    peer = OneBotPeer(app.ws_url, TOKEN)
    browser: Browser | None = None
    try:
        await app.wait_ready()
        await peer.connect()
        browser = Browser.start(folder / "screenshots")
        yield Console(app, peer, browser)
    finally:
        if browser is not None:
            browser.quit()
        await peer.close()
        app.stop()


async def test_staff_sign_in_with_a_link_from_chat(console: Console):
    b = console.browser
    console.page("/console/")
    assert "/console/login" in b.url, console.where()
    assert "私聊" in b.text and "登录" in b.text
    b.shot("sign-in-help")
    link = await console.link_for(ADMIN_QQ)
    assert link.startswith(console.base), link
    b.open(link)
    b.shot("sign-in-button")
    b.click("#sign-in")
    await console.wait(lambda: "总览" in b.find("h1").text, what="the overview")
    cookie = b.cookie("weiyuan_console")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie
    assert "周文清（管理员）" in b.text
    await console.wait(
        lambda: len(b.find_all("#charts .chart[data-drawn] canvas")) == 3, what="the three charts"
    )
    b.shot("overview")
    b.driver.set_window_size(390, 844)  # a phone
    b.shot("overview-phone")
    b.driver.set_window_size(1280, 900)
    # the same link again: refused, whoever opens it
    b.open(link)
    b.click("#sign-in")
    await console.text_of("#login-error", "登录链接无效")
    b.shot("link-reused")


async def test_a_members_link_or_an_expired_one_is_refused(console: Console):
    b = console.browser
    assert "工作人员专用" in await console.peer.say(MEMBER_QQ, "登录")
    expired = await console.link_for(STAFF_QQ)
    await ConsoleLogin.filter(used_at=None).update(expires_at=clock.now() - timedelta(seconds=1))
    b.open(expired)
    b.click("#sign-in")
    await console.text_of("#login-error", "登录链接无效")
    # a link issued while staff, used after the roster made them a 委员
    demoted = await console.link_for(STAFF_QQ)
    await roster.import_rows([{"姓名": "王海", "手机": "13800000004", "界别": "中共", "角色": "委员"}])
    b.open(demoted)
    b.click("#sign-in")
    await console.text_of("#login-error", "登录链接无效")
    b.shot("link-refused")
    console.page("/console/")
    assert "总览" in b.find("h1").text, "the admin's own session is untouched; " + console.where()


def _local_input(moment) -> str:  # type: ignore[no-untyped-def]
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M")


async def test_create_an_activity_and_watch_check_ins_arrive(console: Console):
    b, peer = console.browser, console.peer
    console.page("/console/activities/new")
    start = clock.now() + timedelta(minutes=10)
    b.fill("input[name=title]", "全体委员会议（网页）")
    b.select("select[name=type]", "全体会议")
    b.set_value("input[name=start]", _local_input(start))
    b.set_value("input[name=end]", _local_input(start + timedelta(hours=2)))
    b.fill("input[name=place]", "区政协三楼会议室")
    b.fill("input[name=code]", "k7x9")
    b.shot("activity-form")
    b.click("#save-activity")
    await console.wait(lambda: re.search(r"/console/activities/(\d+)$", b.url), what="the activity page")
    console.activity_id = int(b.url.rsplit("/", 1)[1])
    activity = await Activity.get(id=console.activity_id)
    assert activity.checkin_code == "K7X9" and activity.title == "全体委员会议（网页）"
    assert "已创建活动" in b.text and "应到 4 人" in b.text, console.where()  # 委员 only: not 周文清 (管理员)

    def notified(p: OneBotPeer) -> bool:  # the dispatcher may be faster than this test
        return any(
            a.target == ("private", MEMBER_QQ) and f"【活动通知】#{activity.id}" in a.text for a in p.actions
        )

    await peer.wait_for(notified, within=15)
    # members check in over QQ; the page counts them without a reload
    assert "签到成功" in await peer.say(MEMBER_QQ, "签到 K7X9")
    await console.text_of("#count-present", "1")
    assert "签到成功" in await peer.say(OTHER_QQ, "签到 k7x9")
    await console.text_of("#count-present", "2")
    assert "林建国" in b.find("#names-present").text and "陈晓梅" in b.find("#names-present").text
    assert "已签到 2 · 已确认参加 0" in b.find("#confirmations").text
    b.shot("activity-live", full_page=True)
    console.page("/console/")
    await console.text_of(f"#live-activities [data-activity='{console.activity_id}']", "2")
    await console.wait(lambda: len(b.find_all("#charts .chart[data-drawn] canvas")) == 3, what="the charts")
    b.shot("overview-live", full_page=True)
    console.page(f"/console/activities/{console.activity_id}/venue")
    assert b.find("#venue-code").text == "K7X9"
    await console.text_of("#venue-count", "2")
    b.shot("venue")


async def test_close_the_activity(console: Console):
    b = console.browser
    console.page(f"/console/activities/{console.activity_id}")
    b.accept_confirmations()
    b.click("#close-activity")
    await console.wait(lambda: "已结束" in b.text, what="the closed activity")
    assert "缺席 2" in b.find(".flash").text, console.where()  # 王海 and 赵立新 never checked in
    b.shot("activity-closed")
    sheet = await console.peer.say(ADMIN_QQ, f"考勤 {console.activity_id}")  # the chat sees the same sheet
    assert "缺席 2 人" in sheet and "出席 2 人" in sheet, sheet
    absent = await Member.filter(attendances__activity_id=console.activity_id, attendances__status="absent")
    assert sorted(m.name for m in absent) == sorted(["王海", "赵立新"])
    assert await AuditEntry.filter(action="activity_close", target=f"activity:{console.activity_id}").exists()


async def test_a_leave_approved_on_the_web_reaches_the_member_privately(console: Console):
    b, peer = console.browser, console.peer
    later = await factories.activity(title="专题协商会", starts_in=timedelta(days=1))
    assert "已提交" in await peer.say(OTHER_QQ, f"请假 {later.id} 出差在外")
    leave = await LeaveRequest.get(activity_id=later.id)
    console.page("/console/approvals")
    row = b.find(f"#leave-{leave.id}")
    assert "陈晓梅" in row.text and "出差在外" in row.text
    b.shot("approvals")
    told = peer.expect(lambda a: a.target == ("private", OTHER_QQ) and "请假已批准" in a.text)
    b.click(f"#approve-{leave.id}")
    await console.wait(lambda: "已处理 1 项" in b.text, what="the decision")
    assert "专题协商会" in (await asyncio.wait_for(told, 15)).text
    assert (await LeaveRequest.get(id=leave.id)).status == LeaveStatus.APPROVED
    assert await AuditEntry.filter(action="leave_approve", target_member_id=leave.member_id).exists()  # type: ignore[attr-defined]


async def test_reports_accepted_in_bulk_tell_each_author(console: Console):
    b, peer = console.browser, console.peer
    for qq, title in ((MEMBER_QQ, "老旧小区加装电梯难"), (OTHER_QQ, "农村客运班线停运")):
        reply = await peer.say(qq, f"社情民意 {title}\n居民反映问题已持续半年，希望有关部门协调解决。")
        assert "SQ" in reply, reply
    reports = await Report.filter(status="submitted").order_by("id")
    console.page("/console/approvals")
    for report in reports:
        b.click(f"#report-{report.id} input[name=ids]")
    b.shot("reports-selected")
    told = [
        peer.expect(lambda a, qq=qq: a.target == ("private", qq) and "已被受理" in a.text)
        for qq in (MEMBER_QQ, OTHER_QQ)
    ]
    b.click("#accept-selected")
    await console.wait(lambda: "已处理 2 项" in b.text, what="the bulk decision")
    for future in told:
        await asyncio.wait_for(future, 15)
    assert {r.status for r in await Report.all()} == {"accepted"}
    assert await AuditEntry.filter(action="report_accept").count() == 2


async def test_a_roster_with_bad_rows_shows_each_line(console: Console, tmp_path: Path):
    b = console.browser
    bad = tmp_path / "名册.csv"
    bad.write_text(
        "姓名,性别,界别,专委会,手机,生日,角色\n"
        "李明,男,经济界,经济委,13900000001,1968-02-30,委员\n"
        "孙丽,女,教育界,,1390000,1975-01-01,委员\n"
        "周强,男,科技界,,13900000003,,主任\n",
        encoding="utf-8",
    )
    console.page("/console/roster")
    b.find("input[type=file]").send_keys(str(bad))
    b.click("#upload-roster")
    errors = await console.text_of("#roster-errors", "第 4 行")
    assert "第 2 行" in errors and "生日" in errors
    assert "第 3 行" in errors and "手机号" in errors
    assert "第 4 行" in errors and "角色「主任」" in errors
    b.shot("roster-errors")
    assert not await Member.filter(name__in=["李明", "孙丽", "周强"]).exists()
    good = tmp_path / "名册2.csv"
    good.write_text(
        "姓名,性别,界别,专委会,手机,生日,角色\n李明,男,经济界,经济委,13900000001,1968-02-03,委员\n"
        "林建国,男,经济界,经济委、提案委,13800000002,,委员\n",
        encoding="utf-8",
    )
    console.page("/console/roster")
    b.find("input[type=file]").send_keys(str(good))
    b.click("#upload-roster")
    diff = await console.text_of("#roster-diff", "新增")
    assert re.search(r"1\s*新增", diff) and re.search(r"1\s*有变化", diff), diff
    b.shot("roster-diff")
    b.click("#confirm-import")
    await console.wait(lambda: "名册已导入" in b.text, what="the import")
    assert await Member.filter(name="李明", phone="13900000001").exists()
    assert "139****0001" in b.find("#roster-table").text and "13900000001" not in b.find("#roster-table").text


async def test_a_broadcast_and_each_recipients_delivery_state(console: Console):
    b, peer = console.browser, console.peer
    peer.reply(
        "send_private_msg",
        lambda params: Reply.failed(100, "对方拒收") if int(params["user_id"]) == OTHER_QQ else Reply(),
    )
    console.page("/console/broadcast")
    b.fill("textarea[name=content]", "明天上午九点召开全体会议，请准时参加。")
    b.click("#preview-broadcast")
    preview = await console.text_of("#broadcast-preview", "位委员")
    assert "将发给 5 位委员" in preview and "可送达 3 位" in preview, preview
    assert "无法送达 2 位" in preview and "赵立新" in preview and "李明" in preview, preview
    b.shot("broadcast-preview")
    got = peer.expect(lambda a: a.target == ("private", MEMBER_QQ) and "明天上午九点" in a.text)
    b.click("#send-broadcast")
    await console.wait(lambda: "/console/broadcast/B" in b.url, what="the batch page")
    await asyncio.wait_for(got, 15)
    await console.text_of("#state-failed", "1", within=20)
    await console.wait(lambda: b.find("#state-pending").text == "0", within=20, what="nothing pending")
    states = b.find("#recipient-states").text
    assert "陈晓梅 失败" in states and "对方拒收" in states, states
    assert "赵立新 无法送达 — 没有绑定可用的聊天账号" in states and "林建国 已送达 QQ" in states, states
    b.shot("broadcast-states")
    batch = b.url.rsplit("/", 1)[1]
    assert await OutboxMessage.filter(batch=batch, status="failed").count() == 1
    peer.reply("send_private_msg", Reply())
    b.click("#resend")
    await console.wait(lambda: "重新排队" in b.text, what="the resend")
    await console.wait(lambda: b.find("#state-failed").text == "0", within=20, what="the failed one resent")


async def test_a_form_without_its_csrf_token_is_refused(console: Console):
    b = console.browser
    member = await Member.get(name="赵立新")
    console.page(f"/console/members/{member.id}")
    b.driver.execute_script(
        "var form = document.querySelector(\"form[action$='/binding-code']\");"
        "form.querySelector('input[name=csrf_token]').remove(); form.submit();"
    )
    forbidden = await console.text_of("#forbidden", "安全令牌")
    assert "未执行" in forbidden
    b.shot("csrf-refused")
    assert not await BindingCode.filter(member_id=member.id).exists()
    console.page(f"/console/members/{member.id}")  # with the token it works
    b.click("#issue-code")
    issued = await console.wait(
        lambda: "绑定码" in b.find(".flash").text and b.find(".flash").text, what="the code"
    )
    code = re.search(r"[23456789A-HJ-NP-Z]{8}", issued)
    assert code, issued
    assert "绑定成功" in await console.peer.say(30005, f"绑定 {code.group(0)}")  # 赵立新 binds in chat


async def test_forged_and_oversized_requests_are_refused(console: Console, tmp_path: Path):
    """Requests made outside the page, as an attacker or a broken client would send them."""
    import aiohttp

    b = console.browser
    console.page("/console/roster")
    token = b.find("input[name=csrf_token]").get_attribute("value")
    cookie = {"weiyuan_console": b.cookie("weiyuan_console")["value"]}
    form = {"title": "伪造的活动", "type": "全体会议", "start": "2030-01-01T09:00", "end": "2030-01-01T10:00"}
    before = await Activity.all().count()
    new = f"{console.base}/console/activities/new"
    async with (  # no session: sent to sign in, nothing written
        aiohttp.ClientSession() as anonymous,
        anonymous.post(new, data=form, allow_redirects=False) as r,
    ):
        assert r.status == 303 and r.headers["location"].startswith("/console/login")
    async with aiohttp.ClientSession(cookies=cookie) as forged:  # a session, but not its token
        async with forged.post(
            f"{console.base}/console/activities/new", data={**form, "csrf_token": "x" * 43}
        ) as r:
            assert r.status == 403 and "安全令牌" in await r.text()
        async with forged.post(
            f"{console.base}/console/members/1/role", data={"role": "member"}, headers={"X-CSRF-Token": ""}
        ) as r:
            assert r.status == 403
        big = aiohttp.FormData({"csrf_token": token})
        big.add_field("file", b"x" * (6 * 1024 * 1024), filename="名册.csv", content_type="text/csv")
        async with forged.post(f"{console.base}/console/roster/upload", data=big) as r:
            assert r.status == 200 and "超过 5 MB" in await r.text(), (
                "an oversized roster is refused politely"
            )
    assert await Activity.all().count() == before
    assert (await Member.get(id=1)).role == Role.ADMIN


async def test_a_signed_out_session_is_dead(console: Console):
    b, peer = console.browser, console.peer
    old = b.cookie("weiyuan_console")
    assert old is not None
    console.page("/console/audit")
    assert "批准请假" in b.find("#audit-table").text
    b.shot("audit")
    b.click("#sign-out")
    await console.wait(lambda: "您已退出登录" in b.text, what="the signed-out page")
    b.driver.add_cookie({"name": old["name"], "value": old["value"], "path": "/console"})
    console.page("/console/roster")
    assert "/console/login" in b.url, "a signed-out cookie still opened a page; " + console.where()
    # signing out in chat ends the browser's session too
    await console.sign_in(await console.link_for(ADMIN_QQ))
    assert "结束了 1 个" in await peer.say(ADMIN_QQ, "退出登录")
    console.page("/console/")
    assert "/console/login" in b.url, console.where()
    assert await console_auth.authenticate(old["value"]) is None
