"""What people type, read the way they meant it: one place that folds chat input for every channel.

Chinese input methods type full-width forms (`Ｋ７Ｑ２`, `＃１２`, `／签到`) and the ideographic
space U+3000 between words; text pasted from elsewhere brings no-break spaces, zero-width spaces
and bidirectional marks. The command router reads every message through `Arguments`:

- the *words* (command word, numbers, codes, names, keywords) are folded: full-width and
  half-width compatibility forms become their ordinary characters, invisible format characters
  (zero-width joiners, direction marks, BOM) are dropped, and any run of Unicode white space
  (U+3000, U+00A0, tabs, line breaks, zero-width space) separates words;
- the *rest* of a message (a report's content, a leave reason, a description) is kept exactly as
  typed, Chinese punctuation included; only characters no database can store (NUL and the other
  C0/C1 control characters except tab and line breaks, lone surrogates) are removed.

Only width and spacing are folded, not full NFKC: `①` or `²` are not silently read as 1 or 2
(a staff member approving "leave ①" should be asked for a number, not approve leave #1).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Invisible characters that people (or pasting) put between words: they separate, like a space.
_INVISIBLE_SEPARATORS = frozenset("\u200b\u180e")
_KEPT_CONTROLS = frozenset("\t\n\r")
_FOLDED_FORMS = ("<wide>", "<narrow>")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """The folded form of one character: '' (dropped), ' ' (a separator) or one character."""
    if char.isspace() or char in _INVISIBLE_SEPARATORS:
        return " "
    category = unicodedata.category(char)
    if category in ("Cf", "Cc", "Cs", "Co", "Cn"):
        return ""
    decomposition = unicodedata.decomposition(char)
    if decomposition.startswith(_FOLDED_FORMS):
        return chr(int(decomposition.split()[1], 16))
    return char


def fold(text: str) -> str:
    """Full-width / half-width forms to their ordinary characters, format characters removed,
    white space runs to one ASCII space, ends stripped: `签到　Ｋ７Ｑ２` → `签到 K7Q2`."""
    return " ".join("".join(_fold_char(char) for char in text).split())


def storable(text: str) -> str:
    """Free text as typed, minus what cannot be stored: control characters other than tab and
    line breaks, lone surrogates. Surrounding white space is stripped; nothing else changes."""
    if text.isprintable():
        return text.strip()
    kept = (char for char in text if char in _KEPT_CONTROLS or unicodedata.category(char) not in ("Cc", "Cs"))
    return "".join(kept).strip()


def same_words(text: str) -> str:
    """What makes two pieces of free text say the same: the letters and digits alone, folded,
    without spacing, punctuation, symbols (emoji) or case (`作大会发言。` = `作 大会发言！`)."""
    return "".join(char for char in fold(text).casefold() if unicodedata.category(char)[0] in "LN")


def is_blank(text: str) -> bool:
    """Nothing a person can read: empty, white space, or only invisible characters."""
    return not fold(text)


def is_number(text: str) -> bool:
    """ASCII digits only (after folding): `12`, `１２`; never `①`, `²` or other scripts' digits."""
    return text.isascii() and text.isdigit()


def _is_separator(char: str) -> bool:
    return _fold_char(char) == " "


@dataclass(frozen=True, slots=True)
class Arguments:
    """A command's arguments: folded words, and the raw text from any word on, as typed."""

    raw: str
    words: tuple[str, ...]
    starts: tuple[int, ...]  # where each word starts in `raw`

    @classmethod
    def parse(cls, text: str) -> Arguments:
        raw = storable(text)
        words: list[str] = []
        starts: list[int] = []
        index, length = 0, len(raw)
        while index < length:
            while index < length and _is_separator(raw[index]):
                index += 1
            start = index
            while index < length and not _is_separator(raw[index]):
                index += 1
            word = "".join(_fold_char(char) for char in raw[start:index])
            if word:
                words.append(word)
                starts.append(start)
        return cls(raw, tuple(words), tuple(starts))

    @property
    def text(self) -> str:
        """Every word, folded, joined by single spaces (what most commands read)."""
        return " ".join(self.words)

    def word(self, index: int) -> str:
        """The folded word at `index`, or '' when there are fewer words."""
        return self.words[index] if index < len(self.words) else ""

    def rest(self, index: int) -> str:
        """The text from word `index` on, exactly as typed ('' when there are fewer words)."""
        if index >= len(self.words):
            return ""
        return self.raw[self.starts[index] :].strip()

    def after(self, index: int, folded_length: int) -> str:
        """The raw text after the first `folded_length` folded characters of word `index`."""
        if index >= len(self.words):
            return ""
        position, produced = self.starts[index], 0
        while produced < folded_length and position < len(self.raw):
            produced += len(_fold_char(self.raw[position]))
            position += 1
        return self.raw[position:]


EMPTY = Arguments("", (), ())


def as_arguments(value: str | Arguments) -> Arguments:
    """Typed text (from the CLI or a test) or arguments the router already parsed."""
    return value if isinstance(value, Arguments) else Arguments.parse(value)
