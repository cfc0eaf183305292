"""The router folds typed input once, for every channel: QQ (group and private), WeChat, the console,
and a channel added later through `bot.adapters.register` with no code of its own for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from nonebot.adapters import Event
from nonebot.adapters.console import Message as ConsoleMessage
from nonebot.adapters.console import MessageEvent as ConsoleMessageEvent
from nonechat.model import DIRECT, User

from bot import adapters
from bot.adapters.wechat_oa.event import MessageEvent as WechatMessageEvent
from bot.chat import router
from bot.sender import Sender
from models import Identity, Record
from tests import factories
from tests.qq_events import group_event, private_event


class PagerEvent(Event):
    """A message from a channel the product does not ship: only the generic Event interface."""

    account: str
    body: str

    def get_type(self) -> str:
        return "message"

    def get_event_name(self) -> str:
        return "message"

    def get_event_description(self) -> str:
        return self.body

    def get_message(self):  # type: ignore[override]
        raise ValueError("plain text only")

    def get_plaintext(self) -> str:
        return self.body

    def get_user_id(self) -> str:
        return self.account

    def get_session_id(self) -> str:
        return self.account

    def is_tome(self) -> bool:
        return True


@pytest.fixture(scope="module", autouse=True)
def _channels():
    adapters.register_builtin(onebot=True, console=True, wechat=True)
    adapters.register(
        adapters.AdapterBinding(
            platform="pager",
            event_type=PagerEvent,
            sender_of=lambda event: Sender("pager", event.get_user_id()),
            plain=lambda text: text,
        )
    )


def _console(account: str, text: str) -> Event:
    return ConsoleMessageEvent(
        time=datetime.now(),
        self_id="console",
        user=User(id=account, nickname=account),
        channel=DIRECT,
        message_id="1",
        message=ConsoleMessage(text),
    )


def _wechat(account: str, text: str) -> Event:
    return WechatMessageEvent(to_user="gh_test", from_user=account, create_time=0, dedupe_key="k", text=text)


CHANNELS: dict[str, tuple[str, Callable[[str, str], Event]]] = {
    "qq-group": ("qq", lambda account, text: group_event(account, text)),
    "qq-private": ("qq", lambda account, text: private_event(account, text)),
    "wechat": ("wechat", _wechat),
    "console": ("console", _console),
    "pager": ("pager", lambda account, text: PagerEvent(account=account, body=text)),
}


async def _say(event: Event) -> str | None:
    request = router.route(object(), event)  # type: ignore[arg-type]
    assert request is not None, "the router ignored a command"
    return await router.handle(request)


@pytest.mark.parametrize("channel", list(CHANNELS))
async def test_every_channel_reads_commands_folded_and_free_text_as_typed(db, clock, channel):
    platform, make = CHANNELS[channel]
    member = await factories.member("林建国")
    await Identity.create(member=member, platform=platform, account_id="10001")
    meeting = await factories.activity(code="K7Q2")
    reply = await _say(make("10001", "／签到\u3000Ｋ７Ｑ２"))
    assert reply is not None and "签到成功" in reply and meeting.title in reply
    deed = "为社区老人送去冬衣２０件，\u3000并陪同体检。"
    reply = await _say(make("10001", f"好事\u00a0\u200f{deed}"))
    assert reply is not None and "已记入" in reply
    assert (await Record.get(member=member)).description == f"\u200f{deed}"
