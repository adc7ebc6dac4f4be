"""Pagination that picks a page's rows before it joins their display columns.

A per-flow task list (inbox, queue, archive) loads each row's case with the row
(``select_related``). Sliced as it is, the statement joins the process and case of
*every* matching task, then sorts and cuts 20: at 1 M cases a case worker's inbox joined
589 rows and their process JSON to show 20 (53 ms; the ids alone in 7 ms), and the
archive ~16,500. ``LimitFirstPaginator`` keeps the page's statement count and rows but
puts the filter, order and LIMIT in a subquery of ids; only those rows are joined
(issue 19 item 4: "join display columns after the LIMIT").
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def limit_first(queryset: Any, bottom: int, top: int) -> Any:
    """``queryset[bottom:top]``, the same rows in the same order, with the rows chosen by an
    ids subquery (filter, order, LIMIT) before the ``select_related`` joins. A queryset
    without joins to defer, or with what an ids subquery cannot carry (annotations, distinct,
    a union), is sliced as it is."""
    if not isinstance(queryset, QuerySet):
        return queryset[bottom:top]
    query = queryset.query
    if not query.select_related or query.annotations or query.distinct or query.combinator or query.is_sliced:
        return queryset[bottom:top]
    ids = queryset.select_related(None).values("pk")[bottom:top]
    page = queryset.model._default_manager.filter(pk__in=ids)
    page.query.select_related = copy.deepcopy(query.select_related)
    if query.order_by:
        page = page.order_by(*query.order_by)
    return page


class LimitFirstPaginator(Paginator):
    """Django's paginator (same count, same page numbers and orphans) whose pages come from
    ``limit_first``."""

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        # Paginator._get_page is Django's hook for the Page class (django-stubs does not declare it).
        return self._get_page(limit_first(self.object_list, bottom, top), number, self)  # type: ignore[attr-defined]
