"""The adapter's pure parts: signatures, freshness, crypto, XML guards, events, splitting, body cap."""

from __future__ import annotations

import pytest
from wechatpy.crypto import WeChatCrypto

from bot.adapters.webhook.guard import BodyLimit
from bot.adapters.webhook.keys import dedupe_key
from bot.adapters.webhook.message import Message, MessageSegment, split_text, to_text
from bot.adapters.wechat_oa.adapter import wechatpy_message
from bot.adapters.wechat_oa.event import (
    FollowEvent,
    MessageEvent,
    ScanSceneEvent,
    TemplateReceiptEvent,
    UnfollowEvent,
    convert,
)
from bot.adapters.wechat_oa.security import (
    Cipher,
    Refused,
    check_url_signature,
    decode_body,
    parse_xml,
    valid_aes_key,
)
from tests.wechat.test_e2e_refusals import ENTITY_BODY
from tests.wechat.wechat_side import AES_KEY, APP_ID, TOKEN, envelope, event_xml, sign, text_xml

NOW = 1_780_000_000


def signed(ts: int = NOW, nonce: str = "n1") -> dict[str, str]:
    return {"signature": sign(TOKEN, str(ts), nonce), "timestamp": str(ts), "nonce": nonce}


def refused(call, *args) -> Refused:
    with pytest.raises(Refused) as caught:
        call(*args)
    return caught.value


class TestUrlSignature:
    def test_valid_and_fresh(self):
        check_url_signature(TOKEN, signed(), NOW + 299, 300)

    def test_forged_missing_or_for_other_token(self):
        assert (
            refused(check_url_signature, TOKEN, {**signed(), "signature": "a" * 40}, NOW, 300).status == 403
        )
        assert (
            refused(check_url_signature, TOKEN, {"timestamp": str(NOW), "nonce": "n1"}, NOW, 300).status
            == 403
        )
        other = {**signed(), "signature": sign("other-token", str(NOW), "n1")}
        assert refused(check_url_signature, TOKEN, other, NOW, 300).reason == "invalid signature"

    def test_stale_future_and_garbage_timestamps(self):
        assert refused(check_url_signature, TOKEN, signed(NOW - 301), NOW, 300).reason == "stale timestamp"
        assert refused(check_url_signature, TOKEN, signed(NOW + 301), NOW, 300).reason == "stale timestamp"
        garbage = {"signature": sign(TOKEN, "abc", "n1"), "timestamp": "abc", "nonce": "n1"}
        assert refused(check_url_signature, TOKEN, garbage, NOW, 300).reason == "stale timestamp"


def encrypted(xml: str, app_id: str = APP_ID, ts: int = NOW) -> tuple[bytes, dict[str, str]]:
    import xmltodict

    wrapped = xmltodict.parse(WeChatCrypto(TOKEN, AES_KEY, app_id).encrypt_message(xml, "n1", str(ts)))["xml"]
    query = {**signed(ts), "encrypt_type": "aes", "msg_signature": wrapped["MsgSignature"]}
    return envelope(wrapped["Encrypt"]).encode(), query


class TestDecode:
    cipher = Cipher(TOKEN, AES_KEY, APP_ID)

    def test_safe_mode_round_trip(self):
        body, query = encrypted(text_xml("o-1", "签到", msg_id=7))
        root, was_encrypted = decode_body(body, query, "safe", self.cipher)
        assert was_encrypted and root["Content"] == "签到" and root["MsgId"] == "7"

    def test_safe_mode_refuses_plain(self):
        error = refused(decode_body, text_xml("o-1", "签到").encode(), signed(), "safe", self.cipher)
        assert (error.status, error.reason) == (400, "unencrypted messages are refused")

    def test_plain_and_compatible_accept_plain(self):
        for mode in ("plain", "compatible"):
            root, was_encrypted = decode_body(text_xml("o-1", "帮助").encode(), signed(), mode, self.cipher)
            assert not was_encrypted and root["Content"] == "帮助"

    def test_encrypted_without_a_key_is_refused(self):
        body, query = encrypted(text_xml("o-1", "签到"))
        assert refused(decode_body, body, query, "plain", None).status == 400

    def test_wrong_appid(self):
        body, query = encrypted(text_xml("o-1", "签到"), app_id="wx_other_account")
        assert refused(decode_body, body, query, "safe", self.cipher).reason == "wrong appid"

    def test_message_signature_checked_before_decrypting(self):
        body, query = encrypted(text_xml("o-1", "签到"))
        error = refused(decode_body, body, {**query, "msg_signature": "0" * 40}, "safe", self.cipher)
        assert (error.status, error.reason) == (403, "invalid message signature")

    def test_reply_encryption_is_readable_by_wechat(self):
        sealed = self.cipher.encrypt("<xml><Content>好</Content></xml>", "n9", str(NOW))
        import xmltodict

        doc = xmltodict.parse(sealed)["xml"]
        plain = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
            sealed, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"]
        )
        assert plain == "<xml><Content>好</Content></xml>"

    def test_declarations_and_garbage_refused(self):
        assert refused(parse_xml, ENTITY_BODY.encode()).reason == "declarations are not accepted"
        assert refused(parse_xml, b"<!doctype x><xml/>").status == 400
        assert refused(parse_xml, b"<xml><a>").reason == "malformed xml"
        assert refused(parse_xml, b"<other>1</other>").reason == "malformed xml"

    def test_aes_key_validation(self):
        assert valid_aes_key(AES_KEY)
        assert not valid_aes_key("short")
        assert not valid_aes_key("!" * 43)


def event_of(xml: str):
    root = parse_xml(xml.encode())
    return convert(wechatpy_message(root), dedupe_key(root))


class TestEvents:
    def test_text_message(self):
        event = event_of(text_xml("o-1", "签到 1234", msg_id=99))
        assert isinstance(event, MessageEvent)
        assert (event.get_plaintext(), event.get_user_id(), event.dedupe_key) == (
            "签到 1234",
            "o-1",
            "msg:o-1:99",
        )
        assert event.get_type() == "message" and event.get_session_id() == "o-1"

    def test_menu_click_becomes_a_command(self):
        event = event_of(event_xml("o-1", "CLICK", "cmd:我的履职", create_time=5))
        assert isinstance(event, MessageEvent) and event.get_plaintext() == "我的履职"
        assert event.dedupe_key.startswith("evt:o-1:5:click:")
        assert event_of(event_xml("o-1", "CLICK", "unknown-key")) is None

    def test_follow_unfollow_scan(self):
        follow = event_of(event_xml("o-1", "subscribe", create_time=5))
        assert (
            isinstance(follow, FollowEvent)
            and follow.scene == ""
            and follow.dedupe_key.startswith("evt:o-1:5:subscribe:")
        )
        by_qr = event_of(event_xml("o-1", "subscribe", "qrscene_checkin:12", Ticket="T"))
        assert isinstance(by_qr, FollowEvent) and by_qr.scene == "checkin:12"
        assert isinstance(event_of(event_xml("o-1", "unsubscribe")), UnfollowEvent)
        scan = event_of(event_xml("o-1", "SCAN", "checkin:12", Ticket="T"))
        assert isinstance(scan, ScanSceneEvent) and scan.scene == "checkin:12"
        assert scan.get_type() == "notice"

    def test_template_receipt(self):
        receipt = event_of(event_xml("o-1", "TEMPLATESENDJOBFINISH", MsgID="4242", Status="success"))
        assert isinstance(receipt, TemplateReceiptEvent)
        assert (receipt.msg_id, receipt.status) == ("4242", "success")

    def test_image_is_an_empty_message_and_unknown_events_are_ignored(self):
        image = event_of(
            "<xml><ToUserName>gh</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime>"
            "<MsgType>image</MsgType><PicUrl>u</PicUrl><MediaId>m</MediaId><MsgId>3</MsgId></xml>"
        )
        assert isinstance(image, MessageEvent) and image.get_plaintext() == ""
        assert event_of(event_xml("o-1", "VIEW", "https://example.org")) is None
        assert event_of(event_xml("o-1", "LOCATION", Latitude="1", Longitude="2")) is None


class TestDedupeKeys:
    """What makes two callbacks distinct keys them apart; a resent callback keys the same."""

    def test_two_menu_clicks_in_the_same_second_are_two_events(self):
        help_click = event_of(event_xml("o-1", "CLICK", "cmd:帮助", create_time=5))
        mine_click = event_of(event_xml("o-1", "CLICK", "cmd:我的履职", create_time=5))
        assert help_click.dedupe_key != mine_click.dedupe_key
        resent = event_of(event_xml("o-1", "CLICK", "cmd:帮助", create_time=5))
        assert resent.dedupe_key == help_click.dedupe_key

    def test_events_differ_by_user_time_and_type(self):
        keys = {
            event_of(event_xml(user, name, "checkin:1", create_time=when, Ticket="T")).dedupe_key
            for user in ("o-1", "o-2")
            for name in ("SCAN", "subscribe")
            for when in (5, 6)
        }
        assert len(keys) == 8

    def test_messages_without_msgid_are_keyed_by_user_and_content(self):
        def no_id(user: str, text: str) -> str:
            return (
                f"<xml><ToUserName>gh</ToUserName><FromUserName>{user}</FromUserName>"
                f"<CreateTime>7</CreateTime><MsgType>text</MsgType><Content>{text}</Content></xml>"
            )

        first, other_user, other_text = (
            event_of(no_id("o-1", "帮助")),
            event_of(no_id("o-2", "帮助")),
            event_of(no_id("o-1", "签到")),
        )
        keys = [first.dedupe_key, other_user.dedupe_key, other_text.dedupe_key]
        assert len(set(keys)) == 3
        assert all("None" not in key for key in keys) and first.msg_id == ""
        assert event_of(no_id("o-1", "帮助")).dedupe_key == first.dedupe_key

    def test_the_same_msgid_from_two_users_is_two_messages(self):
        assert (
            event_of(text_xml("o-1", "a", msg_id=1)).dedupe_key
            != event_of(text_xml("o-2", "a", msg_id=1)).dedupe_key
        )

    def test_keys_fit_the_inbox_column(self):
        long_key = event_of(event_xml("o-" + "x" * 120, "CLICK", "cmd:" + "长" * 200))
        assert long_key is not None and len(long_key.dedupe_key) <= 128
        assert dedupe_key({"FromUserName": "u", "MsgType": "text"}, "wecom:").startswith("wecom:msg:u:")


class TestText:
    def test_split_keeps_lines_and_byte_limit(self):
        text = "\n".join(f"第{i}行：" + "委员" * 20 for i in range(100))
        pieces = split_text(text, 2000)
        assert len(pieces) > 1
        assert all(len(piece.encode()) <= 2000 for piece in pieces)
        assert "\n".join(pieces) == text

    def test_split_cuts_an_overlong_line(self):
        pieces = split_text("长" * 1000, 2000)
        assert all(len(piece.encode()) <= 2000 for piece in pieces) and "".join(pieces) == "长" * 1000

    def test_short_text_is_one_piece(self):
        assert split_text("签到成功", 2000) == ["签到成功"]

    def test_to_text(self):
        assert to_text(Message(MessageSegment.text("a")) + MessageSegment.text("b")) == "ab"
        assert to_text("c") == "c" and to_text(MessageSegment.text("d")) == "d"


class TestBodyLimit:
    async def _run(self, messages: list[dict], headers: list[tuple[bytes, bytes]], path: str = "/wechat/oa"):
        sent: list[dict] = []
        seen: list[bytes] = []
        queue = list(messages)

        async def app(scope, receive, send):
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            seen.append(body)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        async def receive():
            return queue.pop(0)

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
        await BodyLimit(app, "/wechat/oa", 100)(scope, receive, send)
        return sent[0]["status"], seen, len(queue)

    async def test_declared_length_over_the_cap_is_refused_unread(self):
        chunks = [{"type": "http.request", "body": b"x" * 50, "more_body": True}] * 3
        status, seen, unread = await self._run(chunks, [(b"content-length", b"150")])
        assert (status, seen, unread) == (413, [], 3)

    async def test_streamed_body_stops_at_the_cap(self):
        chunks = [{"type": "http.request", "body": b"x" * 60, "more_body": True}] * 5
        status, seen, unread = await self._run(chunks, [])
        assert (status, seen, unread) == (413, [], 3)

    async def test_small_body_is_replayed_to_the_app(self):
        chunks = [
            {"type": "http.request", "body": b"ab", "more_body": True},
            {"type": "http.request", "body": b"cd", "more_body": False},
        ]
        status, seen, _ = await self._run(chunks, [(b"content-length", b"4")])
        assert (status, seen) == (200, [b"abcd"])

    async def test_other_paths_pass_untouched(self):
        chunks = [{"type": "http.request", "body": b"x" * 500, "more_body": False}]
        status, seen, _ = await self._run(chunks, [], path="/onebot/v11/ws")
        assert (status, seen) == (200, [b"x" * 500])
