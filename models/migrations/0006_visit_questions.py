from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_console_sessions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Record',
            name='questions',
            field=fields.CharField(default='', db_default='', description='四问 a visit covered, VisitQuestion values joined by 、', max_length=16),
        ),
    ]
