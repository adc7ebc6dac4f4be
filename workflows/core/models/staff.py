"""Who holds which role where (domain.md §1).

An assignment is the *source of truth* for a user's region-scoped rights; the
guardian object permissions are derived from the active assignments by
``workflows.core.permissions.assignment_grant / assignment_revoke`` and never
written anywhere else.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .regions import County, Township, Village


class Role(models.TextChoices):
    VILLAGE_ASSISTANT = "village_assistant", _("社会救助协理员")
    CASE_WORKER = "case_worker", _("乡镇经办人")
    APPROVER = "approver", _("乡镇审批人")
    COUNTY_OFFICER = "county_officer", _("县民政局经办人")
    COUNTY_REVIEWER = "county_reviewer", _("县级抽查人员")
    AUDITOR = "auditor", _("审计/纪检人员")
    ADMINISTRATOR = "administrator", _("系统管理员")


class Scope(models.TextChoices):
    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    COUNTY = "county", _("县（区）")
    SYSTEM = "system", _("全系统")


ROLE_SCOPE: dict[str, Scope] = {
    Role.VILLAGE_ASSISTANT: Scope.VILLAGE,
    Role.CASE_WORKER: Scope.TOWNSHIP,
    Role.APPROVER: Scope.TOWNSHIP,
    Role.COUNTY_OFFICER: Scope.COUNTY,
    Role.COUNTY_REVIEWER: Scope.COUNTY,
    Role.AUDITOR: Scope.COUNTY,
    Role.ADMINISTRATOR: Scope.SYSTEM,
}

ERR_SCOPE_MISMATCH = _("角色“%(role)s”只能分配到%(scope)s。")


class StaffAssignmentQuerySet(models.QuerySet["StaffAssignment"]):
    def active(self) -> "StaffAssignmentQuerySet":
        return self.filter(revoked_at__isnull=True)


class StaffAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff_assignments",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    county = models.ForeignKey(County, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("县（区）"))
    township = models.ForeignKey(
        Township, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("乡镇（街道）")
    )
    village = models.ForeignKey(Village, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("村（社区）"))
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("授予人"),
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤销人"),
    )

    objects = StaffAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("岗位分配")
        verbose_name_plural = _("岗位分配")
        indexes = [models.Index(fields=["user", "revoked_at"])]
        constraints = [
            # At most one region column is set, matching the role's scope
            # (checked in clean(); the DB guards the "at most one" part).
            models.CheckConstraint(
                name="staffassignment_one_region",
                condition=(
                    models.Q(county__isnull=True, township__isnull=True)
                    | models.Q(county__isnull=True, village__isnull=True)
                    | models.Q(township__isnull=True, village__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region or '-'}"

    @property
    def scope(self) -> str:
        return ROLE_SCOPE[self.role]

    @property
    def region(self) -> Village | Township | County | None:
        return self.village or self.township or self.county

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def clean(self) -> None:
        scope = ROLE_SCOPE.get(self.role)
        if scope is None:
            return  # not a role at all: the field's choices refuse it
        expected = {
            Scope.VILLAGE: (False, False, True),
            Scope.TOWNSHIP: (False, True, False),
            Scope.COUNTY: (True, False, False),
            Scope.SYSTEM: (False, False, False),
        }[scope]
        actual = (self.county_id is not None, self.township_id is not None, self.village_id is not None)
        if actual != expected:
            raise ValidationError(ERR_SCOPE_MISMATCH % {"role": self.get_role_display(), "scope": Scope(scope).label})
