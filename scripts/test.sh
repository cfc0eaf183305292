#!/usr/bin/env bash
# Run the test suite (sets up .venv on first use). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
.venv/bin/ruff check .
exec timeout "${TEST_TIMEOUT:-900}" .venv/bin/python -m pytest -q "$@"
