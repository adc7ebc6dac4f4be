"""Auditor pages: case timeline with replay, diff and flow diagram; case-file PDF.

Visible to whoever may see the case (``case_visible``: county auditors and
staff, the township's staff); anything else is a 404, as everywhere else
(``CaseScopeMiddleware`` already answers 404 for ``process_pk`` URLs; the
view checks again). Every page view and export is itself audited on the
viewer's chain ("viewer:<user pk>").
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import generic

from workflows.core.flows import case_visible

from . import display, selectors, services
from .forms import HistoryQueryForm
from .pdf import html_to_pdf


class CaseHistoryMixin:
    def get_process(self):
        process = selectors.visible_process(self.kwargs["process_pk"])
        if process is None or not case_visible(self.request.user, process):
            raise Http404("No case matches the given query.")
        return process


class CaseHistoryView(CaseHistoryMixin, generic.TemplateView):
    template_name = "history/case_history.html"

    def get_context_data(self, **kwargs):
        process = self.get_process()
        events = list(selectors.case_events(process))
        last = events[-1].seq if events else 0
        form = HistoryQueryForm(self.request.GET)
        params = form.cleaned_data if form.is_valid() else {}
        at = min(params.get("at") or last, last)
        state = selectors.replay(process, at, events=events)
        state_diff = None
        if params.get("from_seq") and params.get("to_seq"):
            before = selectors.replay(process, min(params["from_seq"], last), events=events)
            after = selectors.replay(process, min(params["to_seq"], last), events=events)
            changes = selectors.state_diff(before, after)
            state_diff = {
                "from": before.seq, "to": after.seq, "changes": changes, "rows": display.diff_rows(process, changes),
            }  # fmt: skip
        svg = selectors.flow_chart_svg(process, state if at != last else None)
        services.viewer_record(
            viewer=self.request.user,
            process=process,
            action="history.viewed",
            data={"at": at, "from": params.get("from_seq"), "to": params.get("to_seq")},
        )
        return super().get_context_data(
            process=process,
            events=[(e, selectors.action_label(e.action)) for e in events],
            state=state,
            objects=[
                (display.target_title(target), display.object_rows(target, fields))
                for target, fields in state.objects.items()
            ],
            tasks=[
                {
                    **task,
                    "pk": pk,
                    "title": selectors.node_title(process, task["node"]),
                    "owner_name": display.value_display("", "owner", task["owner"]) if task["owner"] else "",
                }
                for pk, task in state.tasks.items()
            ],
            state_diff=state_diff,
            chart_svg=mark_safe(svg),  # noqa: S308 - rendered by viewflow's own template from the flow definition
            path=selectors.path_taken(process),
            verification=selectors.case_verification(process),
            form=form,
            last=last,
            **kwargs,
        )


class CaseExportView(CaseHistoryMixin, generic.View):
    """The case file as PDF: timeline, decisions, evidence, chain verification."""

    def get(self, request, *args, **kwargs):
        process = self.get_process()
        events = list(selectors.case_events(process))
        verification = selectors.case_verification(process)
        services.viewer_record(
            viewer=request.user,
            process=process,
            action="history.exported",
            data={"events": len(events), "chain_ok": verification.ok},
        )
        html = render_to_string(
            "pdf/history/case_file.html",
            {
                "process": process,
                "events": [(e, selectors.action_label(e.action)) for e in events],
                "decisions": selectors.decisions(process, events),
                "evidence": selectors.evidence(events),
                "state": selectors.replay(process, events=events),
                "verification": verification,
                "path": selectors.path_taken(process),
                "exported_by": request.user,
                "full": False,
                "exported_at": timezone.now(),
            },
            request=request,
        )
        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        name = getattr(process, "case_number", None) or f"case-{process.pk}"
        response["Content-Disposition"] = f'attachment; filename="{name}-history.pdf"'
        return response
