"""A staff-edited greeting that would loop for hours, in the real bot (`python -m bot`) at start-up:
the OneBot handshake still succeeds at once, the member gets the default birthday greeting, and the
staff member is told which file was not used and why."""

from __future__ import annotations

import asyncio
from datetime import date

from bot import clock
from models import Member, Role
from tests import factories
from tests.support.app_process import IMMEDIATE_DELIVERY, AppProcess
from tests.support.onebot_peer import OneBotPeer

TOKEN = "e2e-greeting-token"
MEMBER_QQ, STAFF_QQ = 10001, 20001
NESTED_STRING_LOOPS = (
    '{% for i in "x"*9999 %}{% for j in "x"*9999 %}{% for k in "x"*9999 %}{% endfor %}{% endfor %}'
    "{% endfor %}{{ name }}"
)


async def test_a_stalling_greeting_at_start_up_does_not_block_the_bot(shared_db_url, tmp_path):
    clock.set_clock(None)
    today = clock.today()
    member = await factories.member("王秀英", qq=str(MEMBER_QQ))
    await Member.filter(id=member.id).update(birthday=date(1972, today.month, today.day))  # a leap year
    await factories.member("周文清", role=Role.STAFF, qq=str(STAFF_QQ))
    greetings_dir = tmp_path / "greetings"
    greetings_dir.mkdir()
    (greetings_dir / "birthday.j2").write_text(NESTED_STRING_LOOPS, encoding="utf-8")
    now = clock.to_local(clock.now())
    env = {
        **IMMEDIATE_DELIVERY,
        "GREETING_TEMPLATE_DIR": str(greetings_dir),
        "GREETING_RENDER_SECONDS": "1",
        "BIRTHDAY_GREETING_TIME": now.strftime("%H:%M"),  # due now: the start-up sweep renders it
        "RULES_EVALUATION_TIME": "00:00",
    }
    bot = AppProcess(database_url=shared_db_url, token=TOKEN, workdir=tmp_path, env=env)
    peer = OneBotPeer(bot.ws_url, TOKEN)
    bot.start()
    try:
        await bot.wait_ready()
        greeted = peer.expect(lambda a: a.target == ("private", MEMBER_QQ) and "生日" in a.text)
        told = peer.expect(lambda a: a.target == ("private", STAFF_QQ) and "祝福模板" in a.text)
        await peer.connect(within=15)
        greeting = (await asyncio.wait_for(greeted, 30)).text
        assert greeting.startswith("王秀英委员：今天是您的生日"), greeting
        assert "object at" not in greeting and "TemplateReference" not in greeting
        warning = (await asyncio.wait_for(told, 30)).text
        assert "birthday.j2" in warning and "渲染超过 1 秒" in warning, warning
    finally:
        await peer.close()
        bot.stop()
