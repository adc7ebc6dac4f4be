"""Appeal pages: the township's (county's) list with deadlines, recording an appeal
against a letter of a case found by its number, and recording the outcome."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from workflows.core import programmes
from workflows.core.scope import user_scope
from workflows.core.views import CaseTaskFormView
from workflows.documents.models import CaseDocument

from . import redecision, services
from .forms import AppealForm, OutcomeForm, RedecideForm
from .models import Appeal, AppealStatus


def _visible(user):
    return Appeal.objects.filter(township_id__in=user_scope(user).township_ids).select_related(
        "township", "letter", "recorded_by"
    )


@require_GET
def appeal_list(request):
    appeals = _visible(request.user)
    status = request.GET.get("status")
    if status in AppealStatus.values:
        appeals = appeals.filter(status=status)
    return render(request, "appeals/list.html", {"kind": "appeals", "appeals": appeals[:200], "status": status})


def _letter_by_number(user, number: str) -> CaseDocument | None:
    """A letter issued under this case number (or a migrated benefit's reference) if the
    user may record an appeal on what it decided (else None)."""
    number = (number or "").strip()
    if not number:
        return None
    letter = CaseDocument.objects.filter(case_number=number).select_related("household").order_by("pk").first()
    if letter is None:
        return None
    try:
        subject = services.contested(letter)
    except ValidationError:  # a letter whose case is gone: nothing to record against
        return None
    return letter if services.may_record(user, subject) else None


@require_http_methods(["GET", "POST"])
def appeal_new(request):
    number = request.GET.get("case") or request.POST.get("case") or ""
    found = _letter_by_number(request.user, number)
    case = {"case_number": found.case_number} if found is not None else None
    letters = list(services.letters_like(found)) if found is not None else []
    form = AppealForm(request.POST or None, letters=letters) if case is not None else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        letter = next(d for d in letters if d.pk == data["letter"])
        try:
            appeal = services.appeal_record(
                letter=letter,
                kind=data["kind"],
                body=data["body"],
                delivered_on=data["delivered_on"],
                filed_on=data["filed_on"],
                claims=data["claims"],
                actor=request.user,
            )
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if appeal.filed_late:
                messages.warning(request, _("已登记。注意：申请日期已超过法定期限，是否受理由复议机关或法院决定。"))
            else:
                messages.success(request, _("已登记行政复议或诉讼。"))
            return redirect("appeals:detail", appeal.pk)
    return render(
        request,
        "appeals/new.html",
        {"kind": "appeals", "case": case, "number": number, "form": form, "not_found": bool(number) and case is None},
    )


@require_http_methods(["GET", "POST"])
def appeal_detail(request, pk: int):
    appeal = _visible(request.user).filter(pk=pk).first()
    if appeal is None:
        raise Http404("No appeal matches the given query.")
    form = OutcomeForm(request.POST or None) if appeal.status == AppealStatus.PENDING else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.appeal_decide(
                appeal=appeal,
                outcome=data["outcome"],
                outcome_on=data["outcome_on"],
                text=data["text"],
                amount=data["amount"],
                actor=request.user,
            )
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记复议或诉讼结果。"))
            return redirect("appeals:detail", appeal.pk)
    return render(request, "appeals/detail.html", {"kind": "appeals", "appeal": appeal, "form": form})


class RedecideView(CaseTaskFormView):
    form_class = RedecideForm
    template_name = "appeals/redecide.html"

    def get_form(self, form_class=None):
        # Only the amount the programme pays: monthly, one-off, or none (a recognition).
        form = super().get_form(form_class)
        benefit = programmes.spec(self.process.programme).benefit
        if not benefit.pays_monthly:
            del form.fields["monthly_amount"]
        if benefit.kind != programmes.BenefitKind.ONE_OFF:
            del form.fields["amount"]
        return form

    def get_context_data(self, **kwargs):
        benefit = programmes.spec(self.process.programme).benefit
        return {
            **super().get_context_data(**kwargs),
            "redecision": self.process,
            "one_off": benefit.kind == programmes.BenefitKind.ONE_OFF,
        }

    def perform(self, form):
        data = form.cleaned_data
        redecision.redecision_decide(
            process=self.process,
            approve=data["approve"],
            reasons=data["reasons"],
            monthly_amount=data.get("monthly_amount"),
            amount=data.get("amount"),
            actor=self.request.user,
        )
