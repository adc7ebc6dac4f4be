"""Letters and notices whose render failed after every retry (issue 19 item 1): the office
sees them and asks again."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Process

from workflows.core.flows import case_visible

from .. import selectors
from ..forms import TaskForm


def document_failures(request):
    """文书生成失败: letters and notices of my cases that could not be rendered after every retry."""
    return render(
        request,
        "workspace/document_failures.html",
        {"rows": selectors.failed_documents(request.user), "kind": "document_failures"},
    )


@require_POST
def document_retry(request):
    """Ask again for a failed document; back to the case or to the list (``next``)."""
    from workflows.documents.models import PendingDocument
    from workflows.documents.services import document_render_retry

    picked = TaskForm({"task": request.POST.get("pk")})
    if not picked.is_valid():
        raise Http404
    row = PendingDocument.objects.filter(pk=picked.cleaned_data["task"]).first()
    process = Process.objects.filter(pk=row.process_id).first() if row else None
    if process is None or not case_visible(request.user, process):
        raise Http404
    try:
        document_render_retry(pending=row, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("已重新提交生成，稍后刷新查看。"))
    if request.POST.get("next") == "case":
        return redirect("workspace:case", process_pk=row.process_id)
    return redirect("workspace:document_failures")
