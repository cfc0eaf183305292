"""The SMS channel's overhead per message, for bench/broadcast.py (`--sms N`).

Both sides talk to the same local fake Tencent Cloud API (which checks every TC3-HMAC-SHA256
signature) through the real SDK: the baseline calls the provider directly with ready parameters;
the measured path queues N activity notices to members who have only a phone number and lets the
dispatcher send them (claim, route to the roster phone, render the template's parameters, record
`sending`, call, record the send and the outcome).
"""

from __future__ import annotations

import json
import os
import time
import uuid

from bot import config
from bot.delivery import channels, outbox
from bot.delivery.channels.sms import SmsChannel, template_params
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import MemberRecipient
from bot.delivery.sms import SmsRequest
from bot.delivery.sms.tencent import TencentSms
from models import Member, OutboxMessage, OutboxStatus
from tests.support.fake_sms import FakeTencentSms

TEMPLATE = {"template": "2010001", "params": {"title": "{{ title }}", "time": "{{ start_at|dt('short') }}"}}
CONTEXT = {"title": "全体委员会议", "start_at": "2026-12-01T01:00:00+00:00", "place": "二楼"}


def _configure(fake: FakeTencentSms) -> None:
    os.environ.update(
        {
            "SMS_PROVIDER": "tencent",
            "SMS_ACCESS_KEY_ID": fake.key_id,
            "SMS_ACCESS_KEY_SECRET": fake.key_secret,
            "SMS_APP_ID": "1400000001",
            "SMS_SIGN_NAME": "某某区政协",
            "SMS_API_BASE": fake.base_url,
            "SMS_INTERVAL_SECONDS": "0",
            "SMS_DAILY_CAP": "0",
            "SMS_MONTHLY_BUDGET_YUAN": "0",
            "SMS_TEMPLATES": json.dumps({"activity_notice": TEMPLATE}),
            "DELIVERY_ORDER": '["sms"]',
        }
    )
    config.reset_settings_cache()


async def run_sms(label: str, n: int) -> None:
    """Run inside a connected database (bench/broadcast.py's `run`)."""
    fake = await FakeTencentSms().start()
    saved = dict(os.environ)
    try:
        _configure(fake)
        provider = TencentSms(
            secret_id=fake.key_id,
            secret_key=fake.key_secret,
            app_id="1400000001",
            sign_name="某某区政协",
            base_url=fake.base_url,
            timeout=10,
        )
        channels.clear()
        channels.register(SmsChannel(provider))
        base = 13_000_000_000 + uuid.uuid4().int % 900_000_000
        await Member.bulk_create(
            [Member(name=f"短信{i:05d}", phone=str(base + i)) for i in range(n)], batch_size=1000
        )
        ids = sorted(await Member.filter(name__startswith="短信").values_list("id", flat=True))

        params = template_params(TEMPLATE, CONTEXT, "", 35)
        started = time.perf_counter()
        for i in range(n):
            answer = await provider.send(SmsRequest(str(base + i), "2010001", params))
            assert answer.message_id, answer
        direct_s = time.perf_counter() - started

        batch = uuid.uuid4().hex[:8]
        await outbox.enqueue_many(
            [
                outbox.Outgoing(
                    f"sms:{batch}:{m}",
                    MemberRecipient(m),
                    "notices/text.j2",
                    {**CONTEXT, "text": "通知"},
                    "activity_notice",
                    batch,
                )
                for m in ids
            ]
        )
        calls_before = len(fake.calls)
        started = time.perf_counter()
        await Dispatcher().drain()
        dispatch_s = time.perf_counter() - started
        sent = await OutboxMessage.filter(batch=batch, status=OutboxStatus.SENT, channel="sms").count()
        assert sent == n == len(fake.calls) - calls_before, (sent, len(fake.calls) - calls_before)
        assert fake.signature_failures == 0

        print(f"== {label}: SMS channel, {n} messages through the SDK to the fake Tencent Cloud API")
        print(f"provider called direct {direct_s:8.3f} s   ({direct_s / n * 1000:.2f} ms/message)  baseline")
        print(f"through the outbox     {dispatch_s:8.3f} s   ({dispatch_s / n * 1000:.2f} ms/message)")
        print(f"SMS channel overhead   {(dispatch_s - direct_s) / n * 1000:8.3f} ms/message")
    finally:
        os.environ.clear()
        os.environ.update(saved)
        config.reset_settings_cache()
        channels.clear()
        await fake.stop()
