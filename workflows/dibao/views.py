"""Node views (validate a form, call one service, execute, redirect) and the
extra pages: staff-relative register, open cases with deadlines, overdue
alerts, staff objection form, and the public (anonymous) objection form."""

from __future__ import annotations

import contextlib

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views import generic

from workflows.core import programmes
from workflows.core.flows import case_visible
from workflows.core.models.rules import RuleNotConfigured
from workflows.core.programmes import Programme
from workflows.core.views import CaseStartFormView, CaseTaskFormView

from . import selectors, services
from .application_input import application_input
from .forms import (
    ADD_MEMBER,
    MAX_MEMBERS,
    AcceptForm,
    ApplicationForm,
    AppraisalForm,
    CheckObjectionForm,
    CompleteMaterialsForm,
    DecideForm,
    HomeVisitForm,
    LowIncomeApplicationForm,
    MemberFormSet,
    ObjectionForm,
    ObjectionRouteForm,
    ProposeForm,
    ReinvestigateForm,
    SignForm,
    TekunApplicationForm,
    TerminateForm,
    member_formset_adding_row,
)
from .models import DibaoProcess, NoticeRound
from .staging import UploadStaging


# --- start ------------------------------------------------------------------------
class DibaoStartView(CaseStartFormView):
    """Staff intake: the household, 1 to 15 member rows, uploads kept across a
    failed submit (``staging``), an error summary. The "add a row" submit button
    is the no-JavaScript fallback of static/dibao/intake.js."""

    form_class = ApplicationForm
    programme = Programme.DIBAO

    @property
    def spec(self) -> programmes.ProgrammeSpec:
        return programmes.spec(self.programme)

    def get_template_names(self):
        return [self.spec.intake_template]

    @cached_property
    def staging(self) -> UploadStaging:
        return UploadStaging.for_request(self.request)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "user": self.request.user}
        if "files" in kwargs:
            kwargs["files"] = self.staging.files_with_staged(kwargs["files"])
        return kwargs

    @cached_property
    def preselected(self):
        """``?household=<pk>``: a monitoring signal (LI23 主动发现) opens the intake for a
        household on record. Only a household of a village this user may file for is used;
        anything else is ignored, as if no household had been named."""
        from workflows.households.models import Household

        raw = self.request.GET.get("household", "")
        if self.request.method != "GET" or not raw.isdecimal() or len(raw) > 18:
            return None
        villages = self.get_form_class()(user=self.request.user).fields["village"].queryset
        return Household.objects.filter(pk=int(raw), village__in=villages).prefetch_related("members").first()

    def get_initial(self):
        # The record's place and members' names prefill a new application (a fresh household
        # snapshot, MSL 7). ID numbers, phone and bank account are not copied onto the page: a
        # full personal number shown to staff is a logged access with a reason, and the
        # application needs the ID cards anyway.
        initial = super().get_initial()
        household = self.preselected
        if household is not None:
            initial.update(village=household.village_id, area=household.area, address=household.address)
        return initial

    def get_formset(self):
        if self.request.method != "POST":
            household = self.preselected
            rows = [
                {"name": m.name, "relation": m.relation, "is_student": m.is_student, "is_disabled": m.is_disabled,
                 "has_serious_illness": m.has_serious_illness, "can_work": m.can_work}
                for m in (household.members.all() if household is not None else ())
            ]  # fmt: skip
            return MemberFormSet(prefix="members", initial=rows or None)
        files = self.staging.files_with_staged(self.request.FILES)
        if ADD_MEMBER in self.request.POST:
            return member_formset_adding_row(self.request.POST, files)
        return MemberFormSet(self.request.POST, files, prefix="members")

    def get_context_data(self, **kwargs):
        formset = kwargs.setdefault("formset", self.get_formset())
        form = kwargs.get("form") or self.get_form()
        kwargs["form"] = form
        show_errors = form.is_bound and not kwargs.get("adding")
        staged = self.staging.entries
        for f in [form, *formset.forms]:
            for name, field in f.fields.items():
                entry = staged.get(f.add_prefix(name))
                if entry and isinstance(field, django_forms.FileField):
                    f[name].staged_name = entry["name"]
                if show_errors and name in f.errors:
                    field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} is-invalid".strip()
        kwargs.update(
            staging_token=self.staging.token,
            show_errors=show_errors,
            error_summary=intake_error_summary(form, formset) if show_errors else [],
            add_member=ADD_MEMBER,
            max_members=MAX_MEMBERS,
        )
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        formset = self.get_formset()
        try:
            adding = ADD_MEMBER in request.POST
            if not adding and form.is_valid() and formset.is_valid():
                self.formset = formset
                return self.form_valid(form)
            self.keep_valid_uploads(form, *formset.forms)
            return self.render_to_response(self.get_context_data(form=form, formset=formset, adding=adding))
        finally:
            self.staging.close()

    def keep_valid_uploads(self, *forms) -> None:
        """Stage every posted file that passed its own field's validation."""
        for f in forms:
            for name, field in f.fields.items():
                key = f.add_prefix(name)
                if isinstance(field, django_forms.FileField) and key in self.request.FILES and name not in f.errors:
                    self.staging.keep(key, self.request.FILES[key])

    def application(self, form) -> services.ApplicationInput:
        d = form.cleaned_data
        return application_input(
            programme=self.programme, village=d["village"], household=d, members=self.formset.members(),
            uploads=form.uploads(), staff_links=form.staff_links(), entrustment_note=d["entrustment_note"],
            single_person_name=d.get("single_person_name", ""),
        )  # fmt: skip

    def perform(self, form):
        services.dibao_application_file(
            process=self.process, programme=self.programme, application=self.application(form), actor=self.request.user
        )
        # The case keeps its own copies; the staged ones go once the filing commits.
        transaction.on_commit(self.staging.discard)

    def form_invalid(self, form):
        self.keep_valid_uploads(form, *getattr(self, "formset", MemberFormSet(prefix="members")).forms)
        return self.render_to_response(self.get_context_data(form=form, formset=getattr(self, "formset", None)))


def intake_error_summary(form, formset) -> list[tuple[str, str]]:
    """(anchor, message) for every error of the intake page, in page order."""
    items = [("#intake-form", str(e)) for e in form.non_field_errors()]
    for name in form.fields:
        for e in form.errors.get(name, []):
            items.append((f"#{form[name].id_for_label}", f"{form[name].label}：{e}"))
    items += [("#members", str(e)) for e in formset.non_form_errors()]
    for number, member in enumerate(formset.forms, start=1):
        if not member.has_changed() or (formset.can_delete and member["DELETE"].value()):
            continue  # blank and removed rows are not filed, so their errors do not count
        for name in member.fields:
            for e in member.errors.get(name, []):
                text = _("第 %(number)s 位成员 %(label)s：%(error)s") % {
                    "number": number,
                    "label": member[name].label,
                    "error": e,
                }
                items.append((f"#{member[name].id_for_label}", str(text)))
    return items


class TekunStartView(DibaoStartView):
    form_class = TekunApplicationForm
    programme = Programme.TEKUN


class LowIncomeStartView(DibaoStartView):
    form_class = LowIncomeApplicationForm
    programme = Programme.LOW_INCOME


# --- tasks ---------------------------------------------------------------------------
class AcceptView(CaseTaskFormView):
    form_class = AcceptForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "programme": self.process.programme}

    def perform(self, form):
        d = form.cleaned_data
        services.dibao_accept(
            process=self.process, missing=d["missing"], delegated=d["delegated"],
            extension_reason=d["extension_reason"], actor=self.request.user,
        )  # fmt: skip


class CompleteMaterialsView(CaseTaskFormView):
    form_class = CompleteMaterialsForm

    def perform(self, form):
        services.dibao_complete_materials(
            process=self.process, received=form.cleaned_data["received"], actor=self.request.user
        )


class ComputationMixin:
    """Shows the means-test computation (MSL 23) and the case's deadlines next to the form,
    and, to a township approver, the way to terminate the review (MSL 29)."""

    template_name = "dibao/task_with_computation.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["case"] = selectors.case_summary(self.process)
        ctx["can_terminate"] = services.can_terminate(self.request.user, self.process)
        return ctx


class HomeVisitView(ComputationMixin, CaseTaskFormView):
    form_class = HomeVisitForm
    county = False

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "process": self.process, "county": self.county}

    def perform(self, form):
        d = form.cleaned_data
        services.home_visit_record(
            process=self.process, investigator_1=d["investigator_1"], investigator_2=d["investigator_2"],
            visited_on=d["visited_on"], findings=d["findings"], family_signatories=d["family_signatories"],
            county=self.county, tekun_confirmed=d.get("tekun_confirmed"), actor=self.request.user,
        )  # fmt: skip


class CountyHomeVisitView(HomeVisitView):
    county = True


class ReinvestigateView(HomeVisitView):
    form_class = ReinvestigateForm

    def perform(self, form):
        d = form.cleaned_data
        services.home_visit_record(
            process=self.process, investigator_1=d["investigator_1"], investigator_2=d["investigator_2"],
            visited_on=d["visited_on"], findings=d["findings"], family_signatories=d["family_signatories"],
            reinvestigation=True, resolution=d["resolution"], tekun_confirmed=d.get("tekun_confirmed"),
            actor=self.request.user,
        )  # fmt: skip


class ProposeView(ComputationMixin, CaseTaskFormView):
    form_class = ProposeForm

    def get_context_data(self, **kwargs):
        # The worker decides on the amount the proposal will record, so the page shows
        # that computation (MSL 13, 23) before it is submitted, not the last one stored.
        ctx = super().get_context_data(**kwargs)
        # a missing rule is answered by the submit, as a form error
        with contextlib.suppress(RuleNotConfigured, ValidationError):
            ctx["case"]["computation"] = services.amount_compute(self.process)
        return ctx

    def perform(self, form):
        services.dibao_propose(
            process=self.process, approve=form.cleaned_data["approve"], note=form.cleaned_data["note"],
            actor=self.request.user,
        )  # fmt: skip


class ObjectionRouteView(ComputationMixin, CaseTaskFormView):
    form_class = ObjectionRouteForm

    def perform(self, form):
        services.objection_route_choose(process=self.process, route=form.cleaned_data["route"], actor=self.request.user)


class AppraisalView(CaseTaskFormView):
    form_class = AppraisalForm

    def perform(self, form):
        services.appraisal_record(process=self.process, actor=self.request.user, **form.cleaned_data)


class SignHandlerView(ComputationMixin, CaseTaskFormView):
    form_class = SignForm
    role = "handler"

    def perform(self, form):
        services.decision_sign(
            process=self.process, role=self.role, opinion=form.cleaned_data["opinion"], actor=self.request.user
        )


class SignSectionChiefView(SignHandlerView):
    role = "section_chief"


class DecideView(ComputationMixin, CaseTaskFormView):
    form_class = DecideForm

    def perform(self, form):
        services.dibao_decide(
            process=self.process, approve=form.cleaned_data["approve"], reasons=form.reason_list(),
            actor=self.request.user,
        )  # fmt: skip


# --- extra pages -------------------------------------------------------------------------
def open_cases(request):
    """Open cases in the user's regions with due date and working days left (MSL 22)."""
    return render(request, "dibao/open_cases.html", {"rows": selectors.open_cases_with_deadlines(request.user)})


def staff_relative_register(request):
    """The separate register of staff-relative cases (MSL 11)."""
    from .register import link_descriptions, officer_counties

    cases = list(selectors.staff_relative_cases(request.user))
    links = link_descriptions(cases)
    return render(
        request,
        "dibao/staff_relatives.html",
        {"rows": [(c, links[c.pk]) for c in cases], "may_edit_register": officer_counties(request.user).exists()},
    )


def overdue_alerts(request):
    """Overdue alerts for the township approver and the county (MSL 22)."""
    alerts = selectors.overdue_alerts_for(request.user)
    if alerts is None:
        raise PermissionDenied
    return render(request, "dibao/overdue.html", {"alerts": alerts})


class StaffObjectionView(generic.FormView):
    """Staff record an objection received in person or by phone (MSL 19).

    The case is region-checked by ``CaseScopeMiddleware`` (``process_pk``)."""

    form_class = ObjectionForm
    template_name = "dibao/objection_form.html"

    def dispatch(self, request, *args, **kwargs):
        process = get_object_or_404(DibaoProcess, pk=kwargs["process_pk"])
        if not case_visible(request.user, process):
            raise Http404
        self.notice = process.current_notice
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        notice = selectors.public_notice(self.notice) if self.notice else None
        return super().get_context_data(notice=notice, open=bool(self.notice and self.notice.is_open()), **kwargs)

    def form_valid(self, form):
        if self.notice is None:
            form.add_error(None, services.ERR_OBJECTION_CLOSED)
            return self.form_invalid(form)
        try:
            services.objection_record(notice=self.notice, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        return render(self.request, "dibao/objection_done.html", {"notice": selectors.public_notice(self.notice)})


@login_not_required
def public_objection(request, token):
    """Anyone, anonymous included, may object during the window (MSL 19).

    The page shows only the notice's public fields (MSL 24)."""
    notice = get_object_or_404(NoticeRound.objects.select_related("process"), token=token)
    public = selectors.public_notice(notice)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_record(notice=notice, actor=None, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return HttpResponseRedirect(request.path + "?done=1")
    return render(
        request,
        "dibao/public_objection.html",
        {"notice": public, "form": form, "done": request.GET.get("done") == "1", "open": notice.is_open()},
    )


class TerminateView(generic.FormView):
    """A township approver ends the review of a case whose applicant refuses to cooperate
    without reason (MSL 29). Outside the user's regions: 404; no approver there: 403."""

    form_class = TerminateForm
    template_name = "dibao/terminate.html"

    def dispatch(self, request, *args, **kwargs):
        self.process = get_object_or_404(DibaoProcess, pk=kwargs["process_pk"])
        if not case_visible(request.user, self.process):
            raise Http404
        if not selectors.is_township_approver(request.user, self.process):
            raise PermissionDenied(services.ERR_TERMINATE_NOT_APPROVER)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            process=self.process, allowed=services.can_terminate(self.request.user, self.process), **kwargs
        )

    def form_valid(self, form):
        try:
            services.case_terminate(process=self.process, reason=form.cleaned_data["reason"], actor=self.request.user)
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", None) or [str(exc)]:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, _("已终止审核确认程序，终止决定书已出具。"))
        return redirect("workspace:case", process_pk=self.process.pk)


class CheckObjectionView(generic.FormView):
    """A township case worker records the applicant's objection to a failed data check, with
    evidence; a new check starts (MSL 18). Outside the user's regions: 404; no case worker there: 403."""

    form_class = CheckObjectionForm
    template_name = "dibao/check_objection.html"

    def dispatch(self, request, *args, **kwargs):
        self.process = get_object_or_404(DibaoProcess, pk=kwargs["process_pk"])
        if not case_visible(request.user, self.process):
            raise Http404
        if not selectors.is_township_case_worker(request.user, self.process):
            raise PermissionDenied(services.ERR_CHECK_OBJECTION_NOT_STAFF)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(process=self.process, case=selectors.case_summary(self.process), **kwargs)

    def form_valid(self, form):
        try:
            services.check_objection_record(
                process=self.process, statement=form.cleaned_data["statement"],
                evidence=form.cleaned_data["evidence"], actor=self.request.user,
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", None) or [str(exc)]:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, _("已登记核对结果异议，已重新发起家庭经济状况核对。"))
        return redirect("workspace:case", process_pk=self.process.pk)
