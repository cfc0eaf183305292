"""The README's command tables, written from the router's registry (see tests/guards/test_command_docs.py).

bash scripts/test.sh tests/guards/test_command_docs.py   # fails with the tables to paste
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Described(Protocol):
    @property
    def usage(self) -> str: ...
    @property
    def doc(self) -> str: ...
    @property
    def where(self) -> str: ...


def markdown_table(commands: Iterable[Described]) -> str:
    """`| command | what it does |` rows, one per registration, in registration order."""
    rows = ["| command | what it does |", "| --- | --- |"]
    for command in commands:
        where = " (private chat only)" if command.where == "private" else ""
        usage = command.usage.replace("|", "\\|")
        rows.append(f"| `{usage}` | {command.doc}{where} |")
    return "\n".join(rows)
