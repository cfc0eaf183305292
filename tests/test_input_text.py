"""Folding typed input and reading numbers: the one place that does it, and nobody else doing it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.input_text import Arguments, fold, is_blank, storable
from bot.services.errors import ServiceError
from bot.services.parsing import parse_number, read_number

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("签到\u3000Ｋ７Ｑ２", "签到 K7Q2"),
        ("／签到　＃１２", "/签到 #12"),
        ("  绑定\u00a0\u00a0ABCD\u200b2345 \n", "绑定 ABCD 2345"),
        ("\u200f排名\u202e 10\ufeff", "排名 10"),
        ("ｶﾞ", "カ\u3099"),  # half-width katakana to full-width (the voiced mark stays a mark)
        ("①²١٢", "①²١٢"),  # not width forms: kept, and not numbers
    ],
)
def test_fold(typed, folded):
    assert fold(typed) == folded


def test_arguments_keep_the_rest_as_typed():
    args = Arguments.parse("\u3000＃１２\u3000\u3000家中有事，\u3000无法参加（已报备）！\x00 ")
    assert args.words[:2] == ("#12", "家中有事,")
    assert args.word(0) == "#12" and args.word(9) == ""
    assert args.rest(1) == "家中有事，\u3000无法参加（已报备）！"
    assert args.rest(5) == ""
    assert Arguments.parse("签到K7Q2").after(0, 2) == "K7Q2"


def test_storable_and_blank():
    assert storable("\ud800第一行\n第二行\x07\u3000") == "第一行\n第二行"
    assert is_blank("\u200f\u3000\u200b") and not is_blank("①")


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("12", 12),
        ("#12", 12),
        ("＃１２", 12),
        (" 12号", 12),
        ("No.7", 7),
        ("①", None),
        ("²", None),
        ("١٢", None),
        ("12a", None),
        ("", None),
        ("#", None),
        ("1234567890", None),
        ("-3", None),
    ],
)
def test_read_number(typed, number):
    assert read_number(typed) == number


def test_parse_number_refuses_politely_with_a_default_label():
    with pytest.raises(ServiceError) as refused:
        parse_number("①")
    assert refused.value.render() == "「①」不是有效的编号，请发送数字，例如 12。"


def test_typed_numbers_are_read_only_by_the_number_parser():
    """`str.isdigit()` accepts ①, ² and other scripts' digits that `int()` refuses or misreads:
    product code reads numbers through bot.input_text / bot.services.parsing only."""
    pattern = re.compile(r"\.(isdigit|isdecimal|isnumeric)\(")
    allowed = {"bot/input_text.py", "bot/adapters/wechat_oa/limits.py"}  # limits.py: ASCII bytes
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("bot", "plugins", "scheduler")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.relative_to(ROOT).as_posix() not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
