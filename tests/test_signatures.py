"""No keyword can collide with a function's own parameters when it forwards free keywords.

`render("x.j2", name=…)` once failed with "got multiple values for argument 'name'" because the
renderer's first parameter was called `name`: a refusal whose field happened to share that name
was never shown to anybody. Every function of the product that takes `**kwargs` therefore keeps
its other parameters positional-only (before `/`), so any field name at all passes through.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "plugins", "scheduler", "models")

# Where the keywords can never be free-form data:
# - NoneBot calls `bot.send(event=…, message=…)`: those parameter names are the framework's contract;
# - the outbox store's `finish(owner, ids, from_states=…, **fields)` takes outbox column names,
#   written in code and checked by the ORM (no column is called owner, ids or from_states).
NOT_FORWARDING_DATA = {("bot/adapters/webhook/bot.py", "send"), ("bot/delivery/store.py", "finish")}


def _collisions() -> list[str]:
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.args.kwarg is None:
                    continue
                if (relative, node.name) in NOT_FORWARDING_DATA:
                    continue
                named = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
                named += [a.arg for a in node.args.kwonlyargs]
                if named:
                    found.append(f"{relative}:{node.lineno} {node.name}({', '.join(named)}, **…)")
    return found


def test_functions_forwarding_keywords_take_their_own_parameters_positionally():
    assert _collisions() == []
