"""Error messages of the payment roll, checked in tests."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ERR_NOT_TOWNSHIP_STAFF = _("只有本乡镇经办人或审批人可以生成发放名册。")
ERR_NOT_CASE_WORKER = _("只有本乡镇经办人可以登记发放退回和更正账户。")
ERR_NOT_APPROVER = _("只有本乡镇审批人（乡镇负责人）可以审核冻结发放名册。")
ERR_SAME_PERSON = _("生成名册的人不能冻结同一份名册，请由乡镇负责人审核冻结。")
ERR_FROZEN = _("发放名册已冻结，不能重新生成；冻结后的变更计入下月名册。")
ERR_EARLIER_DRAFT = _("%(month)s 的名册尚未冻结：名册须按月依次生成和冻结。")
ERR_LATER_EXISTS = _("已有 %(month)s 的名册：不能再生成更早月份的名册。")
ERR_TOO_EARLY = _("只能生成本月或下月的发放名册。")
ERR_NOT_FROZEN = _("名册冻结后才能导出报送或登记退回。")
ERR_ALREADY_RETURNED = _("这笔发放已登记退回。")
ERR_NOT_RETURNED = _("这笔发放没有登记退回。")
ERR_ALREADY_REISSUED = _("这笔退回款已安排重发。")
ERR_ACCOUNT_REQUIRED = _("请填写更正后的收款账户。")
ERR_ACCOUNT_UNCHANGED = _("更正后的账户与退回时的账户相同；请核实后再填写。")
ERR_DEDUCTION_AMOUNT = _("扣减金额必须大于 0。")
ERR_DEDUCTION_STALE = _("有扣减记录在名册生成后已发生变化，请重新生成名册后再冻结。")
ERR_REASON_REQUIRED = _("请填写理由。")
