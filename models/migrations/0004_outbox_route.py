from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_staff_also_member')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxMessage',
            name='route',
            field=fields.JSONField(null=True, description='each channel and way tried, with its outcome (when more than one, or refused)', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
