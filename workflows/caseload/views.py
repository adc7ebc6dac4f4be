"""The benefit page of a household: its benefits, their history, and the change decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from workflows.core.access import holds

from . import selectors, services
from .forms import BenefitChangeForm
from .models import Benefit
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
    for benefit in benefits:
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
