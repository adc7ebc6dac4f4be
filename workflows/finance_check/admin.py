"""Read-only admin: checks and their evidence are changed only by the flow."""

from django.contrib import admin

from workflows.core.admin_mixins import ReadOnlyAdminMixin

from .models import FinanceCheckProcess, RegistryEvidence


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


class EvidenceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RegistryEvidence
    fields = ["source", "status", "attempts", "requested_at", "responded_at", "http_status", "raw_sha256", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(FinanceCheckProcess)
class FinanceCheckAdmin(ReadOnlyAdmin):
    list_display = ["case_number", "case_ref", "purpose", "township", "outcome", "created"]
    list_filter = ["purpose", "outcome", "township"]
    search_fields = ["case_number", "case_ref"]
    inlines = [EvidenceInline]


@admin.register(RegistryEvidence)
class RegistryEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["check_process", "source", "status", "attempts", "requested_at", "responded_at", "raw_sha256"]
    list_filter = ["source", "status"]
