"""Messages the caseload services raise (shown to staff as they are)."""

from django.utils.translation import gettext_lazy as _

ERR_NOT_APPROVED = _("案件尚未审核确认享受，不能登记在保记录。")
ERR_NO_HOUSEHOLD = _("案件没有申请家庭，不能登记在保记录。")
ERR_REASONS_REQUIRED = _("变更保障须写明书面理由（MSL 32）。")
ERR_GROUND_NOT_LAWFUL = _("所选依据不能作为该类变更的理由（MSL 32）。")
ERR_NOT_TOWNSHIP_APPROVER = _("只有本乡镇（街道）的审批人可以作出保障变更决定。")
ERR_NOT_COUNTY = _("只有本县（区）民政部门可以因抽查撤销停保。")
ERR_SYSTEM_GROUND = _("该依据由系统在期满时自动适用，不能人工选择。")
ERR_STOPPED = _("保障已停止，不能再作变更；重新享受须重新申请。")
ERR_NOT_SUSPENDED = _("只有暂停发放的保障可以恢复发放。")
ERR_ALREADY_SUSPENDED = _("保障已经暂停发放。")
ERR_AMOUNT_REQUIRED = _("增发或减发须填写新的月保障金额。")
ERR_NOT_HIGHER = _("增发后的金额须高于现金额。")
ERR_NOT_LOWER = _("减发后的金额须低于现金额且不低于零。")
ERR_RECOGNITION_AMOUNT = _("认定类保障不发放现金，不能增发或减发。")
ERR_ALREADY_PHASING_OUT = _("保障已在渐退期。")
