"""The caseload import's vocabulary: its messages, limits, the file's columns and the words
it accepts for programme, area and relation."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workflows.core.models.rules import Area
from workflows.households.models import HouseholdMember

from ...models import Programme

ERR_NOT_ALLOWED = _("只有县级民政工作人员或本乡镇（街道）审批人可以导入原系统在保名册。")
ERR_REQUIRED = _("必须填写。")
ERR_MISSING_COLUMNS = _("表头缺少以下列：%(columns)s。")
ERR_PROGRAMME = _("未知的救助类别：请填写“低保”或“特困”。")
ERR_AREA = _("未知的户籍类别：请填写“城市”或“农村”。")
ERR_RELATION = _("未知的与户主关系：请填写本人、配偶、子女、父母或其他。")
ERR_YES_NO = _("请填写“是”或“否”。")
ERR_TOWNSHIP_UNKNOWN = _("未知的乡镇（街道）：请填写本县的乡镇（街道）名称或区划代码。")
ERR_TOWNSHIP_SCOPE = _("该乡镇（街道）不在您的导入范围内。")
ERR_VILLAGE_UNKNOWN = _("未知的村（社区），或该村（社区）不属于所填乡镇（街道）。")
ERR_AMOUNT = _("金额应为不小于零的数字，最多两位小数（元）。")
ERR_MONTH = _("请按“2024-03”的格式填写月份。")
ERR_DATE = _("请按“2024-03-15”的格式填写日期。")
ERR_FUTURE = _("不能晚于今天。")
ERR_MONTH_FUTURE = _("发放起始月不能晚于下个月。")
ERR_TOO_LONG = _("内容过长（最多 %(max)d 个字）。")
ERR_APPLICANT_ROW = _("户主本人一行的关系应填“本人”。")
ERR_NOT_APPLICANT = _("只有户主本人一行的关系可以填“本人”。")
ERR_NO_APPLICANT_ROW = _("该家庭缺少户主本人一行（成员身份证号码与户主身份证号码相同）。")
ERR_MEMBER_TWICE = _("同一家庭中该成员出现了不止一次。")
ERR_INCONSISTENT = _("同一家庭各行此列的内容不一致（以该家庭第一行为准）。")
ERR_AMOUNT_DIFFERS = _(
    "该户已有在保记录，现为每月 %(current)s 元，文件为 %(file)s 元；未作修改，如需调整请作出变更决定。"
)
ERR_PREVIEW_EXPIRED = _("预检结果已失效，请重新上传文件并预检。")

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20000

# header (as the county's export names it) -> key; the order is the template's.
COLUMNS = {
    "户主身份证号码": "applicant_id",
    "救助类别": "programme",
    "乡镇（街道）": "township",
    "村（社区）": "village",
    "家庭住址": "address",
    "户籍类别": "area",
    "成员姓名": "name",
    "成员身份证号码": "id_number",
    "与户主关系": "relation",
    "有劳动能力": "can_work",
    "残疾": "is_disabled",
    "在校生": "is_student",
    "月保障金额（元）": "amount",
    "发放起始月": "starts",
    "收款账户": "bank_account",
    "上次复核日期": "last_checked",
}
OPTIONAL_COLUMNS = frozenset({"有劳动能力", "残疾", "在校生", "收款账户"})
HEADER_OF = {key: header for header, key in COLUMNS.items()}
#: Columns of a household (the same on each of its rows).
HOUSEHOLD_KEYS = ("township", "village", "address", "area", "amount", "starts", "bank_account", "last_checked")

PROGRAMME_WORDS = {
    "低保": Programme.DIBAO, "最低生活保障": Programme.DIBAO, "城市低保": Programme.DIBAO,
    "农村低保": Programme.DIBAO, "特困": Programme.TEKUN, "特困供养": Programme.TEKUN,
    "特困人员": Programme.TEKUN, "特困人员救助供养": Programme.TEKUN,
}  # fmt: skip
AREA_WORDS = {"城市": Area.URBAN, "城镇": Area.URBAN, "农村": Area.RURAL}
Relation = HouseholdMember.Relation
RELATION_WORDS = {
    "本人": Relation.APPLICANT, "户主": Relation.APPLICANT, "申请人": Relation.APPLICANT,
    "配偶": Relation.SPOUSE, "妻": Relation.SPOUSE, "夫": Relation.SPOUSE, "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE, "父母": Relation.PARENT, "父亲": Relation.PARENT, "母亲": Relation.PARENT,
    "其他": Relation.OTHER_DEPENDANT,
}  # fmt: skip
CHILD_WORDS = frozenset({"子女", "子", "女", "儿子", "女儿"})  # minor or adult child by age
YES_WORDS, NO_WORDS = frozenset({"是", "有", "Y", "YES", "1"}), frozenset({"否", "无", "N", "NO", "0", ""})
MONTH_FORMATS = (
    r"(\d{4})-(\d{1,2})(?:-\d{1,2})?",
    r"(\d{4})/(\d{1,2})(?:/\d{1,2})?",
    r"(\d{4})年(\d{1,2})月",
    r"(\d{4})(\d{2})",
)
DATE_FORMATS = (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{4})/(\d{1,2})/(\d{1,2})", r"(\d{4})年(\d{1,2})月(\d{1,2})日",
                r"(\d{4})(\d{2})(\d{2})")  # fmt: skip
