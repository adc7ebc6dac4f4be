"""Personal-data access log (PIPL; issue 18 item 5; docs/security.md V7/V8).

Every view or export of a full ID number, bank account or health detail by staff is one
call of ``pii_access_record``: who (``actor``), when (the event's time), which case and
why (``reason``, required). The record is an event of the *case's* audit chain
(``case:<process pk>``), so it is

- append-only: the audit table refuses UPDATE, DELETE and TRUNCATE in the database
  (workflows/core/dbguards.py, migration 0006_audit_truncate_guard), and the hash chain
  shows any removal (``verify_history``);
- in the auditor's replay: the case history page lists it with the case's other events
  (``pii.viewed`` / ``pii.exported``, declared in workflows/core/events.py,
  the reason shown after the label).

Screens mask by default (``mask_id_number``, ``mask_account``); a full number is shown
only after the user gave a reason on the page (``PiiReasonForm``) and the access was
recorded, in the same request. An export with full numbers asks the same on its page and
calls ``pii_access_record(..., export=True)`` before producing the file; without a reason
the call raises ``ValidationError`` (``ERR_REASON_REQUIRED``) and nothing is produced.

Usage (e.g. the case-file export with full numbers)::

    form = PiiReasonForm(request.POST)
    if not form.is_valid():
        ...  # render the page again with form.errors (translated)
    pii_access_record(actor=request.user, case=process, kind=PiiKind.ID_NUMBER,
                      fields=["members.id_number"], reason=form.cleaned_data["reason"],
                      export=True)
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import audit_record
from .models import AuditEvent
from .types import Staff

ACTION_VIEWED = "pii.viewed"
ACTION_EXPORTED = "pii.exported"
REASON_MIN_LENGTH = 4
REASON_MAX_LENGTH = 200

# The minimum (REASON_MIN_LENGTH) is spelt out: a lazy string %-formatted at import would
# be fixed in the import-time language.
ERR_REASON_REQUIRED = gettext_lazy("请填写查看或导出完整个人信息的理由（至少 4 个字）。")
ERR_UNKNOWN_KIND = gettext_lazy("未知的个人信息类别。")
ERR_NO_CASE = gettext_lazy("查看完整个人信息必须关联到一个案件。")


class PiiKind(models.TextChoices):
    ID_NUMBER = "id_number", gettext_lazy("身份证号码")
    BANK_ACCOUNT = "bank_account", gettext_lazy("收款账户")
    HEALTH = "health", gettext_lazy("健康状况")


def mask_account(value: str) -> str:
    """A bank account for screens that identify without revealing: 6230********1182."""
    value = (value or "").replace(" ", "")
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def clean_reason(reason: str | None) -> str:
    """The reason as recorded; refuses an empty or token one (``ERR_REASON_REQUIRED``)."""
    text = " ".join((reason or "").split())
    if len(text) < REASON_MIN_LENGTH:
        raise ValidationError(ERR_REASON_REQUIRED, code="reason_required")
    return text[:REASON_MAX_LENGTH]


class PiiReasonForm(forms.Form):
    """The reason a page asks before it shows or exports full personal data."""

    reason = forms.CharField(
        label=gettext_lazy("查看理由"),
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("例如：核对银行代发账户、向公安核实身份。理由与您的姓名、时间一并记入案件审计记录。"),
        error_messages={"required": ERR_REASON_REQUIRED},
    )

    def clean_reason(self) -> str:
        return clean_reason(self.cleaned_data.get("reason"))


def pii_access_record(
    *,
    actor: Staff,
    case: models.Model | None,
    kind: str | Sequence[str],
    fields: Sequence[str],
    reason: str,
    export: bool = False,
) -> AuditEvent:
    """Record that ``actor`` saw (or exported, ``export=True``) full personal data of ``case``.

    - ``actor``: the signed-in staff user.
    - ``case``: the case process (any flow's process; its pk names the chain ``case:<pk>``).
    - ``kind``: one ``PiiKind`` value or several (e.g. ID numbers and the bank account on
      one page).
    - ``fields``: which fields were shown, e.g. ``["members.id_number", "household.bank_account"]``.
    - ``reason``: the reason the user gave on the page; empty or shorter than
      ``REASON_MIN_LENGTH`` characters → ``ValidationError(ERR_REASON_REQUIRED)``.

    Call it before the data leaves the server (before rendering or streaming), inside or
    outside a transaction: the event commits with the caller's transaction. Returns the
    audit event (who = ``actor``, when = ``occurred_at``, which case = ``process_id``,
    why = ``data["reason"]``).
    """
    text = clean_reason(reason)
    kinds = [kind] if isinstance(kind, str) else list(kind)
    valid = set(PiiKind.values)
    if not kinds or any(k not in valid for k in kinds):
        raise ValidationError(ERR_UNKNOWN_KIND, code="unknown_kind")
    if case is None or getattr(case, "pk", None) is None:
        raise ValidationError(ERR_NO_CASE, code="no_case")
    what = "、".join(str(PiiKind(k).label) for k in kinds)
    with transaction.atomic():
        return audit_record(
            action=ACTION_EXPORTED if export else ACTION_VIEWED,
            target=case,
            actor=actor,
            process_id=case.pk,
            data={
                # "node" is what the case history shows after the action's label.
                "node": _("%(what)s · 理由：%(reason)s") % {"what": what, "reason": text},
                "kinds": kinds,
                "fields": list(fields),
                "reason": text,
                "export": export,
                "case_number": getattr(case, "case_number", None),
            },
        )


def pii_accesses(case: models.Model) -> models.QuerySet[AuditEvent]:
    """The personal-data accesses of ``case``, oldest first (for tests and reports)."""
    return AuditEvent.objects.filter(chain=f"case:{case.pk}", action__in=(ACTION_VIEWED, ACTION_EXPORTED)).order_by(
        "seq"
    )
