"""The models and the migrations in models/migrations agree: `makemigrations` would write nothing.

A model changed without its migration works in tests (which migrate from the files) only by luck and
breaks a real database at the next deployment; this fails first, listing the missing operations.
"""

from __future__ import annotations

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from bot.db import tortoise_config


async def test_makemigrations_would_generate_nothing():
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as context:
        await context.init(config=config)
        writers = await MigrationAutodetector(context.apps, config["apps"]).changes()
    pending = [
        f"{writer.app_label}: {operation.describe()}" for writer in writers for operation in writer.operations
    ]
    assert not pending, (
        "the models changed without a migration; run "
        "`.venv/bin/tortoise -c bot.db.TORTOISE_ORM makemigrations` and commit the new file:\n"
        + "\n".join(pending)
    )
