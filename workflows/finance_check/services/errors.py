"""Error messages, audit action names and exceptions of the economic-status check."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ERR_NO_CONSENT = _("以下家庭成员尚未签署《家庭经济状况核对授权书》，不能发起核对（审核确认办法第九条）：%(members)s。")
ERR_PURPOSE = _("核对用途“%(purpose)s”无效。")
ERR_CASE_REF = _("请注明发起核对的案件。")
ERR_NO_MEMBERS = _("该家庭没有登记任何成员，不能发起核对。")
ERR_NOT_UNAVAILABLE = _("数据源“%(source)s”已核对成功或已补充材料，不能再录入。")
ERR_NOTE_REQUIRED = _("请写明补充材料的名称、出具单位和日期。")
ERR_NEGATIVE = _("金额和数量不能为负数。")

REFUSED_ACTION = "finance_check.refused"
HALTED_ACTION = "finance_check.halted"
RESUMED_ACTION = "finance_check.resumed"


class ConsentMissing(ValidationError):
    """Raised by ``finance_check_request`` when an adult member has not signed the authorisation."""


class QueriesPending(Exception):
    """The run_queries node was asked to advance while a source has no final evidence."""
