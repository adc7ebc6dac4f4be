"""Admin for regions, staff assignments and versioned rules.

Assignments are granted and revoked through the permissions service so the
guardian permissions follow; rule versions already in force are read-only;
the audit log is read-only for everyone.
"""

from __future__ import annotations

import datetime
from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import models
from .access import request_staff
from .admin_mixins import ReadOnlyAdminMixin
from .audit import audit_record, diff
from .lockout import account_unlock
from .models.rules import LowIncomeRule, RigidExpenseRule, RuleVersion, SinglePersonHouseholdRule
from .models.staff import StaffAssignmentQuerySet
from .otp import second_factor_reset
from .permissions import assignment_grant, assignment_revoke
from .rule_versions import rule_version_change, rule_version_create, rule_version_withdraw
from .working_days import recompute_deadlines


@admin.register(models.County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(models.Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "county"]
    list_filter = ["county"]
    search_fields = ["code", "name"]


@admin.register(models.Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "township", "is_urban"]
    list_filter = ["township__county", "township"]
    search_fields = ["code", "name"]


@admin.register(models.StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "county", "township", "village", "granted_at", "revoked_at"]
    list_filter = ["role", "revoked_at"]
    search_fields = ["user__username"]
    actions = ["revoke"]
    fields = ["user", "role", "county", "township", "village"]

    def has_change_permission(self, request: HttpRequest, obj: models.StaffAssignment | None = None) -> bool:
        # An assignment is granted or revoked, never edited in place.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: models.StaffAssignment | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: models.StaffAssignment, form: ModelForm[Any], change: bool) -> None:
        region = obj.village or obj.township or obj.county
        saved = assignment_grant(user=obj.user, role=obj.role, region=region, actor=request_staff(request))
        obj.pk = saved.pk

    @admin.action(description=_("撤销所选岗位分配"))
    def revoke(self, request: HttpRequest, queryset: StaffAssignmentQuerySet) -> None:
        for assignment in queryset.active():
            assignment_revoke(assignment=assignment, actor=request_staff(request))
        messages.success(request, _("已撤销。"))


class RuleVersionAdmin(admin.ModelAdmin):
    """A version is entered effective today or later; one in force is read-only and is
    corrected by a new version (the "新增更正版本" link pre-fills one); one not yet in
    force may be changed or withdrawn. Every write goes through ``core.rule_versions``."""

    list_filter = ["county"]
    date_hierarchy = "effective_from"

    def get_readonly_fields(self, request: HttpRequest, obj: RuleVersion | None = None) -> list[str]:
        if obj is not None and obj.is_in_force_or_past:
            return [f.name for f in self.model._meta.fields] + ["correction_link"]
        return ["created_at", "created_by"]

    def get_exclude(self, request: HttpRequest, obj: RuleVersion | None = None) -> list[str] | tuple[str, ...] | None:
        # A correction is a new version: an existing one never gains or loses "corrects".
        if obj is not None and not obj.is_in_force_or_past:
            return ["corrects", "correction_reason"]
        return super().get_exclude(request, obj)

    @admin.display(description=_("更正"))
    def correction_link(self, obj: RuleVersion) -> SafeString:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_add")
        return format_html('<a class="button" href="{}?corrects={}">{}</a>', url, obj.pk, _("新增更正版本"))

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        corrected = self.model._default_manager.filter(pk=request.GET.get("corrects") or None).first()
        if corrected is not None:
            # Start from the figures in force: the administrator changes only what was wrong.
            skip = {"id", "effective_from", "created_at", "created_by", "corrects", "correction_reason", "note"}
            for field in self.model._meta.fields:
                if field.name not in skip:
                    initial[field.name] = field.value_from_object(corrected)
            initial["corrects"] = corrected.pk
            initial["effective_from"] = timezone.localdate()
        return initial

    def has_delete_permission(self, request: HttpRequest, obj: RuleVersion | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_in_force_or_past)

    def save_model(self, request: HttpRequest, obj: RuleVersion, form: ModelForm[Any], change: bool) -> None:
        if change:
            old = {f: form.initial.get(f) for f in form.changed_data}
            rule_version_change(version=obj, old=old, actor=request_staff(request))
        else:
            rule_version_create(version=obj, actor=request_staff(request))

    def delete_model(self, request: HttpRequest, obj: RuleVersion) -> None:
        rule_version_withdraw(version=obj, actor=request_staff(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RuleVersion]) -> None:
        for version in queryset:
            try:
                rule_version_withdraw(version=version, actor=request_staff(request))
            except ValidationError as exc:
                messages.error(request, f"{version}: {' '.join(exc.messages)}")


@admin.register(models.DibaoStandard)
class DibaoStandardAdmin(RuleVersionAdmin):
    list_display = ["county", "area", "amount", "period", "effective_from", "note"]


@admin.register(models.AssetLimit)
class AssetLimitAdmin(RuleVersionAdmin):
    list_display = ["county", "financial_assets_per_capita", "vehicles_allowed", "effective_from"]


@admin.register(models.TemporaryAssistanceRule)
class TemporaryAssistanceRuleAdmin(RuleVersionAdmin):
    list_display = ["county", "township_limit", "max_payments_per_year", "effective_from"]


@admin.register(models.SamplingRule)
class SamplingRuleAdmin(RuleVersionAdmin):
    list_display = ["county", "ratio", "period", "effective_from"]


class DibaoAmountBandFormSet(BaseInlineFormSet):
    """The band table as a whole (MSL 23): from 0, contiguous, no overlap, last open-ended;
    no bands under the gap method. Per-row errors stay with the row's fields."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = [form.cleaned_data for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        errors = models.DibaoAmountRule.band_errors(rows, method=self.instance.method)
        if errors:
            raise ValidationError(errors)


class DibaoAmountBandInline(admin.TabularInline):
    model = models.DibaoAmountBand
    formset = DibaoAmountBandFormSet
    fields = ["gap_over", "gap_up_to", "amount_per_person"]
    extra = 0

    def _editable(self, obj: models.DibaoAmountRule | None) -> bool:
        return obj is None or not obj.is_in_force_or_past

    def has_add_permission(self, request: HttpRequest, obj: models.DibaoAmountRule | None = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: models.DibaoAmountRule | None = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: models.DibaoAmountRule | None = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(models.DibaoAmountRule)
class DibaoAmountRuleAdmin(RuleVersionAdmin):
    list_display = ["county", "area", "method", "effective_from", "note"]
    inlines = [DibaoAmountBandInline]

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: list[BaseFormSet], change: bool
    ) -> None:
        before = [str(b) for b in form.instance.bands.all()] if change else []
        super().save_related(request, form, formsets, change)
        after = [str(b) for b in form.instance.bands.all()]
        if before != after:
            audit_record(
                action="config.bands",
                target=form.instance,
                actor=request_staff(request),
                chain=f"config:{form.instance._meta.label_lower}",
                changes={"bands": [before, after]},
                data={"county": form.instance.county_id, "effective_from": form.instance.effective_from},
            )


@admin.register(models.TekunSupportRule)
class TekunSupportRuleAdmin(RuleVersionAdmin):
    list_display = ["county", "standard_factor", "effective_from", "note"]


@admin.register(models.CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The State Council schedule, day by day; every change moves the stored deadlines it
    affects (one case-history event per case that moved)."""

    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: models.CalendarDay, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            action="calendar.change" if change else "calendar.create",
            target=obj,
            actor=request_staff(request),
            chain="config:calendar",
            changes=diff({f: form.initial.get(f) for f in form.changed_data} if change else {}, form.cleaned_data),
        )
        old_date = form.initial.get("date") if change else None
        self._recompute(request, str(obj), min(d for d in (obj.date, old_date) if d is not None))

    def delete_model(self, request: HttpRequest, obj: models.CalendarDay) -> None:
        self._delete_audited(request, [obj])
        self._recompute(request, str(obj), obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[models.CalendarDay]) -> None:
        days = list(queryset)
        if not days:
            return
        self._delete_audited(request, days)
        self._recompute(request, "、".join(str(d) for d in days), min(d.date for d in days))

    def _delete_audited(self, request: HttpRequest, days: list[models.CalendarDay]) -> None:
        for day in days:
            old = {"date": day.date, "kind": day.kind, "name": day.name, "source": day.source}
            audit_record(
                action="calendar.delete",
                target=day,
                actor=request_staff(request),
                chain="config:calendar",
                changes=diff(old, {}),
            )
            day.delete()

    def _recompute(self, request: HttpRequest, change: str, since: datetime.date) -> None:
        reason = _("节假日安排调整：%(change)s") % {"change": change}
        moved = recompute_deadlines(since=since, actor=request_staff(request), reason=reason)
        if moved:
            self.message_user(
                request, _("已按新的节假日安排重新计算 %(n)d 个案件的办理期限。") % {"n": moved}, messages.INFO
            )


@admin.register(models.CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Marks a year's schedule as complete: deadlines ending in it stop being provisional.
    Add the year here after entering all its holidays and make-up working days."""

    list_display = ["year", "source", "loaded_at"]
    fields = ["year", "source"]

    def save_model(self, request: HttpRequest, obj: models.CalendarYear, form: ModelForm[Any], change: bool) -> None:
        old = {f: form.initial.get(f) for f in form.changed_data} if change else {}
        super().save_model(request, obj, form, change)
        audit_record(
            action="calendar.year_change" if change else "calendar.year_loaded",
            target=obj,
            actor=request_staff(request),
            chain="config:calendar",
            changes=diff(old, {"year": obj.year, "source": obj.source}),
        )

    def delete_model(self, request: HttpRequest, obj: models.CalendarYear) -> None:
        audit_record(
            action="calendar.year_removed",
            target=obj,
            actor=request_staff(request),
            chain="config:calendar",
            changes=diff({"year": obj.year, "source": obj.source}, {}),
        )
        super().delete_model(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: models.CalendarYear | None = None) -> bool:
        # one at a time, so every removal is audited (the bulk action would skip delete_model)
        return super().has_delete_permission(request, obj) and obj is not None


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["chain", "seq", "occurred_at", "action", "actor", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["chain", "target_id"]


@admin.register(RigidExpenseRule)
class RigidExpenseRuleAdmin(RuleVersionAdmin):
    """Which essential spending the county deducts and the monthly caps (MSL 13)."""

    list_display = [
        "county",
        "effective_from",
        "illness_deductible",
        "illness_monthly_cap",
        "disability_deductible",
        "disability_monthly_cap",
        "education_deductible",
        "note",
    ]


@admin.register(SinglePersonHouseholdRule)
class SinglePersonHouseholdRuleAdmin(RuleVersionAdmin):
    """Whether the county enrols a disabled or seriously ill member alone, and the multiple (domain.md §8)."""

    list_display = ["county", "effective_from", "enabled", "income_multiple", "note"]


@admin.register(LowIncomeRule)
class LowIncomeRuleAdmin(RuleVersionAdmin):
    """低收入家庭认定 (LB24): the near-dibao multiple, the asset limits, the spending-hardship line."""

    list_display = ["county", "effective_from", "income_multiple", "spending_hardship_income_line", "note"]


class StaffUserAdmin(UserAdmin):
    # The parent's class-level list; mypy cannot tell which model a generic class attribute is for.
    actions = [*(UserAdmin.actions or []), "unlock_sign_in", "reset_second_factor"]  # type: ignore[misc]

    @admin.action(description=_("解除所选账号的登录锁定"), permissions=["change"])
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        unlocked = [user for user in queryset if account_unlock(user=user, actor=request_staff(request))]
        if unlocked:
            names = "、".join(u.get_full_name() or u.get_username() for u in unlocked)
            messages.success(request, _("已解除登录锁定：%(names)s。") % {"names": names})
        else:
            messages.info(request, _("所选账号没有登录失败记录，无需解除。"))

    @admin.action(description=_("重置所选账号的两步验证（手机丢失时）"), permissions=["change"])
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        reset = [user for user in queryset if second_factor_reset(user=user, actor=request_staff(request))]
        if reset:
            names = "、".join(u.get_full_name() or u.get_username() for u in reset)
            messages.success(request, _("已重置两步验证：%(names)s。下次登录时需重新绑定。") % {"names": names})
        else:
            messages.info(request, _("所选账号没有绑定两步验证，无需重置。"))


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)

# django-otp's own admin pages would show authenticator secrets and delete devices
# unaudited: devices are reset only through the audited action above.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


class AuditedAccessAttemptAdmin(ReadOnlyAdminMixin, AccessAttemptAdmin):
    """Axes' failure records, read-only: deleting one would unlock an account without an
    audit row; administrators unlock through the user list's action instead."""


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AuditedAccessAttemptAdmin)
