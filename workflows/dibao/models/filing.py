"""What filing stores and reads: the uploaded materials and the staff-relative register (MSL 11)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import _user_fk
from .process import DibaoProcess


class Attachment(models.Model):
    """An uploaded application material (pdf/jpg/png, size-limited)."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("申请书")
        ID_CARDS = "id_cards", _("身份证、户口簿")
        INCOME_PROOF = "income_proof", _("收入证明")
        ENTRUSTMENT = "entrustment", _("委托书")
        OTHER = "other", _("其他材料")

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("案件")
    )
    kind = models.CharField(_("材料类别"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="dibao/attachments/%Y/%m/")
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = _user_fk(_("上传人"))

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self):
        return f"{self.get_kind_display()} {self.file.name}"


class StaffKinRecord(models.Model):
    """One line of the county's register of staff and their near relatives (MSL 11):
    a village-committee member, township staff member or case handler, and either one
    relative they declared or (relation "self", no relative) the person alone.

    Kept flat, one row per staff person and relation, rather than a person table with a
    relatives table: a row is exactly one line of the import file, so re-importing a file
    updates the same rows (county + staff ID + relative ID), and the matching at filing
    stays one query over two indexed columns. Maintained only through
    ``workflows.dibao.register`` (audited)."""

    class Position(models.TextChoices):
        CASE_HANDLER = "case_handler", _("经办人员")
        VILLAGE_COMMITTEE = "village_committee", _("村（居）委会成员")
        TOWNSHIP_STAFF = "township_staff", _("乡镇（街道）工作人员")

    class Relation(models.TextChoices):
        SELF = "self", _("本人")
        SPOUSE = "spouse", _("配偶")
        PARENT = "parent", _("父母")
        CHILD = "child", _("子女")
        SIBLING = "sibling", _("兄弟姐妹")
        GRANDPARENT = "grandparent", _("祖父母、外祖父母")
        GRANDCHILD = "grandchild", _("孙子女、外孙子女")

    # The county owns the register (county officers maintain it); township and village say
    # where the person works, as precisely as known.
    county = models.ForeignKey("core.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(
        "core.Township", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇")
    )
    village = models.ForeignKey(
        "core.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("村（社区）"),
    )  # fmt: skip
    staff_name = models.CharField(_("工作人员姓名"), max_length=50)
    staff_id_number = models.CharField(_("工作人员身份证号码"), max_length=18, blank=True, db_index=True)
    staff_user = _user_fk(_("系统账号"))
    position = models.CharField(_("职务类别"), max_length=24, choices=Position.choices)
    relative_name = models.CharField(_("亲属姓名"), max_length=50, blank=True)
    relative_id_number = models.CharField(_("亲属身份证号码"), max_length=18, blank=True, db_index=True)
    relation = models.CharField(_("关系"), max_length=16, choices=Relation.choices)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = _user_fk(_("更新人"))

    class Meta:
        verbose_name = _("工作人员近亲属名录")
        verbose_name_plural = _("工作人员近亲属名录")
        ordering = ["staff_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "staff_id_number", "relative_id_number"],
                condition=~models.Q(staff_id_number=""),
                name="staffkin_one_line_per_relation",
            )
        ]

    def __str__(self):
        if self.relation == self.Relation.SELF:
            return f"{self.staff_name} · {self.get_relation_display()}"
        return f"{self.staff_name} · {self.get_relation_display()} {self.relative_name}"

    def save(self, *args, **kwargs):
        # The region is given as precisely as known; the coarser levels follow from it.
        if self.village_id and not self.township_id:
            self.township = self.village.township
        if self.township_id and not self.county_id:
            self.county = self.township.county
        super().save(*args, **kwargs)
