"""Administrative tree: county (县/区) -> township (乡镇/街道) -> village (村/社区).

Codes are the national statistical division codes (统计用区划代码): 6 digits
for a county, 9 for a township, 12 for a village; each code starts with its
parent's. Object permissions (guardian) are granted on these rows; the
permission names below are the only region-scoped permissions in the project
and are written by ``workflows.core.permissions`` alone.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

ERR_CODE_PARENT = _("区划代码必须以上级区划代码 %(parent)s 开头。")


class County(models.Model):
    code = models.CharField(
        _("区划代码"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", _("县级区划代码为 6 位数字。"))],
    )
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("县（区）")
        verbose_name_plural = _("县（区）")
        ordering = ["code"]
        permissions = [
            ("view_county_cases", _("查看本县案件")),
            ("act_county_officer", _("县民政局经办（核对、超限审批、一事一议）")),
            ("act_county_reviewer", _("县级抽查复核")),
            ("audit_county", _("审计本县案件（只读）")),
        ]

    def __str__(self) -> str:
        return self.name


class Township(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="townships", verbose_name=_("县（区）"))
    code = models.CharField(
        _("区划代码"),
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^\d{9}$", _("乡镇级区划代码为 9 位数字。"))],
    )
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("乡镇（街道）")
        verbose_name_plural = _("乡镇（街道）")
        ordering = ["code"]
        permissions = [
            ("view_township_cases", _("查看本乡镇案件")),
            ("act_case_worker", _("乡镇经办人")),
            ("act_approver", _("乡镇审批人")),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.county_id and self.code and not self.code.startswith(self.county.code):
            raise ValidationError({"code": ERR_CODE_PARENT % {"parent": self.county.code}})


class Village(models.Model):
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="villages", verbose_name=_("乡镇（街道）")
    )
    code = models.CharField(
        _("区划代码"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", _("村级区划代码为 12 位数字。"))],
    )
    name = models.CharField(_("名称"), max_length=100)
    is_urban = models.BooleanField(_("城镇社区"), default=False, help_text=_("社区适用城市标准，村适用农村标准。"))

    class Meta:
        verbose_name = _("村（社区）")
        verbose_name_plural = _("村（社区）")
        ordering = ["code"]
        permissions = [
            ("view_village_cases", _("查看本村案件")),
            ("act_village_assistant", _("社会救助协理员")),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.township_id and self.code and not self.code.startswith(self.township.code):
            raise ValidationError({"code": ERR_CODE_PARENT % {"parent": self.township.code}})
