"""Roster import and export (.xlsx / .csv with Chinese headers).

Import is all or nothing: every row is validated first and every bad row is reported with its row
number; only a clean file is written, in one transaction. Members are matched by phone, else by
name, so re-importing the same file changes nothing and existing bindings survive an update.
Members missing from the file are left as they are (deactivate them explicitly).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from bot.input_text import fold, is_number
from bot.services.actors import forget_all_accounts
from models import Activity, Attendance, AttendanceStatus, Committee, Member, MemberStatus, Role
from models.activity import ActivityStatus

HEADERS = ["姓名", "性别", "界别", "专委会", "手机", "生日", "角色", "工作单位"]
REQUIRED_HEADERS = {"姓名"}
MEMBER_WORD = "委员"
STAFF_WORDS = {"工作人员": Role.STAFF, "管理员": Role.ADMIN}
ROLE_SPLIT = re.compile(r"[、,，;；/＋+\s]+|兼")
ROLE_FORMS = "委员、工作人员、管理员，或兼任时 委员、工作人员 / 委员、管理员"
GENDERS = {"", "男", "女"}
PHONE = re.compile(r"^1\d{10}$")
COMMITTEE_SPLIT = re.compile(r"[、,，;；/\s]+")
LUNAR_PREFIX = "农历"
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's serial day numbers (1900 date system)
EXCEL_SERIALS = (1, 73050)  # 1900-01-01 … 2099-12-31


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    name: str
    gender: str
    sector: str
    committees: tuple[str, ...]
    phone: str | None
    birthday: date | None
    birthday_lunar: bool
    role: Role
    also_member: bool
    employer: str | None = None  # 工作单位; None: the file has no such column, left as it is


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RosterFormatError(Exception):
    """The file itself is unusable (wrong type, missing headers)."""


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows as header → text, from .xlsx or .csv (UTF-8, with or without BOM, or GB18030)."""
    return read_table(path, HEADERS, REQUIRED_HEADERS)


def read_table(path: Path, headers: list[str], required: set[str]) -> list[dict[str, str]]:
    """A sheet's rows as header → text; the columns must be among `headers` and include `required`."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        raw = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    elif suffix == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        raw = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise RosterFormatError(f"unsupported file type {suffix!r}: use .xlsx or .csv")
    if not raw:
        raise RosterFormatError("the file is empty")
    header = [h.strip() for h in raw[0]]
    missing = required - set(header)
    if missing:
        raise RosterFormatError(f"missing column(s): {', '.join(sorted(missing))}; expected {headers}")
    unknown = [h for h in header if h and h not in headers]
    if unknown:
        raise RosterFormatError(f"unknown column(s): {', '.join(unknown)}; expected {headers}")
    return [{h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h} for row in raw[1:]]


def _parse_phone(text: str) -> str | None:
    """`13900000002` as typed in an office spreadsheet: full-width digits, spaces, hyphens, +86."""
    phone = re.sub(r"[\s\-()]", "", fold(text))
    return phone.removeprefix("+86").removeprefix("0086") or None


def _parse_birthday(text: str) -> tuple[date | None, bool]:
    """`1970-05-03`, `1970/5/3`, `1970年5月3日`, `19700503`, an Excel serial day number (a date
    cell pasted as a number), `农历…` for a lunar birthday; full-width digits as typed."""
    text = fold(text)
    if not text:
        return None, False
    lunar = text.startswith(LUNAR_PREFIX)
    text = text.removeprefix(LUNAR_PREFIX).strip()
    if is_number(text) and EXCEL_SERIALS[0] <= int(text) <= EXCEL_SERIALS[1]:
        return EXCEL_EPOCH + timedelta(days=int(text)), lunar
    match = re.fullmatch(r"(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))", text, re.ASCII)
    if not match:
        raise ValueError
    return date(int(match[1]), int(match[2] or match[4]), int(match[3] or match[5])), lunar


def parse_role(text: str) -> tuple[Role, bool]:
    """角色 → (what the person may do, whether a staff person is also a 委员).

    Empty means 委员. 管理员 includes 工作人员's rights, so `工作人员、管理员` is 管理员.
    Raises ValueError on any other word.
    """
    words = {word for word in ROLE_SPLIT.split(text.strip()) if word} or {MEMBER_WORD}
    unknown = words - {MEMBER_WORD, *STAFF_WORDS}
    if unknown:
        raise ValueError("、".join(sorted(unknown)))
    staff_roles = {STAFF_WORDS[word] for word in words if word in STAFF_WORDS}
    if not staff_roles:
        return Role.MEMBER, False
    role = Role.ADMIN if Role.ADMIN in staff_roles else Role.STAFF
    return role, MEMBER_WORD in words


def role_text(member: Member) -> str:
    """The 角色 cell as export writes it (and import reads it back to the same row)."""
    return member.role_label


def validate(rows: Iterable[dict[str, str]]) -> tuple[list[RosterRow], list[str]]:
    """Check every row; line numbers count the header as line 1, as a spreadsheet shows them."""
    parsed: list[RosterRow] = []
    errors: list[str] = []
    phones: dict[str, int] = {}
    names_without_phone: dict[str, int] = {}
    for index, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        problems: list[str] = []
        name = row.get("姓名", "").strip()
        if not name:
            problems.append("缺少姓名")
        elif len(name) > 32:
            problems.append("姓名过长")
        gender = row.get("性别", "").strip()
        if gender not in GENDERS:
            problems.append(f"性别「{gender}」应为 男 或 女")
        phone = _parse_phone(row.get("手机", ""))
        if phone is not None:
            if not PHONE.match(phone):
                problems.append(f"手机号「{phone}」格式不正确")
            elif phone in phones:
                problems.append(f"手机号与第 {phones[phone]} 行重复")
            else:
                phones[phone] = index
        elif name:
            if name in names_without_phone:
                problems.append(f"与第 {names_without_phone[name]} 行同名且都没有手机号，无法区分")
            names_without_phone[name] = index
        try:
            birthday, lunar = _parse_birthday(row.get("生日", ""))
        except ValueError:
            birthday, lunar = None, False
            problems.append(f"生日「{row.get('生日', '')}」不是有效日期（例：1970-05-03 或 农历1970-05-03）")
        role, also_member = Role.MEMBER, False
        try:
            role, also_member = parse_role(row.get("角色", ""))
        except ValueError:
            problems.append(f"角色「{row.get('角色', '').strip()}」未知（可填：{ROLE_FORMS}）")
        committees = tuple(c for c in COMMITTEE_SPLIT.split(row.get("专委会", "").strip()) if c)
        employer = row.get("工作单位")
        if employer is not None and len(employer.strip()) > 100:
            problems.append("工作单位过长（最多 100 字）")
        if problems:
            errors.append(f"第 {index} 行：" + "；".join(problems))
            continue
        parsed.append(
            RosterRow(
                line=index,
                name=name,
                gender=gender,
                sector=row.get("界别", "").strip(),
                committees=committees,
                phone=phone,
                birthday=birthday,
                birthday_lunar=lunar,
                role=role,
                also_member=also_member,
                employer=employer.strip() if employer is not None else None,
            )
        )
    return parsed, errors


async def _find_existing(row: RosterRow) -> Member | None:
    if row.phone:
        found = await Member.filter(phone=row.phone).first()
        if found is not None:
            return found
    candidates = await Member.filter(name=row.name).prefetch_related("committees")
    if len(candidates) == 1 and (row.phone is None or candidates[0].phone is None):
        return candidates[0]
    return None


@dataclass
class RosterPreview:
    """What an import would do, computed without writing: bad rows, or new / changed / unchanged."""

    errors: list[str] = field(default_factory=list)
    new: list[RosterRow] = field(default_factory=list)
    changed: list[tuple[RosterRow, list[str]]] = field(default_factory=list)
    unchanged: int = 0


FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "sector": "界别",
    "phone": "手机",
    "birthday": "生日",
    "birthday_lunar": "生日",
    "role": "角色",
    "also_member": "角色",
    "status": "状态",
    "committees": "专委会",
    "employer": "工作单位",
}


def _values(row: RosterRow) -> dict[str, Any]:
    employer = {} if row.employer is None else {"employer": row.employer}
    return employer | {
        "name": row.name,
        "gender": row.gender,
        "sector": row.sector,
        "phone": row.phone,
        "birthday": row.birthday,
        "birthday_lunar": row.birthday_lunar,
        "role": row.role,
        "also_member": row.also_member,
        "status": MemberStatus.ACTIVE,
    }


async def _differences(member: Member, row: RosterRow) -> tuple[dict[str, Any], bool]:
    """The member's fields this row changes, and whether their committees change."""
    changed = {k: v for k, v in _values(row).items() if getattr(member, k) != v}
    current = sorted(c.name for c in await member.committees.all())
    return changed, current != sorted(row.committees)


async def preview_rows(rows: list[dict[str, str]]) -> RosterPreview:
    """Validate every row and compare it with the roster; nothing is written."""
    parsed, errors = validate(rows)
    preview = RosterPreview(errors=errors)
    if errors:
        return preview
    for row in parsed:
        member = await _find_existing(row)
        if member is None:
            preview.new.append(row)
            continue
        changed, committees_changed = await _differences(member, row)
        labels = sorted({FIELD_LABELS[k] for k in changed} | ({"专委会"} if committees_changed else set()))
        if labels:
            preview.changed.append((row, labels))
        else:
            preview.unchanged += 1
    return preview


async def import_rows(
    rows: list[dict[str, str]], progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    from bot.services import console_auth

    parsed, errors = validate(rows)
    report = ImportReport(errors=errors)
    if errors:
        return report
    committee_names = {name for row in parsed for name in row.committees}
    demoted: list[int] = []
    async with in_transaction():
        committees = {}
        for name in sorted(committee_names):
            committees[name], _ = await Committee.get_or_create(name=name)
        for done, row in enumerate(parsed, start=1):
            demoted_id = await _upsert(row, committees, report)
            if demoted_id is not None:
                demoted.append(demoted_id)
            if progress:
                progress(done, len(parsed))
    forget_all_accounts()  # roles and status may have changed
    for member_id in demoted:  # staff rights removed: their console sessions end now
        await console_auth.revoke_member(member_id, "rights_removed")
    return report


async def _upsert(row: RosterRow, committees: dict[str, Committee], report: ImportReport) -> int | None:
    """Create or update one member. Returns their id when this takes staff rights away from them."""
    values = _values(row)
    member = await _find_existing(row)
    if member is None:
        member = await Member.create(**values)
        if row.committees:
            await member.committees.add(*[committees[c] for c in row.committees])
        report.created += 1
        return None
    changed, committees_changed = await _differences(member, row)
    if changed:
        was_member = member.is_member
        await Member.filter(id=member.id).update(**changed)
        if was_member and not (row.role == Role.MEMBER or row.also_member):
            await no_longer_expected(member.id)
    if committees_changed:
        await member.committees.clear()
        if row.committees:
            await member.committees.add(*[committees[c] for c in row.committees])
    if changed or committees_changed:
        report.updated += 1
    else:
        report.unchanged += 1
    return member.id if member.is_staff and row.role == Role.MEMBER else None


async def no_longer_expected(member_id: int) -> None:
    """Someone who stops being a 委员 is no longer expected at activities still open: their rows
    that nothing has happened to yet go (present, late, leave and absent stay as history)."""
    open_ids = Activity.filter(status=ActivityStatus.OPEN).values_list("id", flat=True)
    await Attendance.filter(
        member_id=member_id, status=AttendanceStatus.PENDING, activity_id__in=Subquery(open_ids)
    ).delete()


async def import_file(path: Path, progress: Callable[[int, int], None] | None = None) -> ImportReport:
    return await import_rows(read_rows(path), progress)


async def export_rows() -> list[list[str]]:
    members = await Member.all().order_by("id").prefetch_related("committees")
    table = [HEADERS]
    for m in members:
        birthday = ""
        if m.birthday:
            birthday = (LUNAR_PREFIX if m.birthday_lunar else "") + m.birthday.isoformat()
        table.append(
            [
                m.name,
                m.gender,
                m.sector,
                "、".join(sorted(c.name for c in m.committees)),
                m.phone or "",
                birthday,
                role_text(m),
                m.employer,
            ]
        )
    return table


async def export_file(path: Path) -> int:
    table = await export_rows()
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "委员名册"
        for row in table:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        workbook.save(path)
    elif path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(table)
    else:
        raise RosterFormatError(f"unsupported file type {path.suffix!r}: use .xlsx or .csv")
    return len(table) - 1


async def active_members(committee: str | None = None, sector: str | None = None) -> list[Member]:
    """Active members by roster number, with their committees and chat identities."""
    query = (
        Member.filter(status=MemberStatus.ACTIVE).order_by("id").prefetch_related("committees", "identities")
    )
    if committee:
        query = query.filter(committees__name=committee)
    if sector:
        query = query.filter(sector=sector)
    return await query
