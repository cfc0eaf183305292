# Sourced by the other scripts: make sure .venv exists and has this project's dependencies.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
PYTHON_BIN="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv ..." >&2
  "$PYTHON_BIN" -m venv .venv
fi
stamp=".venv/.weiyuan-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing dependencies into .venv ..." >&2
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e ".[dev]" >&2
  echo "$want" > "$stamp"
fi
