#!/usr/bin/env bash
# Run the guard rails and the test suite (sets up .venv on first use). Extra arguments go to pytest.
# The whole run is cut at TEST_TIMEOUT seconds (40 minutes): generous for a loaded machine, and far
# inside any CI limit; a single hung test fails long before, after 180 s (pytest-timeout).
#   bash scripts/test.sh --fast   the quick loop: no end-to-end processes, no PostgreSQL, nothing slow
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
.venv/bin/ruff check .
# The import direction of DESIGN.md ([tool.importlinter] in pyproject.toml): quiet unless broken.
if ! contracts="$(.venv/bin/lint-imports --no-logo --no-cache 2>&1)"; then
  echo "$contracts" >&2
  exit 1
fi
# Static types ([tool.mypy] in pyproject.toml): zero errors, before any test runs.
.venv/bin/mypy --no-error-summary
if [ "${1:-}" = "--fast" ]; then
  shift
  set -- -m "not e2e and not postgres and not slow" "$@"
fi
exec timeout "${TEST_TIMEOUT:-2400}" .venv/bin/python -m pytest -q "$@"
