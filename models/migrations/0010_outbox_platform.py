from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_sms_send')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='OutboxMessage',
            name=None,
            fields=['status', 'message_class', 'due_at', 'id'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='platform',
            field=fields.CharField(default='', description="where it is to go: the recipient's platform, a member's first bound one ('' unknown)", db_default='', max_length=16),
        ),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['status', 'platform', 'message_class', 'due_at', 'id']),
        ),
    ]
