"""`weiyuan activity create` checks what the operator typed as 新建活动 in chat does."""

from __future__ import annotations

import pytest

from bot.cli.activity import NewActivity, create_activity
from bot.services.errors import ServiceError
from models import Activity
from tests import factories


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"members": "林建国、王芳"}, "#"),  # two 王芳: asked for roster numbers
        ({"members": "林建国，张三"}, "张三"),
        ({"members": "林建国", "code": "签到码"}, "签到码"),
        ({"members": "林建国", "group": "群1"}, "群号"),
    ],
)
async def test_refused_like_the_chat_form(db, clock, extra, says):
    await factories.member("林建国")
    await factories.member("王芳", sector="经济界")
    await factories.member("王芳", sector="教育界")
    new = NewActivity(type="视察", title="视察", start="明天 9:00", end="11:00", **extra)
    with pytest.raises(ServiceError) as refused:
        await create_activity(new)
    assert says in refused.value.render()
    assert await Activity.all().count() == 0
