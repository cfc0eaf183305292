#!/usr/bin/env bash
# Run the bot in the console on SQLite with demo data (sets up .venv on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
exec .venv/bin/python -m bot --demo "$@"
