"""Import every module of the product and report what the imports did to the outside world.

Run as a script in a fresh interpreter (`python tests/guards/import_probe.py`): prints one line per
side effect seen by an audit hook (a file opened for writing, a folder made, a socket or database
connection opened, a process started), nothing when importing is clean.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "models", "scheduler", "plugins")
WRITE_MODES = set("wax+")
WATCHED = {
    "open",
    "os.mkdir",
    "socket.connect",
    "socket.bind",
    "sqlite3.connect",
    "subprocess.Popen",
    "os.system",
}
seen: list[str] = []


def _ours() -> bool:
    """Whether the innermost caller outside the standard library is this product's code (a library's
    own import-time probing, such as urllib3 binding ::1 to detect IPv6, is not ours to fix)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "site-packages" in name:
            return False
        if name.startswith(str(ROOT)):
            return True
        frame = frame.f_back
    return False


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event not in WATCHED or not _ours():
        return
    if event == "open" and len(args) > 1 and isinstance(args[1], str) and WRITE_MODES & set(args[1]):
        seen.append(f"opened for writing: {args[0]}")
    elif event == "os.mkdir":
        seen.append(f"made a folder: {args[0]}")
    elif event in ("socket.connect", "socket.bind", "sqlite3.connect", "subprocess.Popen", "os.system"):
        seen.append(f"{event}: {args[1] if len(args) > 1 else args[0]}")


def modules() -> list[str]:
    """Every module, found on disk (pkgutil.walk_packages would import the packages to walk them)."""
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import nonebot
    from nonebot.log import logger

    logger.remove()  # only findings on stdout
    # Plugins (bot.plugin among them) are NoneBot plugins: imported after init, with usable settings.
    os.environ.setdefault("ONEBOT_ACCESS_TOKEN", "import-probe")
    nonebot.init(driver="~fastapi+~aiohttp")
    sys.addaudithook(_audit)
    names = modules()
    for name in names:
        before = len(seen)
        importlib.import_module(name)
        for line in seen[before:]:
            print(f"{name}: {line}")
    return 0 if len(names) > 50 else 1


if __name__ == "__main__":
    raise SystemExit(main())
