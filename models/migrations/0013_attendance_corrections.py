from tortoise import migrations
from tortoise.migrations import operations as ops
from models.activity import AttendanceStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_terms')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AttendanceCorrection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('activity', fields.ForeignKeyField('models.Activity', source_field='activity_id', db_constraint=True, to_field='id', related_name='corrections', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='attendance_corrections', on_delete=OnDelete.CASCADE)),
                ('old_status', fields.CharEnumField(description='PENDING: pending\nPRESENT: present\nLATE: late\nLEAVE: leave\nABSENT: absent', enum_type=AttendanceStatus, max_length=8)),
                ('new_status', fields.CharEnumField(description='PENDING: pending\nPRESENT: present\nLATE: late\nLEAVE: leave\nABSENT: absent', enum_type=AttendanceStatus, max_length=8)),
                ('reason', fields.CharField(max_length=200)),
                ('corrected_by', fields.CharField(max_length=64)),
                ('corrected_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'attendance_correction', 'app': 'models', 'pk_attr': 'id', 'table_description': "One correction of one member's final status at a closed activity (e.g. 缺席 → 请假, 补办手续)."},
            bases=['Model'],
        ),
    ]
