"""The case worker's pages: the manual-document task and the discrepancy view."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView
from viewflow.workflow.models import Process

from workflows.core.flows import case_visible, coerce
from workflows.core.views import CaseTaskFormView

from . import means_test as mt
from . import services
from .forms import ObtainDocumentsForm
from .models import FinanceCheckProcess
from .selectors import evidence_of
from .sources import Source


class ObtainDocumentsView(CaseTaskFormView):
    form_class = ObtainDocumentsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sources": services.unavailable_sources(self.process)}

    def perform(self, form):
        for source, data in form.per_source():
            services.evidence_record_manual(check=self.process, source=source, actor=self.request.user, **data)


class DiscrepancyView(TemplateView):
    """Declared versus found income and assets, side by side (404 outside the user's regions)."""

    template_name = "finance_check/discrepancies.html"

    def get_context_data(self, **kwargs):
        check = get_object_or_404(
            FinanceCheckProcess.objects.select_related("household", "township"), pk=kwargs["process_pk"]
        )
        if not case_visible(self.request.user, check):
            raise Http404("No check matches the given query.")
        inp = services.means_test_input(check)
        labels = {s: str(Source(s).label) for s in Source.values}
        income_rows = [
            {
                "line": line,
                "kind_label": mt.kind_label(line.kind),
                "sources": "、".join(labels.get(s, s) for s in line.sources),
                "state": _state(line.declared, line.found),
            }
            for line in mt.income_lines(inp)
        ]
        asset_rows = [
            {
                "line": line,
                "kind_label": mt.kind_label(line.kind),
                "sources": "、".join(labels.get(s, s) for s in line.sources),
                "state": _state(line.declared, line.found)
                if line.financial
                else _state(line.declared_count, line.found_count),
            }
            for line in mt.asset_lines(inp)
        ]
        result = mt.MeansTestResult.from_json(check.result) if check.result else None
        head = check.household.head
        return {
            **super().get_context_data(**kwargs),
            "check": check,
            "applicant": head.name if head else "",
            "source_case": _source_case(check.case_ref),
            "income_rows": income_rows,
            "asset_rows": asset_rows,
            "evidence": evidence_of(check),
            "result": result,
            "unavailable": [labels[s] for s in services.unavailable_sources(check)],
        }


def _source_case(case_ref: str) -> str:
    """The requesting case by its case number: ``case_ref`` is "<programme>:<process pk>"
    (``"dibao:16"``), which means nothing to a case worker."""
    _programme, _sep, pk = case_ref.partition(":")
    process = Process.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    return (getattr(coerce(process), "case_number", "") if process else "") or case_ref


def _state(declared, found) -> str:
    """higher: the registry found more (highlighted red); lower: less but something (amber);
    unreported: nothing reported (registries do not see informal income); same."""
    if not found and declared:
        return "unreported"
    if found > declared:
        return "higher"
    if found < declared:
        return "lower"
    return "same"
