"""Admin pages that show case data are scoped like every other page.

Use ``ScopedAdminMixin`` first in the bases of any ``ModelAdmin`` whose model
carries a case's regions (``township``/``village`` columns, directly or
through a relation named by ``scope_prefix``)::

    @admin.register(DibaoProcess)
    class DibaoProcessAdmin(ScopedAdminMixin, admin.ModelAdmin):
        ...

    @admin.register(Payment)
    class PaymentAdmin(ScopedAdminMixin, admin.ModelAdmin):
        scope_prefix = "process__dibaoprocess__"

Superusers see everything; any other staff user sees only rows in their
regions. An out-of-scope object's change page then behaves exactly like a
non-existent one (Django's "does not exist" redirect), so its existence is
not revealed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from .scope import user_scope


class ScopedAdminMixin:
    scope_prefix = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]  # a mixin: ModelAdmin supplies it
        if request.user.is_superuser:
            return qs
        return qs.filter(user_scope(request.user).case_filter(prefix=self.scope_prefix))


class ReadOnlyAdminMixin:
    """For records that change only through their services (checks, ledgers, payments,
    audit): no add, change or delete in the admin, for superusers too; the change page
    shows the record read-only."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
