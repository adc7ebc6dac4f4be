"""Error messages of temporary assistance (checked in tests)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ERR_HOUSEHOLD_OUTSIDE = _("该家庭不在您负责的乡镇。")
ERR_AMOUNT = _("金额必须大于 0 元，且最多两位小数。")
ERR_ASSIST_FIRST_EMERGENCY_ONLY = _("只有急难型救助可以先行救助。")
ERR_ASSIST_FIRST_ABOVE_LIMIT = _("先行救助金额 %(amount)s 元超过乡镇审批限额 %(limit)s 元，请走县级审批。")
ERR_ABOVE_TOWNSHIP_LIMIT = _("金额 %(amount)s 元超过乡镇审批限额 %(limit)s 元，乡镇无权批准，须报县民政局审批。")
ERR_ABOVE_REQUESTED = _("批准金额不能超过申请金额 %(requested)s 元。")
ERR_SAME_EVENT = _("该家庭已就同一事件（%(cause)s，%(date)s）申请过临时救助，同一事件只救助一次。")
ERR_REPEAT_WITHOUT_REASON = _("该家庭本年度已因“%(cause)s”获得救助，再次申请必须说明新的困难情况。")
ERR_YEARLY_LIMIT = _("该家庭 %(year)s 年度已获临时救助 %(count)s 次，达到每年 %(max)s 次的上限。")
ERR_NO_CHECK_CONSENT = _("支出型救助需要核对家庭经济状况，以下成员尚未签署核对授权书：%(members)s。")
ERR_EVENT_IN_FUTURE = _("事件发生日期不能晚于今天。")
ERR_NOT_APPROVER = _("只有本乡镇审批人可以审批和发放。")
ERR_NOT_COUNTY_OFFICER = _("只有本县民政局经办人可以办理。")
ERR_NOT_CASE_WORKER = _("只有本乡镇经办人可以办理。")
ERR_OWN_CASE = _("登记人不能审批自己登记的案件。")
ERR_REASON_REQUIRED = _("不予救助必须写明理由。")
ERR_MEETING_REQUIRED = _("一事一议须记录会议日期和参会人员（至少 3 人）。")
ERR_MEETING_IN_FUTURE = _("会议日期不能晚于今天。")
ERR_PAPERWORK_INCOMPLETE = _("登记、签字和核对三项都完成后才能办结补办手续。")
ERR_ABOVE_UNPAID = _("本次发放 %(amount)s 元超过尚未发放的 %(unpaid)s 元。")
ERR_REVERSAL_REASON_REQUIRED = _("冲销必须写明理由。")
ERR_REVERSE_TOO_MUCH = _("冲销金额 %(amount)s 元超过该笔发放尚未冲销的 %(left)s 元。")
ERR_WRONG_TIER = _("该案件的审批层级为“%(tier)s”，不能在此办理。")
ERR_REVOKED = _("该救助已被县级抽查撤销，不能继续发放。")
ERR_NO_PAYMENT_STEP = _("该案件当前没有待办理的“%(step)s”步骤，不能审批或发放。")
ERR_ALREADY_DECIDED = _("该案件已作出审批决定，不能重复审批。")
ERR_ID_ALREADY_REGISTERED = _("身份证号码 %(id)s 已登记在一个家庭中，请按身份证号码查找该家庭，不要重复登记。")
ERR_HOUSEHOLD_REQUIRED = _("请选择已有家庭、按身份证号码查找，或登记新家庭。")
