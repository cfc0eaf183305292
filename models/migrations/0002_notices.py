from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Attendance',
            name='confirmed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Attendance',
            name='notified_at',
            field=fields.DatetimeField(null=True, description='when the activity notice was queued', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Attendance',
            name='response',
            field=fields.CharField(null=True, description='attend when the member confirmed', max_length=8),
        ),
    ]
