from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_reminder_condition')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SmsSend',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.CharField(max_length=16)),
                ('message_id', fields.CharField(max_length=64)),
                ('phone', fields.CharField(max_length=20)),
                ('template', fields.CharField(max_length=64)),
                ('outbox_id', fields.IntField(null=True, description='the outbox row it delivered')),
                ('status', fields.CharField(default='', description="the receipt's status, when it came", max_length=64)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reported_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sms_send', 'app': 'models', 'unique_together': (('provider', 'message_id'),), 'pk_attr': 'id', 'table_description': 'One SMS a provider accepted: its id there (Tencent SerialNo, Alibaba BizId) and the outbox row.'},
            bases=['Model'],
        ),
    ]
