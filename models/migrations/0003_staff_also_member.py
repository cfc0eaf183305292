"""Staff are not 委员 unless the roster says so (角色 委员、工作人员).

Existing rows keep their meaning: role member is a 委员, staff and admin are staff only. Staff
were expected at activities created before this change; their rows in activities still open that
nothing has happened to are removed, so closing those activities does not mark them absent.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0002_utc_times")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Member",
            name="also_member",
            field=fields.BooleanField(
                default=False,
                db_default=False,
                description="staff or admin who is also a 委员 (roster 角色 委员、工作人员)",
            ),
        ),
        ops.RunSQL(
            "DELETE FROM attendance WHERE status = 'pending'"
            " AND activity_id IN (SELECT id FROM activity WHERE status = 'open')"
            " AND member_id IN (SELECT id FROM member WHERE role <> 'member')",
            reverse_sql=[],
        ),
    ]
