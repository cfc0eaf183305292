from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_commendations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Term',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.IntField(unique=True, description='届次: 15 for 第十五届')),
                ('start_on', fields.DateField(description="the term's first day")),
                ('end_on', fields.DateField(description="the term's last day")),
                ('set_by', fields.CharField(default='', max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'term', 'app': 'models', 'pk_attr': 'id', 'table_description': "A term of the committee, e.g. 第十五届 from its first plenary session to the next term's."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Consequence',
            name='term_start',
            field=fields.DateField(null=True, description='a rule counted over the term: its first day'),
        ),
        ops.AddField(
            model_name='RuleReminder',
            name='term_start',
            field=fields.DateField(null=True, description='a rule counted over the term: its first day'),
        ),
    ]
