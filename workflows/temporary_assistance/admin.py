"""Read-only admin: decisions and payments change only through the flow's services."""

from django.contrib import admin

from .models import Payment, TemporaryAssistanceProcess


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TemporaryAssistanceProcess)
class TemporaryAssistanceProcessAdmin(ReadOnlyAdmin):
    list_display = ["case_number", "township", "kind", "cause", "tier", "requested_amount", "approved_amount"]
    list_filter = ["tier", "kind", "assist_first", "township"]
    search_fields = ["case_number"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["process", "seq", "amount", "source", "paid_at", "reversed_amount"]
    list_filter = ["source"]
