"""Staff pages: refer a case's household, enter a department's answer, record a case
conference, close a follow-up, and the township's referral list (domain.md §8, SAI 60).

Case URLs carry ``process_pk``, so ``CaseScopeMiddleware`` answers 404 outside the user's
regions before any view runs; referrals and follow-ups outside the user's townships are 404
here too, and the acting right is the service's (``workflows.core.access``), shown as 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process

from workflows.core.access import access_case, holds
from workflows.core.flows import coerce
from workflows.core.scope import user_scope

from . import selectors, services
from .forms import ActionFormSet, AnswerForm, CloseForm, ConferenceForm, ReferralForm
from .models import ConferenceAction, Referral

PAGE_SIZE = 50


def _next(request) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


def _case_page(request, process_pk: int) -> str:
    """Back to where the user came from (``next``), else the case workspace."""
    target = _next(request)
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("workspace:case", args=[process_pk])


def _errors(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def referral_new(request, process_pk: int):
    process = coerce(get_object_or_404(Process, pk=process_pk))
    access_case(request.user, process, "act_case_worker", error=services.ERR_NOT_CASE_WORKER)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(process=process, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(
                request,
                _("已转介至%(department)s，答复期限 %(due)s。")
                % {"department": referral.get_department_display(), "due": f"{referral.due_on:%Y-%m-%d}"},
            )
            return redirect(_case_page(request, process.pk))
    return render(request, "cooperation/referral_form.html", {"process": process, "form": form, "next": _next(request)})


def _visible_referral(user, pk: int) -> Referral:
    referral = Referral.objects.select_related("township", "household").filter(pk=pk).first()
    if referral is None or referral.township_id not in user_scope(user).township_ids:
        raise Http404("No referral matches the given query.")
    return referral


def referral_answer(request, pk: int):
    referral = _visible_referral(request.user, pk)
    if not holds(request.user, "act_case_worker", township=referral.township_id):
        raise PermissionDenied(services.ERR_MAY_NOT_ANSWER)
    form = AnswerForm(request.POST or None, initial={"answered_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_answer(referral=referral, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已登记部门答复。"))
            return redirect(_case_page(request, referral.process_id))
    return render(
        request, "cooperation/referral_answer.html", {"referral": referral, "form": form, "next": _next(request)}
    )


def conference_new(request, process_pk: int):
    from workflows.temporary_assistance.models import TemporaryAssistanceProcess

    process = coerce(get_object_or_404(Process, pk=process_pk))
    if not isinstance(process, TemporaryAssistanceProcess):
        raise Http404("Case conferences are recorded on temporary-assistance cases.")
    if not (holds(request.user, "act_case_worker", township=process.township_id)
            or holds(request.user, "act_approver", township=process.township_id)):  # fmt: skip
        raise PermissionDenied(services.ERR_NOT_TOWNSHIP_STAFF)
    data = request.POST if request.method == "POST" else None
    form = ConferenceForm(data, initial={"held_on": timezone.localdate(), "departments": ["civil_affairs"]})
    actions = ActionFormSet(data, prefix="actions")
    if data is not None and form.is_valid() and actions.is_valid():
        typed = [a for a in (f.action() for f in actions.forms) if a is not None]
        try:
            services.conference_record(process=process, actions=typed, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已记录个案会商。"))
            return redirect(_case_page(request, process.pk))
    above, _several = services.conference_grounds(process, [])
    return render(
        request,
        "cooperation/conference_form.html",
        {"process": process, "form": form, "actions": actions, "above_limit": above, "next": _next(request)},
    )


def action_close(request, pk: int):
    action = ConferenceAction.objects.select_related("conference").filter(pk=pk).first()
    if action is None or action.conference.township_id not in user_scope(request.user).township_ids:
        raise Http404("No follow-up matches the given query.")
    township_id = action.conference.township_id
    if not (holds(request.user, "act_case_worker", township=township_id)
            or holds(request.user, "act_approver", township=township_id)):  # fmt: skip
        raise PermissionDenied(services.ERR_MAY_NOT_CLOSE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, services.ERR_CLOSING_NOTE)
    else:
        try:
            services.conference_action_close(action=action, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("后续事项已办结。"))
    return redirect(_case_page(request, action.conference.process_id))


def referral_list(request):
    """The township's referrals (county staff: the county's), open ones first, overdue marked."""
    if not selectors.may_open_list(request.user):
        raise PermissionDenied
    status = request.GET.get("status", Referral.Status.OPEN)
    if status not in Referral.Status.values:
        status = ""
    overdue = request.GET.get("overdue") == "on"
    today = timezone.localdate()
    page = Paginator(selectors.referral_list(request.user, status=status, overdue=overdue, today=today), PAGE_SIZE)
    return render(
        request,
        "cooperation/referral_list.html",
        {
            "kind": "referrals",
            "page": page.get_page(request.GET.get("page")),
            "status": status,
            "overdue": overdue,
            "statuses": Referral.Status.choices,
            "today": today,
        },
    )
