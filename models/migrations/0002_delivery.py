from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import OutboxStatus
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='OutboxMessage',
            name='status',
            field=fields.CharEnumField(default=OutboxStatus.PENDING, description='PENDING: pending\nCLAIMED: claimed\nSENDING: sending\nSENT: sent\nFAILED: failed\nUNKNOWN: unknown\nUNREACHABLE: unreachable', enum_type=OutboxStatus, max_length=12),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attempted_at',
            field=fields.DatetimeField(null=True, description='last hand-over to a platform began', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='claimed_by',
            field=fields.CharField(default='', description='dispatcher instance holding it', max_length=64),
        ),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['channel', 'attempted_at']),
        ),
    ]
