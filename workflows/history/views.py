"""Auditor pages: case timeline with replay, diff and flow diagram; case-file PDF.

Visible to whoever may see the case (``case_visible``: county auditors and
staff, the township's staff); anything else is a 404, as everywhere else
(``CaseScopeMiddleware`` already answers 404 for ``process_pk`` URLs; the
view checks again). Every page view and export is itself audited on the
viewer's chain ("viewer:<user pk>").
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views import generic

from workflows.core.flows import case_readable, case_visible
from workflows.core.models import County
from workflows.core.pii import PiiKind, pii_access_record
from workflows.core.scope import regions_where

from . import case_file, display, selectors, services
from .forms import FullExportForm, HistoryQueryForm
from .pdf import html_to_pdf


class CaseHistoryMixin:
    # the replay page also opens to a read-only share of the case (``case_readable``); exports do not
    allow_read_only_share = False

    def get_process(self):
        process = selectors.visible_process(self.kwargs["process_pk"])
        may_see = case_readable if self.allow_read_only_share else case_visible
        if process is None or not may_see(self.request.user, process):
            raise Http404("No case matches the given query.")
        return process


class CaseHistoryView(CaseHistoryMixin, generic.TemplateView):
    template_name = "history/case_history.html"
    allow_read_only_share = True

    def get(self, request, *args, **kwargs):
        # Rendered here, inside the names memo: the template's rows name people too.
        with display.names_remembered():
            return super().get(request, *args, **kwargs).render()

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
            full_export_form=FullExportForm() if is_county_auditor(self.request.user, process) else None,
            **kwargs,
        )


ERR_FULL_EXPORT_AUDITORS_ONLY = _("只有本县审计人员可以导出完整案卷。")


def is_county_auditor(user, process) -> bool:
    """Whether ``user`` audits the case's county (the only role that may see full ID numbers)."""
    county_id = getattr(process, "county_id", None)
    return county_id is not None and regions_where(user, "audit_county", County).filter(pk=county_id).exists()


class CaseExportView(CaseHistoryMixin, generic.View):
    """The case file (案卷) as PDF, masked (GET), or full with ID numbers (POST, county
    auditors only, with a reason that is recorded with the export)."""

    def dispatch(self, request, *args, **kwargs):
        with display.names_remembered():  # the case file names the same staff on many rows
            return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        process = self.get_process()
        return self.export(process, full=False)

    def post(self, request, *args, **kwargs):
        process = self.get_process()
        if not is_county_auditor(request.user, process):
            raise PermissionDenied(ERR_FULL_EXPORT_AUDITORS_ONLY)
        form = FullExportForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("reason", []):
                messages.error(request, error)
            return redirect(reverse("history:case", args=[process.pk]) + "#full-export")
        return self.export(process, full=True, reason=form.cleaned_data["reason"])

    def export(self, process, *, full: bool, reason: str = ""):
        request = self.request
        context = case_file.case_file_context(process, full=full)
        prepared = case_file.prepare(case_file.appendices(context))
        verification = context["verification"]
        data = {"events": len(context["events"]), "chain_ok": verification.ok, "full": full}
        if full:
            # Full ID numbers leave the server: one entry in the personal-data access log on
            # the case's own chain (the case's replay shows it), besides the auditor's chain.
            pii_access_record(
                actor=request.user,
                case=process,
                kind=PiiKind.ID_NUMBER,
                fields=["members.id_number"],
                reason=reason,
                export=True,
            )
            services.viewer_record(
                viewer=request.user,
                process=process,
                action="history.case_file_full_export",
                data={**data, "reason": reason},
            )
        else:
            services.viewer_record(viewer=request.user, process=process, action="history.exported", data=data)
        html = render_to_string(
            "pdf/history/case_file.html",
            {
                **context,
                "appendices": [appendix for appendix, _reader in prepared],
                "exported_by": request.user,
                "exported_at": timezone.now(),
            },
            request=request,
        )
        response = HttpResponse(case_file.merge(html_to_pdf(html), prepared), content_type="application/pdf")
        name = getattr(process, "case_number", None) or f"case-{process.pk}"
        suffix = "case-file-full" if full else "history"
        response["Content-Disposition"] = f'attachment; filename="{name}-{suffix}.pdf"'
        return response
