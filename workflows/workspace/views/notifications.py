"""The staff notifications page (消息)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Process

from ..forms import TaskForm
from .lists import PAGE_SIZE

# --- notifications (消息) ------------------------------------------------------------------


def notification_list(request):
    """My notifications, newest first; opening the page leaves them unread until marked read
    (all, or one by following it). The opt-out settings below them."""
    from ..forms import NotificationSettingsForm
    from ..models import Notification, NotificationSettings

    current = NotificationSettings.objects.filter(user=request.user).first() or NotificationSettings(user=request.user)
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST, instance=current)
        if form.is_valid():
            form.save()
            messages.success(request, _("消息设置已保存。"))
            return redirect("workspace:notifications")
    else:
        form = NotificationSettingsForm(instance=current)
    page = Paginator(
        Notification.objects.filter(user=request.user).select_related("actor").order_by("-created_at", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "workspace/notifications.html", {"page": page, "form": form, "kind": "notifications"})


@require_POST
def notification_read(request):
    """Mark mine read: one (``pk``, then open its case) or all."""
    from .. import notifications
    from ..models import Notification

    pk = request.POST.get("pk")
    if pk:
        picked = TaskForm({"task": pk})
        if not picked.is_valid():
            raise Http404
        note = get_object_or_404(Notification, pk=picked.cleaned_data["task"], user=request.user)
        notifications.mark_read(user=request.user, pks=[note.pk])
        if note.process_id and Process.objects.filter(pk=note.process_id).exists():
            return redirect("workspace:case", process_pk=note.process_id)
        return redirect("workspace:notifications")
    notifications.mark_read(user=request.user)
    messages.success(request, _("已全部标为已读。"))
    return redirect("workspace:notifications")
