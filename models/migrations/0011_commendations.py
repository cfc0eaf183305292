from tortoise import migrations
from tortoise.migrations import operations as ops
from models.commendation import CommendationStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_outbox_platform')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Commendation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField(db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='commendations', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=CommendationStatus.NOMINATED, description='NOMINATED: nominated\nCONFIRMED: confirmed', enum_type=CommendationStatus, max_length=12)),
                ('reasons', fields.CharField(default='', description='表彰事由', max_length=200)),
                ('nominated_by', fields.CharField(max_length=64)),
                ('nominated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('confirmed_by', fields.CharField(default='', max_length=64)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'commendation', 'app': 'models', 'unique_together': (('year', 'member'),), 'pk_attr': 'id', 'table_description': 'One member commended for one year: nominated by staff (with the reasons), then confirmed.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Member',
            name='employer',
            field=fields.CharField(default='', description='工作单位 (委员单位)', db_default='', max_length=100),
        ),
    ]
