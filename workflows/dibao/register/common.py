"""The register's messages, import columns, limits and audited fields (shared by its modules)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workflows.core.uploads import ERR_FILE_EMPTY, ERR_FILE_ROWS, ERR_FILE_SIZE, ERR_FILE_TYPE, ERR_FILE_UNREADABLE  # noqa: F401 - re-exported

ERR_NOT_COUNTY_OFFICER = _("只有县级民政工作人员可以维护工作人员近亲属名录。")
ERR_REQUIRED = _("必须填写。")
ERR_UNKNOWN_REGION = _("未知的区划代码，或该地区不在本县。")
ERR_REGION_MISMATCH = _("村（社区）不属于所选乡镇（街道）。")
ERR_UNKNOWN_POSITION = _("未知的职务类别：请填写“村（居）委会成员”“乡镇（街道）工作人员”或“经办人员”。")
ERR_UNKNOWN_RELATION = _("未知的亲属关系：请填写本人、配偶、父母、子女、兄弟姐妹、祖父母、外祖父母或孙子女、外孙子女。")
ERR_SELF_WITH_RELATIVE = _("关系为“本人”时不填写亲属姓名和身份证号码。")
ERR_RELATIVE_IS_STAFF = _("亲属身份证号码与工作人员本人相同。")
ERR_DUPLICATE_LINE = _("本县名录中已有该工作人员与该亲属的登记。")
ERR_MISSING_COLUMNS = _("表头缺少以下列：%(columns)s。")
ERR_PREVIEW_EXPIRED = _("预检结果已失效，请重新上传文件并预检。")

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
PREVIEW_SALT = "dibao.staff_register.import"
PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may be confirmed

# Import columns: header (as officers write it) -> line field. The order is the template's.
COLUMNS = {
    "工作人员姓名": "staff_name",
    "工作人员身份证号码": "staff_id_number",
    "职务类别": "position",
    "区划代码": "region_code",
    "亲属姓名": "relative_name",
    "亲属身份证号码": "relative_id_number",
    "关系": "relation",
}
REQUIRED_COLUMNS = ("工作人员姓名", "工作人员身份证号码", "职务类别", "区划代码", "关系")
HEADER_OF = {v: k for k, v in COLUMNS.items()}
AUDITED_FIELDS = (
    "county", "township", "village", "staff_name", "staff_id_number", "staff_user", "position",
    "relative_name", "relative_id_number", "relation",
)  # fmt: skip
MASKED_FIELDS = {"staff_id_number", "relative_id_number"}
