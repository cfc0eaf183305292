from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint


class RemoveTableUnique(ops.RemoveConstraint):
    """SQLite keeps a unique_together of the first migration inside CREATE TABLE (an automatic index
    DROP INDEX cannot remove): there the table is rebuilt without it; elsewhere the constraint is dropped."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            await state_editor._remake_table(new_state.apps.get_model(f"{app_label}.{self.model_name}"))
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0007_outbox_message_class')]

    initial = False

    operations = [
        RemoveTableUnique(
            model_name='RuleReminder',
            name=None,
            fields=['rule', 'member', 'year', 'count'],
        ),
        ops.AlterModelOptions(
            name='RuleReminder',
            options={'table': 'rule_reminder', 'app': 'models', 'unique_together': (('rule', 'member', 'year', 'condition', 'count'),), 'pk_attr': 'id', 'table_description': 'A private reminder sent before a threshold, once per rule, condition, member and year.'},
        ),
        ops.AddField(
            model_name='RuleReminder',
            name='condition',
            field=fields.SmallIntField(default=0, db_default=0, description='which condition of the rule (0 for one)'),
        ),
        ops.AddConstraint(
            model_name='RuleReminder',
            constraint=UniqueConstraint(fields=('rule', 'member', 'year', 'condition', 'count'), name=None),
        ),
    ]
