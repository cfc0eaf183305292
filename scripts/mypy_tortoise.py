"""A mypy plugin for one gap in tortoise-orm's type hints.

`await Model.filter(...).values_list("id", flat=True)` returns a flat list of values, but tortoise's
hints say a list of tuples whatever `flat` is. With `flat=True` the query is typed Any here, so the
caller's own annotation (`ids: list[int] = await ...`) is what the checker holds it to.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import NameExpr
from mypy.plugin import MethodContext, Plugin
from mypy.types import AnyType, Type, TypeOfAny


def _values_list(ctx: MethodContext) -> Type:
    for names, args in zip(ctx.arg_names, ctx.args, strict=True):
        for name, arg in zip(names, args, strict=True):
            if name == "flat" and isinstance(arg, NameExpr) and arg.fullname == "builtins.True":
                return AnyType(TypeOfAny.special_form)
    return ctx.default_return_type


class TortoiseValuesList(Plugin):
    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        if fullname.startswith("tortoise.") and fullname.endswith(".values_list"):
            return _values_list
        return None


def plugin(version: str) -> type[Plugin]:
    return TortoiseValuesList
