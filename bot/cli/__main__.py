"""`python -m bot.cli …`: the same as the `weiyuan` command."""

from bot.cli import main

raise SystemExit(main())
