"""Read-only admin: decisions and payments change only through the flow's services."""

from django.contrib import admin

from workflows.core.admin_mixins import ReadOnlyAdminMixin

from .models import Payment, TemporaryAssistanceProcess


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(TemporaryAssistanceProcess)
class TemporaryAssistanceProcessAdmin(ReadOnlyAdmin):
    list_display = ["case_number", "township", "kind", "cause", "tier", "requested_amount", "approved_amount"]
    list_filter = ["tier", "kind", "assist_first", "township"]
    search_fields = ["case_number"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["process", "seq", "amount", "source", "paid_at", "reversed_amount"]
    list_filter = ["source"]
