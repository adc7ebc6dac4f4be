"""Error messages of the dibao / 特困 rules (checked in tests)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# --- error messages (checked in tests) -----------------------------------------
ERR_VILLAGE_OUTSIDE = _("您无权为该村（社区）受理申请。")
ERR_NO_APPLICANT = _("家庭成员中必须有且只有一名申请人本人。")
ERR_DUPLICATE_ID = _("同一身份证号码不能重复登记。")
ERR_MINOR_CHILD_AGE = _("“未成年子女”须未满 18 周岁。")
ERR_ADULT_CHILD = _("成年子女只有在校就读（本科及以下）或因残、因病不能独立生活时才计入共同生活家庭成员（MSL 7）。")
ERR_CHECK_AUTHORISATION = _("每位成年家庭成员都必须签署家庭经济状况核对授权书（MSL 9）：%(names)s。")
ERR_TRUTHFULNESS = _("申请人必须签署申请材料真实性承诺书。")
ERR_ENTRUSTMENT = _("协理员代为申请须上传申请人签署的委托书（MSL 6）。")
ERR_UPLOAD_TYPE = _("只能上传 PDF、JPG 或 PNG 文件。")
ERR_UPLOAD_SIZE = _("单个文件不能超过 %(mb)s MB。")
ERR_TEKUN_CRITERIA = _("特困人员须同时无劳动能力、无生活来源、无法定义务人或其无履行能力（TK 4-8）。")
ERR_MISSING_ALREADY_NOTIFIED = _("已一次性告知过缺少的材料，不得再次补充告知新的材料（MSL 10）：%(items)s。")
ERR_MATERIALS_NOT_ALL_RECEIVED = _("一次性告知的材料尚未全部补齐：%(items)s。")
ERR_EXTENSION_REASON = _("延期只能基于法定事由。")
ERR_EXTENSION_TEKUN = _(
    "特困人员认定不适用低保 45 个工作日的延期（MSL 22）：各阶段期限按 TK 13、15、16 计算，"
    "公示有异议的，自公示结束之日起 15 个工作日内重新提出初审意见（TK 15）。"
)
ERR_INVESTIGATORS_DISTINCT = _("入户调查须由两名不同的工作人员进行（MSL 16）。")
ERR_INVESTIGATOR_NOT_STAFF = _("调查人员须为本乡镇工作人员：%(name)s。")
ERR_INVESTIGATOR_NOT_COUNTY = _("县级入户核查须由县民政局工作人员进行（MSL 20）：%(name)s。")
ERR_NO_SIGNATORY = _("入户调查记录须由在场家庭成员签字。")
ERR_NOT_ELIGIBLE = _("核对结果为不符合条件，不能提出拟确认意见（SAI 9）。")
ERR_NO_AMOUNT = _("拟保障金额必须大于零。")
ERR_TEKUN_NOT_CONFIRMED = _("入户调查未核实特困条件，不能提出拟确认意见（TK 4-8）。")
ERR_OBJECTION_CLOSED = _("公示期外不能登记异议。")
ERR_OBJECTION_EMPTY = _("请填写异议内容。")
ERR_UNRESOLVED_OBJECTION = _("公示异议尚未处理，不能作出决定（MSL 19）。")
ERR_SEPARATION = _("调查或提出初审意见的人员不能审核确认同一案件（domain.md §1）。")
ERR_HEAD_SAME_AS_CHIEF = _("乡镇负责人与股室负责人不能是同一人。")
ERR_COUNTY_VISIT_REQUIRED = _("近亲属备案案件须经县级入户核查后方可确认（MSL 20）。")
ERR_APPROVE_WITHOUT_NOTICE = _("未经公示的案件不能确认享受（MSL 19）。")
ERR_REFUSAL_NEEDS_REASON = _("不予确认须写明理由（MSL 21）。")
ERR_APPRAISAL_VOTES = _("同意票与反对票之和不能超过参加人数。")
ERR_RECHECK_PENDING = _("核对结果异议正在复查，复查结果出来前不能提出初审意见（MSL 18）。")
ERR_CHECK_OBJECTION_NOT_FAILED = _(
    "只有核对结果为不符合条件、已告知申请人且尚未提出初审意见的案件才能登记核对结果异议（MSL 18）。"
)
ERR_CHECK_OBJECTION_STATEMENT = _("请写明申请人对核对结果的异议理由。")
ERR_CHECK_OBJECTION_EVIDENCE = _("核对结果异议须附证明材料（MSL 18）。")
ERR_CHECK_OBJECTION_NOT_STAFF = _("只有本乡镇（街道）经办人可以登记核对结果异议。")
ERR_TERMINATE_NOT_APPROVER = _("只有本乡镇（街道）审批人可以终止审核确认程序（MSL 29）。")
ERR_TERMINATE_CLOSED = _("该案件已作出决定或已办结，不能终止审核确认程序。")
ERR_TERMINATE_NOT_ACCEPTED = _("尚未受理的申请无需终止审核确认程序。")
ERR_TERMINATE_REASON = _("请写明申请人无正当理由拒不配合的具体情形（MSL 29）。")


ERR_STOP_NOT_APPROVED = _("只有已确认享受的案件才能停发。")
ERR_SINGLE_PERSON_PROGRAMME = _("只有低保申请可以参照单人户单独纳入。")
ERR_SINGLE_PERSON_NOT_MEMBER = _(
    "申请参照单人户的“%(name)s”不是本次填写的家庭成员（须与成员姓名一致，且只有一人同名）。"
)
ERR_SINGLE_PERSON_NOT_QUALIFIED = _(
    "“%(name)s”未登记为残疾或重病：只有重度残疾人、重病患者可以申请参照单人户单独纳入低保。"
)
