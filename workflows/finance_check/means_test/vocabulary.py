"""The means test's vocabulary: kinds, outcomes, severities, the reason messages and labels."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")
FEN = Decimal("0.01")

COUNTED_INCOME_KINDS = ("wage", "business", "property", "transfer")
EXCLUDED_INCOME_KINDS = ("veteran", "family_planning", "scholarship", "bravery", "assistance", "local_excluded")
FINANCIAL_ASSET_KINDS = ("deposit", "securities", "insurance", "internet_finance", "claim")
ALWAYS_DEDUCTIBLE = ("illness", "disability")
SPENDING_SHOCK_DEDUCTIBLE = ("education",)

HOUSEHOLD = None  # member_ref of a finding that names no member


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_REVIEW = "needs_review"


class Severity(StrEnum):
    INFO = "info"  # explains a number; does not change the outcome
    REVIEW = "review"  # a person must look before deciding
    DISQUALIFYING = "disqualifying"  # not eligible


# Reason messages: module constants (checked in tests), formatted with the
# reason's own numbers.
MSG_INCOME_BELOW = _(
    "家庭月人均收入 %(per_capita_income)s 元低于当地低保标准 %(standard)s 元（《社会救助暂行办法》第九条），"
    "差额 %(gap_per_capita)s 元/人·月，%(household_size)s 人，月保障金额 %(monthly_amount)s 元（审核确认办法第二十三条）。"
)
MSG_INCOME_ABOVE = _(
    "家庭月人均收入 %(per_capita_income)s 元不低于当地低保标准 %(standard)s 元（《社会救助暂行办法》第九条）。"
)
MSG_STANDARD_NORMALISED = _("年标准 %(yearly)s 元/人·年折算为月标准 %(monthly)s 元/人·月。")
MSG_INCOME_EXCLUDED = _("“%(kind)s”%(amount)s 元/月不计入家庭收入（审核确认办法第十三条）。")
MSG_JOB_COSTS = _("%(member)s 的工资性收入已扣除必要就业成本 %(job_costs)s 元/月（审核确认办法第十三条）。")
MSG_EXPENSE_DEDUCTED = _("刚性支出“%(kind)s”%(amount)s 元/月从家庭收入中扣减（审核确认办法第十三条）。")
MSG_EXPENSE_DEDUCTED_NAMED = _(
    "刚性支出“%(kind)s”（%(members)s）%(amount)s 元/月从家庭收入中扣减（审核确认办法第十三条；%(rule)s）。"
)
MSG_EXPENSE_CAPPED = _("刚性支出“%(kind)s”申报 %(claimed)s 元/月，按%(rule)s每月最多扣减 %(cap)s 元。")
MSG_EXPENSE_NOT_DEDUCTIBLE = _("刚性支出“%(kind)s”%(amount)s 元/月按%(rule)s不予扣减。")
MSG_EXPENSE_NOT_DEDUCTED = _("教育支出 %(amount)s 元/月仅在支出型临时救助中扣减，本次核对不扣减。")
MSG_DEDUCTION_CAPPED = _("刚性支出合计 %(requested)s 元/月超过计入收入 %(income)s 元/月，按收入额扣减至零。")
MSG_INCOME_DISCREPANCY = _(
    "%(member)s 的“%(kind)s”申报 %(declared)s 元/月，%(sources)s 核对为 %(found)s 元/月，按较高数额 %(used)s 元/月计算。"
)
# A hand-entered household total is a floor for the household's total of a kind: what it
# adds is the top-up above the members' lines, not "the higher figure" of one line.
MSG_INCOME_DISCREPANCY_HOUSEHOLD = _(
    "全户“%(kind)s”申报合计 %(declared)s 元/月，%(sources)s 核对全户合计为 %(found)s 元/月，"
    "按较高数额计算，在成员各项收入之外另计 %(used)s 元/月。"
)
MSG_INCOME_DISCREPANCY_REVIEW = _(
    "核对收入比申报收入合计多 %(excess)s 元/月，超过复核阈值 %(threshold)s 元/月，需人工复核。"
)
MSG_FINANCIAL_WITHIN = _("家庭金融资产 %(total)s 元，人均 %(per_capita)s 元，未超过人均上限 %(limit)s 元（%(rule)s）。")
MSG_FINANCIAL_OVER = _("家庭金融资产 %(total)s 元，人均 %(per_capita)s 元，超过人均上限 %(limit)s 元（%(rule)s）。")
MSG_ASSET_DISCREPANCY = _("“%(kind)s”申报 %(declared)s 元，%(sources)s 核对为 %(found)s 元，按较高数额计算。")
MSG_ASSET_DISCREPANCY_REVIEW = _("核对财产比申报多 %(excess)s 元，超过复核阈值 %(threshold)s 元，需人工复核。")
MSG_VEHICLE_NOT_ALLOWED = _(
    "核对发现机动车：%(vehicles)s。按%(rule)s，家庭拥有机动车（残疾人功能性补偿代步车除外）的不符合条件。"
)
MSG_VEHICLE_OVER_LIMIT = _("机动车价值合计 %(value)s 元，超过%(rule)s规定的上限 %(limit)s 元：%(vehicles)s。")
MSG_DISABILITY_VEHICLE = _("残疾人功能性补偿代步车不计入车辆限制：%(vehicles)s。")
MSG_HOUSING_OVER = _("家庭拥有住房 %(count)s 套，超过%(rule)s规定的 %(limit)s 套：%(items)s。")
MSG_BUSINESS_ENTITY = _("家庭成员登记有市场主体：%(items)s。按%(rule)s，经营市场主体的不符合条件。")
MSG_MEMBER_STATUS = _("户籍核对：%(member)s 的户籍状态为“%(status)s”，需人工复核家庭成员。")
MSG_SOURCE_UNAVAILABLE = _("%(source)s 无法核对且未补充材料，需人工复核。")
MSG_SOURCE_MANUAL = _("%(source)s 系统无法核对，采用经办人 %(entered_by)s 补充的书面材料：%(note)s。")
MSG_SINGLE_PERSON_APPLIED = _(
    "%(member)s 为重度残疾人或重病患者，家庭月人均收入 %(household_per_capita)s 元（%(household_size)s 人）"
    "不超过低保标准 %(standard)s 元的 %(multiple)s 倍（%(limit)s 元），按%(rule)s参照单人户单独纳入低保，按 1 人计算。"
)
MSG_SINGLE_PERSON_RULE_OFF = _(
    "%(member)s 申请参照单人户单独纳入低保，但本县（区）未实行单人户政策（%(rule)s），不能单独纳入；"
    "可按全家 %(household_size)s 人申请。"
)
MSG_SINGLE_PERSON_NOT_QUALIFIED = _("%(member)s 不是重度残疾人或重病患者，不能参照单人户单独纳入低保（%(rule)s）。")
MSG_SINGLE_PERSON_INCOME_ABOVE = _(
    "家庭月人均收入 %(household_per_capita)s 元（%(household_size)s 人）超过低保标准 %(standard)s 元的 "
    "%(multiple)s 倍（%(limit)s 元），%(member)s 不能参照单人户单独纳入低保（%(rule)s）。"
)
SINGLE_PERSON_NO_RULE = _("未配置单人户规则")
# 低收入家庭认定 (LB24; domain.md §8)
MSG_LOW_INCOME_QUALIFIES_FOR_DIBAO = _(
    "家庭月人均收入 %(per_capita_income)s 元低于当地低保标准 %(standard)s 元，符合最低生活保障条件，"
    "不认定为低收入家庭：低保边缘家庭须人均收入高于当地低保标准（《最低生活保障边缘家庭和刚性支出困难家庭认定办法》）。"
    "请告知申请人改为申请最低生活保障。"
)
MSG_LOW_INCOME_NEAR_DIBAO = _(
    "家庭月人均收入 %(per_capita_income)s 元不低于当地低保标准 %(standard)s 元，且不超过低保标准的 %(multiple)s 倍"
    "（%(limit)s 元），属于低保边缘家庭（《最低生活保障边缘家庭和刚性支出困难家庭认定办法》；%(rule)s）。"
)
MSG_LOW_INCOME_SPENDING_HARDSHIP = _(
    "近 12 个月刚性支出 %(yearly_spending)s 元超过家庭收入 %(yearly_income)s 元，家庭月人均收入 %(gross_per_capita)s 元"
    "低于本县收入上限 %(line)s 元，属于刚性支出困难家庭（《最低生活保障边缘家庭和刚性支出困难家庭认定办法》；%(rule)s）。"
)
MSG_LOW_INCOME_ABOVE_MULTIPLE = _(
    "家庭月人均收入 %(per_capita_income)s 元超过当地低保标准 %(standard)s 元的 %(multiple)s 倍（%(limit)s 元），"
    "不属于低保边缘家庭（《最低生活保障边缘家庭和刚性支出困难家庭认定办法》；%(rule)s）。"
)
MSG_LOW_INCOME_SPENDING_NOT_ABOVE = _(
    "近 12 个月刚性支出 %(yearly_spending)s 元未超过家庭收入 %(yearly_income)s 元，不属于刚性支出困难家庭。"
)
MSG_LOW_INCOME_ABOVE_LINE = _(
    "家庭月人均收入 %(gross_per_capita)s 元不低于本县刚性支出困难家庭收入上限 %(line)s 元，不属于刚性支出困难家庭。"
)
MSG_LOW_INCOME_NO_LINE = _("本县未设定刚性支出困难家庭收入上限（%(rule)s），不认定刚性支出困难家庭。")
LOW_INCOME_CATEGORY_LABELS = {"near_dibao": _("低保边缘家庭"), "spending_hardship": _("刚性支出困难家庭")}
LOW_INCOME_NO_RULE = _("未配置低收入家庭认定规则，按低保标准的 1.5 倍和低保财产限额")

#: Every reason code of the means test (and of a refused or halted check) in people's
#: language, for the history replay and any list that shows codes (issue 14 §5).
REASON_LABELS = {
    "standard_normalised": _("年标准折算为月标准"),
    "income_excluded": _("不计入家庭收入的项目"),
    "job_costs_deducted": _("扣除必要就业成本"),
    "income_discrepancy": _("核对收入高于申报收入"),
    "income_discrepancy_review": _("收入差异超过复核阈值，需人工复核"),
    "expense_not_deducted": _("刚性支出不予扣减"),
    "expense_capped": _("刚性支出按上限扣减"),
    "expense_deducted": _("刚性支出已扣减"),
    "deduction_capped": _("刚性支出超过收入，扣减至零"),
    "income_below_standard": _("人均收入低于当地低保标准"),
    "income_above_standard": _("人均收入高于当地低保标准"),
    "financial_assets_within_limit": _("金融资产未超过限额"),
    "financial_assets_over_limit": _("金融资产超过限额"),
    "asset_discrepancy": _("核对财产高于申报财产"),
    "asset_discrepancy_review": _("财产差异超过复核阈值，需人工复核"),
    "disability_vehicle_exempt": _("残疾人代步车不计入车辆限制"),
    "vehicle_not_allowed": _("拥有机动车，不符合条件"),
    "vehicle_value_over_limit": _("机动车价值超过上限"),
    "housing_over_limit": _("住房套数超过上限"),
    "business_entity_not_allowed": _("经营市场主体，不符合条件"),
    "member_registration_status": _("户籍状态异常，需人工复核"),
    "manual_evidence": _("采用人工补录的书面材料"),
    "source_unavailable": _("数据源无法核对，需人工复核"),
    "single_person_applied": _("参照单人户单独纳入"),
    "single_person_rule_off": _("本县未实行单人户政策"),
    "single_person_not_qualified": _("非重度残疾或重病人员，不能参照单人户"),
    "single_person_income_above": _("家庭收入超过单人户规定倍数"),
    "low_income_qualifies_for_dibao": _("人均收入低于低保标准，应申请最低生活保障"),
    "low_income_near_dibao": _("属于低保边缘家庭"),
    "low_income_spending_hardship": _("属于刚性支出困难家庭"),
    "low_income_above_multiple": _("人均收入超过低保标准的规定倍数"),
    "low_income_spending_not_above": _("刚性支出未超过家庭收入"),
    "low_income_above_line": _("人均收入不低于刚性支出困难家庭收入上限"),
    "low_income_no_line": _("本县未设定刚性支出困难家庭收入上限"),
    "no_check_authorisation": _("缺少核对授权"),
    "check_authorisation_withdrawn": _("核对授权已撤回"),
}

KIND_LABELS = {
    "wage": _("工资性收入"),
    "business": _("经营净收入"),
    "property": _("财产净收入"),
    "transfer": _("转移净收入"),
    "veteran": _("优抚对象抚恤金、补助金"),
    "family_planning": _("计划生育奖励与扶助金"),
    "scholarship": _("奖学金、助学金"),
    "bravery": _("见义勇为等奖励性补助"),
    "assistance": _("社会救助款物"),
    "local_excluded": _("地方规定不计入的收入"),
    "deposit": _("银行存款"),
    "securities": _("有价证券"),
    "insurance": _("商业保险"),
    "internet_finance": _("网络金融资产"),
    "claim": _("债权"),
    "vehicle": _("机动车辆"),
    "housing": _("房产"),
    "business_entity": _("市场主体"),
    "illness": _("因病医疗支出"),
    "disability": _("因残康复、护理支出"),
    "education": _("教育支出"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
