from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_attendance_corrections')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HistoryYear',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=16)),
                ('year', fields.IntField()),
                ('rows', fields.IntField(default=0)),
                ('imported_by', fields.CharField(default='', max_length=64)),
                ('imported_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'history_year', 'app': 'models', 'unique_together': (('kind', 'year'),), 'pk_attr': 'id', 'table_description': "A kind of record (提案, 社情民意 …) entered for a whole earlier year from the office's files,"},
            bases=['Model'],
        ),
    ]
