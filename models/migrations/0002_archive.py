from tortoise import migrations
from tortoise.migrations import operations as ops
from models.assessment import ConsequenceKind, ConsequenceStatus
from models.proposals import ProposalStage
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.CharField(description='member:<id>, qq:<account>, cli', max_length=64)),
                ('action', fields.CharField(db_index=True, max_length=32)),
                ('target_member_id', fields.IntField(null=True, db_index=True)),
                ('target', fields.CharField(default='', description='object reference, e.g. year:2026', max_length=100)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A staff action on personal data: who, when, what, and a reference (never the data itself).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Consequence',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='the number staff type')),
                ('rule', fields.CharField(max_length=64)),
                ('kind', fields.CharEnumField(description='CRITICISM: criticism\nWRITTEN_NOTICE: written_notice\nRESIGN: resign', enum_type=ConsequenceKind, max_length=16)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='consequences', on_delete=OnDelete.CASCADE)),
                ('year', fields.IntField(db_index=True)),
                ('count', fields.IntField(default=0, description='the count that reached the threshold')),
                ('threshold', fields.IntField(default=0)),
                ('status', fields.CharEnumField(default=ConsequenceStatus.DRAFT, description='DRAFT: draft\nCONFIRMED: confirmed\nDISMISSED: dismissed', enum_type=ConsequenceStatus, max_length=12)),
                ('reason', fields.CharField(default='', description='why it was dismissed', max_length=200)),
                ('decided_by', fields.CharField(default='', max_length=64)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('published', fields.BooleanField(default=False)),
                ('published_to', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'consequence', 'app': 'models', 'unique_together': (('rule', 'member', 'year'),), 'pk_attr': 'id', 'table_description': 'A drafted consequence: nothing reaches the member or a group until staff confirm it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProposalCosigner',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('proposal', fields.ForeignKeyField('models.Proposal', source_field='proposal_id', db_constraint=True, to_field='id', related_name='cosigner_rows', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='cosigned', on_delete=OnDelete.SET_NULL)),
                ('name', fields.CharField(max_length=32)),
            ],
            options={'table': 'proposal_cosigner', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A co-signer of a proposal: a roster member when the name matched one, else just the name.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProposalProgress',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('proposal', fields.ForeignKeyField('models.Proposal', source_field='proposal_id', db_constraint=True, to_field='id', related_name='progress', on_delete=OnDelete.CASCADE)),
                ('stage', fields.CharEnumField(description='ASSIGNED: assigned\nREPLIED: replied\nSATISFIED: satisfied\nUNSATISFIED: unsatisfied', enum_type=ProposalStage, max_length=12)),
                ('department', fields.CharField(default='', max_length=64)),
                ('note', fields.CharField(default='', max_length=200)),
                ('recorded_by', fields.CharField(max_length=64)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'proposal_progress', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportReview',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('report', fields.ForeignKeyField('models.Report', source_field='report_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(max_length=12)),
                ('level', fields.CharField(default='', max_length=16)),
                ('note', fields.CharField(default='', max_length=200)),
                ('reviewed_by', fields.CharField(max_length=64)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report_review', 'app': 'models', 'pk_attr': 'id', 'table_description': "One step of a 社情民意 report's review: who moved it to which status, when, and why."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RuleReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('rule', fields.CharField(max_length=64)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='rule_reminders', on_delete=OnDelete.CASCADE)),
                ('year', fields.IntField()),
                ('count', fields.IntField(description='the count that triggered it, 0 for date-based reminders')),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'rule_reminder', 'app': 'models', 'unique_together': (('rule', 'member', 'year', 'count'),), 'pk_attr': 'id', 'table_description': 'A private reminder sent before a threshold, once per rule, member, year and count.'},
            bases=['Model'],
        ),
    ]
