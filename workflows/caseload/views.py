"""The benefit page of a household: its benefits, their history, and the change decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from workflows.core.access import holds

from . import selectors, services
from .forms import BenefitChangeForm, HouseholdEventForm, RecheckCheckForm, RecheckDecideForm, RecheckVisitForm
from .models import Benefit, Recheck
from .services import imports


@require_http_methods(["GET", "POST"])
def household_benefits(request, pk: int):
    household = selectors.household_visible(request.user, pk)
    form = BenefitChangeForm(request.POST or None, prefix="change")
    if request.method == "POST" and form.is_valid():
        benefit = Benefit.objects.filter(household=household, pk=form.cleaned_data["benefit"]).first()
        if benefit is None:
            form.add_error(None, _("该家庭没有这条在保记录。"))
        else:
            try:
                change = services.benefit_change(
                    benefit=benefit,
                    kind=form.cleaned_data["kind"],
                    ground=form.cleaned_data["ground"],
                    reasons=form.cleaned_data["reasons"],
                    new_amount=form.cleaned_data["new_amount"],
                    actor=request.user,
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            else:
                messages.success(
                    request,
                    _("已作出%(kind)s决定，自%(month)s起生效，变更决定书已出具。")
                    % {"kind": change.get_kind_display(), "month": change.effective_month.strftime("%Y-%m")},
                )
                return redirect("caseload:household", pk=household.pk)
    benefits = list(selectors.household_benefits(household))
    posted = form.data.get("change-benefit") if form.is_bound else None
    today = timezone.localdate()
    adults = household.adults(today)
    for benefit in benefits:
        for recheck in benefit.rechecks.all():
            recheck.check_form = RecheckCheckForm(
                adults=adults, initial={"signed_on": today}, auto_id=f"id_r{recheck.pk}_%s"
            )
        # the form that failed stays with its benefit; every other benefit gets a fresh one
        benefit.change_form = (
            form
            if posted == str(benefit.pk)
            else BenefitChangeForm(initial={"benefit": benefit.pk}, prefix="change", auto_id=f"id_b{benefit.pk}_%s")
        )
    return render(
        request,
        "caseload/household.html",
        {
            "household": household,
            "head": household.head,
            "benefits": benefits,
            "form": form if form.is_bound else None,  # its errors are summarised at the top
            "may_decide": holds(request.user, "act_approver", township=household.township_id),
            "today": timezone.localdate(),
            "may_work": holds(request.user, "act_case_worker", township=household.township_id),
            "visit_form": RecheckVisitForm(initial={"visited_on": timezone.localdate()}),
            "decide_form": RecheckDecideForm(),
            "event_form": HouseholdEventForm(initial={"event_on": timezone.localdate()}),
        },
    )


@require_http_methods(["GET", "POST"])
def household_search(request):
    """Find a household of the user's townships by a member's name or ID number (in full or
    its last digits), to reach its benefit page whether or not a re-check is due. The query
    is posted, so that an ID number never lands in a URL (access logs, browser history),
    and a full ID number is not echoed back into the form."""
    query = request.POST.get("q", "").strip()[:40] if request.method == "POST" else ""
    households = selectors.households_search(request.user, query)
    return render(
        request,
        "caseload/search.html",
        {
            "searched": request.method == "POST",
            "query": "" if selectors.is_full_id_number(query) else query,
            "households": households,
            "limit": selectors.SEARCH_LIMIT,
        },
    )


@require_GET
def recheck_list(request):
    """Due and overdue re-checks of the user's townships (MSL 31)."""
    today = timezone.localdate()
    rechecks = list(selectors.rechecks_listed(request.user, today)[:500])
    return render(
        request,
        "caseload/rechecks.html",
        {"rechecks": rechecks, "today": today, "may_import": imports.may_import(request.user)},
    )


def _run(request, household, perform, done: str):
    """Call one service; its refusal becomes a message, success a message and a redirect."""
    try:
        perform()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, done)
    return redirect("caseload:household", pk=household.pk)


def recheck_action(request, pk: int):
    """A step of an open re-check (MSL 31), posted from the benefit page: request the finance
    check (fresh consent), record the home visit, or conclude."""
    household = selectors.household_visible(request.user, pk)  # 404 out of scope, before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    recheck_pk = request.POST.get("recheck", "")
    recheck = get_object_or_404(
        Recheck, pk=int(recheck_pk) if recheck_pk.isdigit() else 0, benefit__household=household
    )
    step = request.POST.get("step")
    form: RecheckCheckForm | RecheckVisitForm | RecheckDecideForm
    if step == "check":
        form = RecheckCheckForm(request.POST, adults=household.members.all())
        if form.is_valid():
            return _run(request, household, lambda: services.recheck_request_check(
                recheck=recheck, consents_from=form.cleaned_data["signed"],
                consents_signed_on=form.cleaned_data["signed_on"], actor=request.user), _("已提请信息核对。"))  # fmt: skip
    elif step == "visit":
        form = RecheckVisitForm(request.POST)
        if form.is_valid():
            return _run(request, household, lambda: services.recheck_record_visit(
                recheck=recheck, visited_on=form.cleaned_data["visited_on"], findings=form.cleaned_data["findings"],
                actor=request.user), _("已记录入户核查。"))  # fmt: skip
    elif step == "decide":
        form = RecheckDecideForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            return _run(request, household, lambda: services.recheck_decide(
                recheck=recheck, outcome=data["outcome"], ground=data["ground"], reasons=data["reasons"],
                new_amount=data["new_amount"], actor=request.user), _("已作出复核结论。"))  # fmt: skip
    else:
        messages.error(request, _("请完整填写复核信息。"))
        return redirect("caseload:household", pk=household.pk)
    # say which field is missing or wrong: the form is on the benefit page, behind a redirect
    problems = "；".join(f"{form.fields[name].label if name in form.fields else ''}：{' '.join(errs)}"
                        for name, errs in form.errors.items())  # fmt: skip
    messages.error(request, _("请完整填写复核信息。%(problems)s") % {"problems": problems})
    return redirect(f"{reverse('caseload:household', args=[household.pk])}#recheck-{recheck.pk}")


def household_event(request, pk: int):
    """Record a member's death (a re-check within 3 months) or a reported income change (a
    re-check at once) for the household (MSL 31)."""
    household = selectors.household_visible(request.user, pk)  # 404 out of scope, before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = HouseholdEventForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择登记事项并填写日期。"))
        return redirect("caseload:household", pk=household.pk)
    on = form.cleaned_data["event_on"]
    if form.cleaned_data["event"] == "death":
        return _run(request, household, lambda: services.recheck_on_death(household=household, died_on=on,
                                                                          actor=request.user), _("已登记，复核已提前。"))  # fmt: skip
    return _run(request, household, lambda: services.recheck_on_income_change(household=household, reported_on=on,
                                                                              actor=request.user), _("已登记，复核已提前。"))  # fmt: skip
