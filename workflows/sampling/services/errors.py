"""Error messages of the sampling review (checked in tests)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ERR_PROGRAMME = _("未知的救助项目：%(programme)s。")
ERR_NEGATIVE_AMOUNT = _("金额不能为负数。")
ERR_REGION_MISMATCH = _("村（社区）、乡镇与县（区）不一致。")
ERR_REVIEWER_ACTED = _("您参与过该案件的调查或审批，不能抽查复核该案件。")
ERR_FINDING = _("请选择抽查结论。")
ERR_INSTRUCTIONS_REQUIRED = _("责令纠正时必须写明整改要求。")
ERR_REASON_REQUIRED = _("撤销时必须写明理由。")
ERR_ALREADY_REVOKED = _("该审批已被撤销。")
ERR_PERIOD_NOT_ENDED = _("抽查期间尚未结束，不能抽取。")
ERR_NO_OPEN_CORRECTION = _("没有待完成的整改。")
ERR_REPORT_REQUIRED = _("请填写整改情况。")
ERR_NOT_COUNTY_REVIEWER = _("只有本县抽查复核人员可以作出抽查结论。")
ERR_NOT_TOWNSHIP_CASE_WORKER = _("只有本乡镇经办人可以报告整改情况。")
ERR_NOT_COUNTY_OFFICER = _("只有本县民政局经办人可以登记追回结果。")
ERR_RECOVERY_SETTLED = _("该追回记录已办结。")
