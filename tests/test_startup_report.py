"""The start-up block tells the operator what runs and what to do; a warning repeats while no OneBot
client has connected."""

from __future__ import annotations

import asyncio
import contextlib

from loguru import logger

from bot import startup_report
from bot.config import load_settings


def test_the_block_names_channels_urls_database_and_scheduler():
    settings = load_settings(
        host="0.0.0.0",
        port=8080,
        onebot_access_token="t",
        enable_wechat=True,
        wechat_path="/wechat/oa",
        database_url="postgres://weiyuan:s3cret@db.internal:5432/weiyuan",
    )
    block = startup_report.report(settings)
    assert "channels:  QQ (OneBot V11), WeChat Official Account" in block
    assert "ws://<this machine's address>:8080/onebot/v11/ws" in block
    assert "https://<your public host>/wechat/oa" in block
    assert "PostgreSQL db.internal:5432/weiyuan" in block and "s3cret" not in block
    assert "advisory lock 727001" in block
    sqlite = startup_report.report(load_settings(onebot_access_token="t", database_url="sqlite:///srv/w.db"))
    assert "SQLite /srv/w.db" in sqlite and "runs in this process" in sqlite and "WeChat" not in sqlite
    assert "Settings(" not in block and "Outcome(" not in block  # no object reprs


async def test_a_warning_repeats_while_no_onebot_client_is_connected(monkeypatch):
    lines: list[str] = []
    connected = [False]
    naps = [0]

    async def nap(seconds: float) -> None:  # the watcher's clock, one tick per call
        assert seconds == 300
        naps[0] += 1
        if naps[0] == 3:
            connected[0] = True  # NapCat connects during the third wait
        if naps[0] == 5:
            raise asyncio.CancelledError

    monkeypatch.setattr(startup_report.asyncio, "sleep", nap)
    monkeypatch.setattr(startup_report, "onebot_connected", lambda: connected[0])
    sink = logger.add(lambda message: lines.append(str(message)), level="WARNING")
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await startup_report._watch_onebot(load_settings(onebot_access_token="t", port=9100))
    finally:
        logger.remove(sink)
    assert len(lines) == 2  # after the first two waits; none once connected
    assert "no OneBot client connected" in lines[0] and "ws://127.0.0.1:9100/onebot/v11/ws" in lines[0]


def test_the_block_names_the_wecom_callback_and_robots_never_their_keys():
    settings = load_settings(
        onebot_access_token="t",
        enable_wecom=True,
        wecom_path="/wecom/app",
        wecom_api_base="https://zwwx.example.gov.cn",
        enable_wecom_robots=True,
        wecom_robots={"office": "robot-secret-key-1", "办公室": "robot-secret-key-2"},
    )
    block = startup_report.report(settings)
    assert "企业微信 app, 企业微信 group robots" in block
    assert "https://<your public host>/wecom/app" in block and "https://zwwx.example.gov.cn" in block
    assert "wecom_robot:office, wecom_robot:办公室" in block
    assert "robot-secret-key" not in block


def test_the_block_names_the_sms_provider_and_the_receipt_url_without_secrets():
    settings = load_settings(
        onebot_access_token="t",
        sms_provider="tencent",
        sms_sign_name="某某区政协",
        sms_access_key_secret="very-secret-key",
        sms_receipt_token="receipt-secret",
        sms_templates='{"birthday": {"template": "1", "params": {}}}',
    )
    block = startup_report.report(settings)
    assert "SMS:       tencent, signature 某某区政协, 1 notice kinds with a template" in block
    assert "/sms/receipt?token=SMS_RECEIPT_TOKEN" in block
    assert "very-secret-key" not in block and "receipt-secret" not in block
