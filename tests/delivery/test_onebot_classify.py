"""Every OneBot V11 failure maps to one outcome (see bot/delivery/channels/onebot.py)."""

from __future__ import annotations

import pytest
from nonebot.adapters.onebot.v11 import ActionFailed, ApiNotAvailable, NetworkError

from bot.delivery.channels.base import SendOutcome
from bot.delivery.channels.onebot import OneBotChannel, classify_failure


@pytest.mark.parametrize(
    ("retcode", "outcome"),
    [
        (100, SendOutcome.REJECTED),
        (102, SendOutcome.REJECTED),
        (103, SendOutcome.REJECTED),
        (104, SendOutcome.RETRYABLE),
        (201, SendOutcome.RETRYABLE),
        (1200, SendOutcome.UNKNOWN),
        (1400, SendOutcome.REJECTED),
        (1401, SendOutcome.RETRYABLE),
        (1403, SendOutcome.RETRYABLE),
        (1404, SendOutcome.REJECTED),
        (999, SendOutcome.REJECTED),
    ],
)
def test_retcodes(retcode: int, outcome: SendOutcome):
    result = classify_failure(
        ActionFailed(status="failed", retcode=retcode, msg="SEND_MSG_API_ERROR", wording="消息发送失败")
    )
    assert result.outcome == outcome
    assert result.code == str(retcode)
    assert result.detail == f"retcode {retcode}: 消息发送失败"  # the platform's reason, kept for staff


def test_reason_falls_back_to_msg():
    assert classify_failure(ActionFailed(status="failed", retcode=100, msg="GROUP_MUTED")).detail == (
        "retcode 100: GROUP_MUTED"
    )


def test_timeout_and_network_errors_are_unknown():
    timeout = classify_failure(NetworkError("WebSocket call api send_private_msg timeout"))
    assert timeout.outcome == SendOutcome.UNKNOWN and "timeout" in timeout.detail
    assert classify_failure(TimeoutError()).outcome == SendOutcome.UNKNOWN
    assert classify_failure(RuntimeError("socket closed")).outcome == SendOutcome.UNKNOWN


def test_no_connection_is_retryable():
    assert classify_failure(ApiNotAvailable()).outcome == SendOutcome.RETRYABLE


async def test_channel_without_a_connected_bot_is_retryable():
    channel = OneBotChannel()
    assert not channel.available()
    result = await channel.send_to_account("10001", "你好")
    assert result.outcome == SendOutcome.RETRYABLE
