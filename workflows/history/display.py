"""Audit events in people's language, for the replay page and the case file (issue 14 §5).

An event stores field names and raw values (``{"finance_outcome": ["", "eligible"]}``,
user pks, process pks, booleans). Here they become what an auditor reads: the model
field's ``verbose_name``, the choice's label, 是/否, a person's display name, the case
number of a referenced process, money as "1,234.00", times in Asia/Shanghai. Personal
values are masked unless the caller asks for the full (logged) export.

Everything is looked up by name: the model of an event's target from its
``target_type`` (``app_label.model``), a field from that model. A value whose field or
model no longer exists (a renamed field, a deleted object) is shown as recorded:
history must stay readable after the code changed.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.core.events import is_personal_field
from workflows.households.validators import mask_id_number

#: Keys of event ``data`` (not model fields) in words. Keys that are fields of the event's
#: target model use the field's ``verbose_name`` instead.
DATA_LABELS = {
    "node": _("环节"),
    "task": _("任务号"),
    "status": _("状态"),
    "owner": _("办理人"),
    "previous_owner": _("原办理人"),
    "flow": _("业务"),
    "document": _("文书"),
    "pending_document": _("文书"),
    "kind": _("文书类别"),
    "sha256": _("SHA-256"),
    "raw_sha256": _("原始答复 SHA-256"),
    "size": _("字节数"),
    "qr": _("带核验二维码"),
    "case_number": _("案件编号"),
    "members": _("家庭人数"),
    "rigid_expenses": _("刚性支出"),
    "attachments": _("申请材料（份）"),
    "staff_relative": _("近亲属备案"),
    "reasons": _("理由"),
    "check_id": _("核对"),
    "visit": _("入户调查记录"),
    "investigators": _("调查人员"),
    "visited_on": _("调查日期"),
    "computation": _("计算过程"),
    "standard": _("低保标准（元/月）"),
    "standard_id": _("适用标准版本"),
    "amount_rule_id": _("计算规则版本"),
    "per_capita_income": _("人均收入（元/月）"),
    "gap_per_capita": _("人均差额（元/月）"),
    "household_size": _("家庭人数"),
    "method": _("计算方法"),
    "monthly_amount": _("月保障金额（元）"),
    "formula": _("算式"),
    "ends_at": _("公示截止时间"),
    "amount": _("金额（元）"),
    "opinion": _("意见"),
    "payment_starts": _("发放起始月"),
    "letter_due_on": _("书面告知期限"),
    "stage": _("通知事项"),
    "round": _("轮次"),
    "channel": _("渠道"),
    "source": _("数据来源"),
    "reason": _("事由"),
    "at": _("截至事件"),
    "from": _("从事件"),
    "to": _("到事件"),
    "events": _("事件数"),
    "chain_ok": _("哈希链完整"),
    "full": _("含完整身份证号码"),
    "programme": _("救助类别"),
    "approved_on": _("批准日期"),
    "one_off_amount": _("一次性金额（元）"),
    "rule_versions": _("规则版本"),
    "finance_check_id": _("核对"),
    "excluded_reviewers": _("回避人员"),
}

#: Data keys whose values are user pks (one or a list).
USER_KEYS = frozenset({"owner", "previous_owner", "investigators", "excluded_reviewers", "user", "actor"})
#: Data keys and fields whose values are pks of another process: shown by its case number.
PROCESS_KEYS = frozenset({"finance_check_id", "check_id", "process_id", "review_process_id"})
#: Data keys holding money (Decimal strings).
MONEY_KEYS = re.compile(r"(amount|income|standard$|gap|limit|total|per_capita$)")

#: Stored codes outside any model field's choices, in words.
CODE_LABELS = {
    "gap": _("差额计算"),
    "sms": _("短信"),
    "accepted": _("受理"),
    "notice_posted": _("公示"),
    "decision": _("审核确认结论"),
    "payment_start": _("开始发放"),
}


def code_label(text: str) -> str | None:
    """A stored code in words: ``CODE_LABELS``, or a finance-check reason code (every code the
    means test writes, ``means_test.REASON_LABELS``); None for anything else."""
    from workflows.finance_check.means_test.vocabulary import REASON_LABELS

    label = CODE_LABELS.get(text) or REASON_LABELS.get(text)
    return str(label) if label is not None else None


MASK = "***"
DASH = "—"


def person_name(user) -> str:
    """A user's display name (full name), the login name only when no name was recorded."""
    if user is None:
        return gettext("系统")
    return user.get_full_name() or user.get_username()


@lru_cache(maxsize=256)
def _model(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
        return field if field.concrete else None
    except FieldDoesNotExist:
        for field in model._meta.concrete_fields:  # ``household_id`` -> ``household``
            if field.attname == name:
                return field
    return None


def model_label(target_type: str) -> str:
    model = _model(target_type)
    return str(model._meta.verbose_name) if model else target_type


def field_label(target_type: str, name: str) -> str:
    """The field's ``verbose_name`` on the target's model, else the data key's label."""
    field = _field(_model(target_type), name)
    if field is not None and not str(field.verbose_name).isascii():
        return str(field.verbose_name)
    return str(DATA_LABELS.get(name, field.verbose_name if field is not None else name))


def yuan(value) -> str:
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01')):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


#: Display names read so far within ``names_remembered`` (pk -> name, or None: no such user).
_NAMES: ContextVar[dict[int, str | None] | None] = ContextVar("history_display_names", default=None)


@contextmanager
def names_remembered() -> Iterator[None]:
    """Within it, each person's display name is read once: a case's timeline names the same
    few staff in most of its events, and each event's owners and actors were one query each
    (19 of the approved 低保 case page's 81 statements). Scoped to one page or export, so a
    renamed user is never shown by an old name on the next request."""
    token = _NAMES.set({})
    try:
        yield
    finally:
        _NAMES.reset(token)


def _users(pks) -> dict[int, str]:
    wanted = [pk for pk in pks if isinstance(pk, int)]
    memo = _NAMES.get()
    if memo is None:
        return {u.pk: person_name(u) for u in get_user_model().objects.filter(pk__in=wanted)}
    missing = {pk for pk in wanted if pk not in memo}
    if missing:
        found = {u.pk: person_name(u) for u in get_user_model().objects.filter(pk__in=missing)}
        memo.update({pk: found.get(pk) for pk in missing})
    return {pk: name for pk in wanted if (name := memo[pk]) is not None}


def _user(pk) -> str:
    return _users([pk]).get(pk, f"#{pk}") if isinstance(pk, int) else str(pk)


def process_reference(pk) -> str:
    """A referenced process by its case number (``HD-…``), else ``#pk``."""
    from viewflow.workflow.models import Process

    from workflows.core.flows import coerce

    if not isinstance(pk, int):
        return str(pk)
    process = Process.objects.filter(pk=pk).first()
    if process is None:
        return f"#{pk}"
    process = coerce(process)
    return getattr(process, "case_number", "") or f"#{pk}"


def _datetime(text: str) -> str | None:
    if not isinstance(text, str) or "T" not in text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _plain(value, *, key: str = "") -> str:
    """A value without a model field to interpret it."""
    if value is None or value == "" or value == [] or value == {}:
        return DASH
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if key in USER_KEYS:
        if isinstance(value, list):
            names = _users(value)
            return "、".join(names.get(pk, f"#{pk}") for pk in value)
        return _user(value)
    if key in PROCESS_KEYS:
        return process_reference(value)
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{DATA_LABELS.get(k, k)}：{_plain(v, key=k)}" for k, v in value.items())
    if key and not key.endswith("_id") and MONEY_KEYS.search(key) and isinstance(value, (str, Decimal)):
        return yuan(value)
    when = _datetime(value) if isinstance(value, str) else None
    if when:
        return when
    text = str(value)
    label = code_label(text)
    if label is not None:
        return label
    return _status_label(text)


def _status_label(text: str) -> str:
    from viewflow.workflow.status import STATUS

    from workflows.finance_check.models import Outcome

    if text in Outcome.values and text:
        return str(Outcome(text).label)
    if text in STATUS.values:
        return str(STATUS(text).label)
    return text


def _choice_label(field: models.Field, value) -> str | None:
    return _choice_label_of(field.flatchoices, value)


def _choice_label_of(choices, value) -> str | None:
    for choice, label in choices:
        if str(choice) == str(value):
            return str(label)
    return None


def mask(name: str, value, *, action: str = "") -> Any:
    """The value, or its masked form if ``name`` is personal (ID numbers keep their ends)."""
    if value in (None, "") or not is_personal_field(name, action=action):
        return value
    text = str(value)
    if "id_number" in name.lower() and len(text) >= 15:
        return mask_id_number(text)
    return MASK


def value_display(target_type: str, name: str, value, *, action: str = "", masked: bool = True) -> str:
    """One recorded value in words (masked if personal, unless ``masked=False``).

    Never fails: a value that no longer fits its field (the field changed type since the
    event was written) is shown as recorded."""
    try:
        return _value_display(target_type, name, value, action=action, masked=masked)
    except (TypeError, ValueError, LookupError):
        return str(value)


def _value_display(target_type: str, name: str, value, *, action: str, masked: bool) -> str:
    if masked:
        shown = mask(name, value, action=action)
        if shown is not value:
            return str(shown)
    if value is None or value == "":
        return DASH
    field = _field(_model(target_type), name)
    if field is None:
        return _plain(value, key=name)
    item_choices = getattr(field, "item_choices", None)  # a list of codes (cooperation's ChoiceListField)
    if item_choices and isinstance(value, list):
        return "、".join(_choice_label_of(item_choices, v) or _plain(v) for v in value) or DASH
    if field.choices:
        if isinstance(value, list):
            return "、".join(_choice_label(field, v) or _plain(v) for v in value) or DASH
        label = _choice_label(field, value)
        if label is not None:
            return label
    if isinstance(field, models.BooleanField):
        return _plain(bool(value))
    if field.is_relation and field.related_model is not None and isinstance(value, int):
        related = field.related_model
        if related is get_user_model():
            return _user(value)
        if issubclass(related, apps.get_model("viewflow", "Process")):
            return process_reference(value)
        obj = related._default_manager.filter(pk=value).first()
        return str(obj) if obj is not None else f"#{value}"
    if name in PROCESS_KEYS:
        return process_reference(value)
    if isinstance(field, models.DecimalField) and field.decimal_places == 2:
        return yuan(value)
    if isinstance(field, models.DateTimeField):
        return _datetime(value) or str(value)
    return _plain(value, key=name)


def change_rows(event, *, masked: bool = True) -> list[tuple[str, str, str]]:
    """``[(label, old, new)]`` of an event's ``changes``."""
    rows = []
    for name, pair in (event.changes or {}).items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        rows.append(
            (
                field_label(event.target_type, name),
                value_display(event.target_type, name, old, action=event.action, masked=masked),
                value_display(event.target_type, name, new, action=event.action, masked=masked),
            )
        )
    return rows


#: Data keys that only repeat what the timeline row already says.
HIDDEN_DATA = frozenset({"task", "status", "node", "flow"})
OWNER_ACTIONS = frozenset({"task.assigned", "task.unassigned", "task.reassigned"})


def data_rows(event, *, masked: bool = True) -> list[tuple[str, str]]:
    """``[(label, value)]`` of an event's ``data`` (task bookkeeping left out)."""
    data = event.data if isinstance(event.data, dict) else {}
    hidden = frozenset()
    if event.action.startswith(("task.", "flow.")):
        # the owner matters when it changes hands; otherwise the actor column says it
        hidden = HIDDEN_DATA if event.action in OWNER_ACTIONS else HIDDEN_DATA | {"owner"}
    rows = []
    for name, value in data.items():
        if name in hidden:
            continue
        if name == "document" and isinstance(value, int):
            shown = _document(value)
        elif name == "pending_document" and isinstance(value, int):
            shown = _pending_document(value)
        else:
            shown = value_display(event.target_type, name, value, action=event.action, masked=masked)
        rows.append((field_label(event.target_type, name), shown))
    return rows


def _document(pk: int) -> str:
    from workflows.documents.models import CaseDocument

    doc = CaseDocument.objects.filter(pk=pk).first()
    return f"{doc.get_kind_display()}（{doc.filename}）" if doc else f"#{pk}"


def _pending_document(pk: int) -> str:
    """A document asked for in the event, rendered after commit: the stored one once it exists."""
    from workflows.documents.models import PendingDocument

    row = PendingDocument.objects.filter(pk=pk).first()
    if row is None:
        return f"#{pk}"
    if row.document_id:
        return _document(row.document_id)
    return f"{row.get_kind_display()}（{row.get_status_display()}）"


def target_title(key: str) -> str:
    """``"dibao.dibaoprocess#16"`` -> "低保/特困案件 DB-…" (the replay's object headings)."""
    target_type, _sep, pk = key.partition("#")
    model = _model(target_type)
    if model is None:
        return key
    label = str(model._meta.verbose_name)
    obj = model._default_manager.filter(pk=pk).first() if pk.isdigit() else None
    if obj is None:
        return f"{label} #{pk}"
    number = getattr(obj, "case_number", "")
    return f"{label} {number or obj}"


def object_rows(target: str, fields: dict[str, Any], *, masked: bool = True) -> list[tuple[str, str]]:
    """A replayed object's ``{field: value}`` as ``[(label, value)]``."""
    target_type = target.partition("#")[0]
    return [
        (field_label(target_type, name), value_display(target_type, name, value, masked=masked))
        for name, value in fields.items()
    ]


def diff_rows(process, changes: dict[str, list[Any]]) -> list[tuple[str, str, str]]:
    """``state_diff`` keys (``target.field``, ``task#pk:node.status``, ``rule.name``) in words."""
    from . import selectors

    rows = []
    for key, (old, new) in changes.items():
        if key.startswith("task#"):
            task, _sep, what = key.rpartition(".")
            node = task.partition(":")[2]
            label = (
                f"{selectors.node_title(process, node)} · {gettext('状态') if what == 'status' else gettext('办理人')}"
            )
            show = (lambda v: _user(v)) if what == "owner" else (lambda v: _status_label(str(v)) if v else DASH)
            rows.append((label, show(old) if old is not None else DASH, show(new) if new is not None else DASH))
        elif key.startswith("rule."):
            name = key.partition(".")[2]
            rows.append((str(selectors.RULE_LABELS.get(name, name)), _plain(old), _plain(new)))
        else:
            target, _sep, name = key.rpartition(".")
            target_type = target.partition("#")[0]
            rows.append(
                (
                    f"{target_title(target)} · {field_label(target_type, name)}",
                    value_display(target_type, name, old),
                    value_display(target_type, name, new),
                )
            )
    return rows
