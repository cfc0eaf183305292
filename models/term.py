"""The committee's terms (届): five years each, with the dates the office sets."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Term(Model):
    """A term of the committee, e.g. 第十五届 from its first plenary session to the next term's."""

    id = fields.IntField(primary_key=True)
    number = fields.IntField(unique=True, description="届次: 15 for 第十五届")
    start_on = fields.DateField(description="the term's first day")
    end_on = fields.DateField(description="the term's last day")
    set_by = fields.CharField(max_length=64, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "term"


class HistoryYear(Model):
    """A kind of record (提案, 社情民意 …) entered for a whole earlier year from the office's files,
    so that the year counts as recorded (the two-year rule of a committee that starts mid-term)."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    year = fields.IntField()
    rows = fields.IntField(default=0)
    imported_by = fields.CharField(max_length=64, default="")
    imported_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "history_year"
        unique_together = (("kind", "year"),)
