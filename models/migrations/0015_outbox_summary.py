from tortoise import migrations
from tortoise.migrations import operations as ops
from models.outbox import OutboxStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_history_years')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxSummary',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('batch', fields.CharField(default='', db_index=True, description='broadcast number', max_length=64)),
                ('kind', fields.CharField(default='', max_length=32)),
                ('template', fields.CharField(default='', max_length=128)),
                ('channel', fields.CharField(default='', max_length=16)),
                ('status', fields.CharEnumField(description='PENDING: pending\nCLAIMED: claimed\nSENDING: sending\nSENT: sent\nFAILED: failed\nUNKNOWN: unknown\nUNREACHABLE: unreachable', enum_type=OutboxStatus, max_length=12)),
                ('day', fields.DateField(description='local day the messages were due')),
                ('count', fields.IntField(default=0)),
                ('rerouted', fields.IntField(default=0, description='delivered another way than the first')),
                ('first_at', fields.DatetimeField(description='earliest due time', auto_now=False, auto_now_add=False)),
                ('last_at', fields.DatetimeField(description='latest hand-over to the platform', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_summary', 'app': 'models', 'unique_together': (('batch', 'kind', 'template', 'channel', 'status', 'day'),), 'pk_attr': 'id', 'table_description': 'What is left of outbox rows once their retention ran out (`bot.delivery.retention`): how many'},
            bases=['Model'],
        ),
    ]
