"""Admin: the ledger is read-only for everyone, including superusers.

Entries are written only by ``workflows.funds.services``; a correction is a
reversal entry, never an edit. Change and delete pages answer 403.
"""

from django.contrib import admin

from workflows.core.admin_mixins import ReadOnlyAdminMixin

from .models import FundEntry, ReserveFund


class _ReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(ReserveFund)
class ReserveFundAdmin(_ReadOnly):
    list_display = ["township", "budget_year", "balance"]
    list_filter = ["budget_year", "township__county"]


@admin.register(FundEntry)
class FundEntryAdmin(_ReadOnly):
    list_display = ["created_at", "fund", "kind", "amount", "balance_after", "case_number", "actor"]
    list_filter = ["kind", "fund__budget_year", "fund__township"]
    search_fields = ["case_number", "reason"]
    list_select_related = ["fund__township", "actor"]
