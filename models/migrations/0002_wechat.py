from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WechatInbound',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=128)),
                ('openid', fields.CharField(default='', max_length=64)),
                ('reply', fields.TextField(null=True, description='the passive reply given, replayed to a retry', unique=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_inbound', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One webhook message or event already taken in (WeChat retries unanswered ones three times).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatTemplateSend',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('msgid', fields.CharField(unique=True, max_length=32)),
                ('openid', fields.CharField(max_length=64)),
                ('template_id', fields.CharField(max_length=64)),
                ('outbox_id', fields.IntField(null=True, description='the outbox row it delivered, when known')),
                ('status', fields.CharField(default='', description='WeChat receipt status', max_length=64)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_template_send', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A template message handed to WeChat, matched later with its TEMPLATESENDJOBFINISH receipt.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(unique=True, max_length=64)),
                ('token', fields.CharField(max_length=512)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('fetched_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The access token of one AppID, kept so that a restart reuses it.'},
            bases=['Model'],
        ),
    ]
