"""Staff-editable greetings rendered where they cannot hurt the bot: in a child process, under a hard
time limit, with only the greeting's own placeholders in reach.

A greeting file is trusted no further than a member's message. Before rendering, its syntax tree is
checked: every name it reads must be one of its placeholders (name, date, lunar / festival, year,
date), `range` (at most LOOP_CAP numbers), `loop`, or a variable it sets itself, so `{{ self }}`,
`{{ lipsum }}`, `{{ namespace }}` and the like are refused; no other file may be included or
extended. While rendering, jinja2's sandbox refuses unsafe attributes, products and powers are
capped, and only text and numbers may be printed (never an object's repr). The work runs in a child
process (`python -m bot.services.greeting_sandbox`, JSON lines on stdin/stdout) that is killed when
one greeting takes longer than GREETING_RENDER_SECONDS, so nested loops over long strings neither
block the event loop nor run on: that greeting, and every later one from the same file, falls back.

`render_all` is the parent's side; the child imports nothing but jinja2.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

LOOP_CAP = 50  # range() in a greeting yields at most this many numbers
SIZE_CAP = 10_000  # longest string or list a greeting may build with * or **
START_SECONDS = 20.0  # how long the child may take to start (a loaded machine)
MEMORY_BYTES = 512 * 1024 * 1024  # address-space cap of the child, where the platform allows one
ALWAYS_ALLOWED = frozenset({"range", "loop"})
PRINTABLE = (str, int, float)  # bool is an int: `{{ lunar }}` prints True / False
UNUSED_FILTERS = ("attr", "pprint", "xmlattr", "tojson")
# What Python prints for an object (a function, a method, a class, a generator …), however it got
# into the text (`~`, `|string`, `|join`, `%`): a greeting showing one is refused as a whole.
OBJECT_REPR = re.compile(
    r"<(?:[A-Z]\w*|function|built-in|bound method|method|class|module|generator|coroutine|weakref)\b"
    r"|\bobject at 0x[0-9a-fA-F]+|\bat 0x[0-9a-fA-F]{6,}"
)


class GreetingRefused(Exception):
    """The greeting file uses something a greeting may not: `reason` is a key of
    templates/notices/greeting_problem.j2, `detail` its values."""

    def __init__(self, reason: str, /, **detail: str) -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


def _small_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > LOOP_CAP:
        raise SecurityError(f"range longer than {LOOP_CAP} in a greeting")
    return numbers


def _printable(value: Any) -> Any:
    """Every `{{ … }}` goes through here: text and numbers only, never a repr with an address."""
    if isinstance(value, PRINTABLE):
        return value
    raise GreetingRefused("unprintable", kind=type(value).__name__)


class GreetingSandbox(SandboxedEnvironment):
    """jinja2's sandbox (no unsafe attributes) plus caps on what a greeting may compute: small
    ranges, no huge products or powers, printable values only, no globals but `range`."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("exponent too large in a greeting")
            return left**right
        for count, other in ((left, right), (right, left)):
            large = (
                isinstance(count, int)
                and isinstance(other, str | list | tuple)
                and count * len(other) > SIZE_CAP
            )
            if large:
                raise SecurityError("repetition too large in a greeting")
        return left * right


def sandbox(directory: str) -> GreetingSandbox:
    env = GreetingSandbox(
        loader=FileSystemLoader(directory),
        undefined=StrictUndefined,
        autoescape=False,
        auto_reload=True,
        finalize=_printable,
    )
    env.globals.clear()
    env.globals["range"] = _small_range
    for name in UNUSED_FILTERS:  # nothing a greeting needs; each shows an object's insides
        env.filters.pop(name, None)
    return env


FORBIDDEN_NODES: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
}


def check_names(env: GreetingSandbox, source: str, placeholders: set[str]) -> None:
    """Refuse a greeting that reads any name but its placeholders, `range`, `loop` and what it sets
    itself, or that pulls in another file."""
    tree = env.parse(source)
    for kind, word in FORBIDDEN_NODES.items():
        if tree.find(kind) is not None:
            raise GreetingRefused("pulls_in", word=word)
    own = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")}
    own |= {macro.name for macro in tree.find_all(nodes.Macro)}
    allowed = placeholders | own | ALWAYS_ALLOWED
    unknown = sorted({n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"} - allowed)
    if unknown:
        raise GreetingRefused("names", names="、".join(unknown), usable="、".join(sorted(placeholders)))


def _generate(compiled: Template, context: dict[str, Any], limit: int) -> str:
    """Render chunk by chunk, stopping once the text is clearly longer than `limit`."""
    pieces: list[str] = []
    size = 0
    for piece in compiled.generate(**context):
        pieces.append(piece)
        size += len(piece)
        if size > 4 * limit + 1000:  # clearly over: the caller falls back to the default
            break
    text = "".join(pieces).strip()
    if OBJECT_REPR.search(text):
        raise GreetingRefused("object_text")
    return text


def _problem(error: Exception) -> dict[str, Any]:
    """Why a greeting was not used, as a reason key and its values (staff read it rendered)."""
    if isinstance(error, GreetingRefused):
        return {"problem": error.reason, "detail": error.detail}
    if isinstance(error, TemplateSyntaxError):
        return {"problem": "syntax", "detail": {"line": str(error.lineno), "message": str(error.message)}}
    if isinstance(error, SecurityError):
        return {"problem": "unsafe", "detail": {"message": str(error)}}
    if isinstance(error, UndefinedError):
        return {"problem": "undefined", "detail": {"message": str(error.message)}}
    if isinstance(error, MemoryError):
        return {"problem": "memory", "detail": {}}
    return {"problem": "error", "detail": {"message": f"{type(error).__name__}: {error}"}}


# --- the child process -----------------------------------------------------------------------


def _limit_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    except (ImportError, ValueError, OSError):  # not on this platform: the time limit still holds
        pass


def _serve(lines: Iterator[str]) -> None:
    """Child: the first line is {"directory", "limit"}; then one job per line, one answer each."""
    _limit_memory()
    print(json.dumps({"ready": True}), flush=True)
    header = json.loads(next(lines))
    env = sandbox(header["directory"])
    checked: dict[tuple[str, frozenset[str]], Template] = {}  # one check and compile per file
    for line in lines:
        job = json.loads(line)
        try:
            key = (job["template"], frozenset(job["context"]))
            if key not in checked:
                assert env.loader is not None
                source, _, _ = env.loader.get_source(env, job["template"])
                source = source.removeprefix("\ufeff")  # a file saved by Notepad starts with a BOM
                check_names(env, source, set(job["context"]))
                checked[key] = env.from_string(source)
            answer = {"text": _generate(checked[key], job["context"], header["limit"])}
        except Exception as error:  # whatever the file does, the parent gets a reason
            answer = _problem(error)
        print(json.dumps(answer), flush=True)  # ASCII escapes: whatever the child's locale


# --- the parent ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    template: str  # a file name in the greeting directory
    context: dict[str, Any]  # JSON values: the greeting's placeholders


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str | None  # None: use the default text
    problem: str = ""  # why not: a reason key of templates/notices/greeting_problem.j2
    detail: dict[str, str] = field(default_factory=dict)


class _Child:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, directory: str, limit: int) -> _Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.services.greeting_sandbox",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        child = cls(process)
        await child.read(START_SECONDS)
        child.send({"directory": directory, "limit": limit})
        return child

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")

    async def read(self, seconds: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), seconds)
        if not line:
            raise EOFError("the greeting renderer exited")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def close(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


async def render_all(jobs: list[Job], *, directory: str, limit: int, seconds: float) -> list[Rendered]:
    """Render every job in a child process; a job that takes longer than `seconds` is abandoned
    (the child killed, a new one started for the rest) and every later job from the same file
    falls back without trying. Texts longer than `limit` fall back too."""
    results: list[Rendered | None] = [None] * len(jobs)
    broken: dict[str, Rendered] = {}
    child: _Child | None = None
    try:
        for index, job in enumerate(jobs):
            if job.template in broken:
                results[index] = broken[job.template]
                continue
            try:
                child = child or await _Child.start(directory, limit)
                child.send({"template": job.template, "context": job.context})
                answer = await child.read(seconds)
            except (TimeoutError, EOFError, OSError, ValueError) as error:
                if isinstance(error, TimeoutError):
                    failed = Rendered(None, "timeout", {"seconds": f"{seconds:g}"})
                else:
                    failed = Rendered(None, "crashed", {"message": str(error)})
                broken[job.template] = failed
                results[index] = failed
                if child is not None:
                    await child.close()
                    child = None
                continue
            if "problem" in answer:
                detail = {k: str(v)[:200] for k, v in dict(answer["detail"]).items()}
                results[index] = Rendered(None, str(answer["problem"]), detail)
            elif not answer["text"] or len(answer["text"]) > limit:
                results[index] = Rendered(None, "length", {"limit": str(limit)})
            else:
                results[index] = Rendered(str(answer["text"]))
    finally:
        if child is not None:
            await child.close()
    return [r if r is not None else Rendered(None, "error") for r in results]


if __name__ == "__main__":
    _serve(iter(sys.stdin))
