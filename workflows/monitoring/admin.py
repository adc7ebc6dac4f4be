"""The county's handling times (a versioned rule, entered like every rule version) and a
read-only view of the signals; the full ID number stays off the admin (only masked)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflows.core.admin import RuleVersionAdmin
from workflows.core.admin_mixins import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import MonitoringRule, Signal


@admin.register(MonitoringRule)
class MonitoringRuleAdmin(RuleVersionAdmin):
    list_display = ["county", "effective_from", "death_days", "hospitalisation_days", "village_report_days"]


@admin.register(Signal)
class SignalAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "township", "masked", "occurred_on", "due_on", "status", "handling"]
    list_filter = ["kind", "status", "county"]
    exclude = ["id_number"]
    list_select_related = ["township"]

    @admin.display(description=_("身份证号码"))
    def masked(self, obj):
        return obj.masked_id
