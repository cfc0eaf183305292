from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_outbox_route')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConsoleLogin',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='console_logins', on_delete=OnDelete.CASCADE)),
                ('issued_via', fields.CharField(default='', description='qq, wechat, cli …', max_length=16)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'console_login', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-time sign-in link: random, single use, valid for minutes.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConsoleSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('csrf_token', fields.CharField(description='sent back with every form of this session', max_length=64)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='console_sessions', on_delete=OnDelete.CASCADE)),
                ('user_agent', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_reason', fields.CharField(default='', description='logout, rights_removed …', max_length=32)),
            ],
            options={'table': 'console_session', 'app': 'models', 'indexes': [Index(fields=['member_id', 'revoked_at'])], 'pk_attr': 'id', 'table_description': 'A signed-in browser. Dead once revoked, idle too long, or past its absolute lifetime.'},
            bases=['Model'],
        ),
    ]
