from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import MessageClass
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_visit_questions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxMessage',
            name='message_class',
            field=fields.IntEnumField(default=MessageClass.REMINDER, description='0 personal, 1 reminder, 2 bulk: served in this order', db_default=1, enum_type=MessageClass, generated=False),
        ),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['status', 'message_class', 'due_at', 'id']),
        ),
        # Rows queued before classes existed: a broadcast's rows (they carry its number) are bulk.
        ops.RunSQL("UPDATE outbox SET message_class = 2 WHERE batch <> ''", reverse_sql="SELECT 1"),
    ]
