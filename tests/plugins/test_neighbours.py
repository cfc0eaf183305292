"""A good NoneBot citizen: another plugin installed beside ours still receives the private messages
that name none of our commands; ours still get our commands first."""

from __future__ import annotations

from nonebot import on_message
from nonebot.adapters import Event
from nonebot.adapters.onebot.v11 import Bot, Message
from nonebug import App

from bot.chat import COMMAND_PRIORITY, UNANSWERED_PRIORITY
from bot.render import render
from tests.qq_events import private_event, reply


async def test_a_neighbour_plugin_gets_what_names_no_command(app: App, db):
    heard: list[str] = []
    neighbour = on_message(priority=(COMMAND_PRIORITY + UNANSWERED_PRIORITY) // 2, block=True)

    @neighbour.handle()
    async def _echo(event: Event) -> None:
        heard.append(event.get_plaintext())
        await neighbour.send(Message("邻居插件收到"))

    try:
        async with app.test_matcher() as ctx:
            bot = ctx.create_bot(base=Bot)
            chatter = private_event(10001, "你好")
            ctx.receive_event(bot, chatter)
            ctx.should_call_send(chatter, Message("邻居插件收到"), result=None)
        async with app.test_matcher() as ctx:
            bot = ctx.create_bot(base=Bot)
            command = private_event(10001, "签到")
            ctx.receive_event(bot, command)
            ctx.should_call_send(command, reply(render("common/not_bound.j2")), result=None)
    finally:
        neighbour.destroy()
    assert heard == ["你好"]


async def test_without_a_neighbour_the_last_matcher_answers(app: App, db):
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot)
        chatter = private_event(10001, "你好")
        ctx.receive_event(bot, chatter)
        ctx.should_call_send(chatter, reply(render("common/unknown_command.j2")), result=None)
