"""Applicant pages (anonymous): the online application wizard and the status page.

Server-rendered, no JavaScript needed. The wizard keeps the posted data of
each step in the session and re-validates everything on submit; uploads wait
in a random draft directory of the default storage until then.
"""

from __future__ import annotations

import mimetypes
from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from workflows.core.models import Village
from workflows.core.programmes import Programme
from workflows.dibao import services as dibao_services
from workflows.dibao.application_input import application_input
from workflows.documents.services import document_record_download
from workflows.households.models import HouseholdMember, RigidExpense
from workflows.temporary_assistance.models import TemporaryAssistanceProcess

from . import grants, selectors, services, throttle
from .forms import ConsentsForm, HouseholdForm, LookupForm, OtpRequestForm, UploadsForm, member_formset
from .wizard import Wizard, open_drafts, place_choices, post_dict, posted_village, with_proofs

WIZARD = "portal_apply"
LAST_CASE = "portal_last_case"
STEPS = ["place", "household", "members", "uploads", "consents", "review"]
STEP_TITLES = [_("选择地区"), _("家庭情况"), _("家庭成员"), _("上传材料"), _("授权与承诺"), _("核对并提交")]


WIZARD_STORE = Wizard(WIZARD, LAST_CASE)
_state, _save = WIZARD_STORE.state, WIZARD_STORE.save


def _first_missing(state: dict, upto: str) -> str | None:
    needs = {"household": "village", "members": "household", "uploads": "members", "consents": "uploads"}
    order = ["household", "members", "uploads", "consents", "review"]
    for step in order[: order.index(upto) + 1]:
        key = needs.get(step)
        if key and key not in state:
            return STEPS[STEPS.index(step) - 1]
    if upto == "review" and "consents" not in state:
        return "consents"
    return None


def _guard(request, step):
    missing = _first_missing(_state(request), step)
    if missing:
        return HttpResponseRedirect(reverse(f"portal:apply_{missing}"))
    return None


def _ctx(step: str, **extra) -> dict:
    index = STEPS.index(step)
    return {"step": index + 1, "steps": len(STEPS), "step_title": STEP_TITLES[index], "step_titles": STEP_TITLES,
            **extra}  # fmt: skip


# --- landing ------------------------------------------------------------------
@login_not_required
def index(request):
    return render(request, "portal/index.html")


# --- 1. place: county -> township -> village, each a plain form ------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def apply_place(request):
    if request.method == "POST" and (village := posted_village(request)) is not None:
        _save(request, "village", village.pk)
        return HttpResponseRedirect(reverse("portal:apply_household"))
    return render(
        request,
        "portal/apply_place.html",
        _ctx("place", **place_choices(request, chosen=_state(request).get("village"))),
    )


# --- 2. household ------------------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def apply_household(request):
    if redirect := _guard(request, "household"):
        return redirect
    if request.method == "POST":
        form = HouseholdForm(request.POST)
        if form.is_valid():
            _save(request, "household", post_dict(request))
            return HttpResponseRedirect(reverse("portal:apply_members"))
    else:
        form = HouseholdForm(initial=_state(request).get("household"))
    return render(request, "portal/apply_form.html", _ctx("household", form=form))


def _household_form(state) -> HouseholdForm:
    form = HouseholdForm(state["household"])
    form.is_valid()
    return form


# --- 3. members -------------------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def apply_members(request):
    if redirect := _guard(request, "members"):
        return redirect
    count = _household_form(_state(request)).cleaned_data.get("members_count") or 1
    formset, saved = WIZARD_STORE.member_rows(request, lambda data: member_formset(count, data))
    if saved:
        return HttpResponseRedirect(reverse("portal:apply_uploads"))
    return render(request, "portal/apply_members.html", _ctx("members", formset=formset))


def _programme(state) -> str:
    return _household_form(state).cleaned_data.get("programme") or "dibao"


def _members(state) -> list[dibao_services.MemberInput]:
    count = _household_form(state).cleaned_data.get("members_count") or 1
    formset = member_formset(count, state["members"])
    if not formset.is_valid():
        return []
    return formset.members()


# --- 4. uploads -------------------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def apply_uploads(request):
    if redirect := _guard(request, "uploads"):
        return redirect
    stored = _state(request).get("uploads", [])
    form = UploadsForm(request.POST or None, request.FILES or None, members=_members(_state(request)))
    if stored:
        form.fields["upload_application"].required = False
    if request.method == "POST" and form.is_valid():
        WIZARD_STORE.save_uploads(request, form)
        return HttpResponseRedirect(reverse("portal:apply_consents"))
    return render(request, "portal/apply_uploads.html", _ctx("uploads", form=form, stored=stored))


# --- 5. consents -------------------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def apply_consents(request):
    if redirect := _guard(request, "consents"):
        return redirect
    members = _members(_state(request))
    if not members:
        return HttpResponseRedirect(reverse("portal:apply_members"))
    if request.method == "POST":
        form = ConsentsForm(request.POST, members=members, programme=_programme(_state(request)))
        if form.is_valid():
            _save(request, "consents", post_dict(request))
            return HttpResponseRedirect(reverse("portal:apply_review"))
    else:
        form = ConsentsForm(
            initial=_state(request).get("consents"), members=members, programme=_programme(_state(request))
        )
    return render(request, "portal/apply_form.html", _ctx("consents", form=form))


# --- 6. review and submit ---------------------------------------------------------
def _application(state) -> tuple[HouseholdForm, dibao_services.ApplicationInput, list]:
    household = _household_form(state)
    d = household.cleaned_data
    consents = ConsentsForm(state["consents"], members=_members(state), programme=d.get("programme") or "dibao")
    consents.is_valid()
    files, uploads, proofs = open_drafts(state.get("uploads", []))
    application = application_input(
        programme=d.get("programme") or Programme.DIBAO,
        village=Village.objects.select_related("township__county").get(pk=state["village"]), household=d,
        members=with_proofs(consents.signed_members(), proofs) if consents.members else [], uploads=uploads,
        single_person_name=consents.single_person_name() if consents.members else "",
    )  # fmt: skip
    return household, application, files


@login_not_required
@require_http_methods(["GET", "POST"])
def apply_review(request):
    if redirect := _guard(request, "review"):
        return redirect
    state = _state(request)
    household, application, files = _application(state)
    errors = []
    try:
        if request.method == "POST":
            if not household.is_valid() or not application.members:
                raise ValidationError(services.ERR_APPLICATION_INCOMPLETE)
            process = services.application_submit_online(
                programme=household.cleaned_data["programme"],
                application=application,
                language=household.cleaned_data["language"],
                email=household.cleaned_data["email"],
            )
            return WIZARD_STORE.finish(request, process, "portal:apply_done")
    except ValidationError as exc:
        errors = exc.messages
    finally:
        for f in files:
            f.close()
    village = application.village
    labels = dict(HouseholdMember.Relation.choices)
    expense_labels = dict(RigidExpense.Kind.choices)
    members = [
        {"name": m.name, "relation": labels.get(m.relation, m.relation), "income": m.monthly_income + sum((i.monthly_amount for i in m.other_incomes), Decimal("0")),
         "authorised": m.signed_check_authorisation,
         "expenses": [{"kind": expense_labels.get(e.kind, e.kind), "amount": e.monthly_amount,
                       "proof": e.proof.name if e.proof else ""} for e in m.rigid_expenses]}
        for m in application.members
    ]  # fmt: skip
    return render(
        request,
        "portal/apply_review.html",
        _ctx(
            "review",
            household=household,
            members=members,
            application=application,
            village=village,
            errors=errors,
            uploads=state.get("uploads", []),
        ),
    )


@login_not_required
def apply_done(request):
    return WIZARD_STORE.done_page(request, "portal/apply_done.html")


# --- status page --------------------------------------------------------------------
@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def status_lookup(request):
    """Case number + second factor. Unknown case, wrong factor and throttled all
    get the very same page (no form, so no per-response CSRF token)."""
    if request.method == "POST":
        form = LookupForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            process = services.status_lookup(
                case_number=d["case_number"], id_last6=d["id_last6"], otp=d["otp"],
                address=throttle.client_address(request),
            )  # fmt: skip
            if process is None:
                return render(request, "portal/lookup_failed.html")
            grants.grant(request, process)
            return HttpResponseRedirect(reverse("portal:status_detail", kwargs={"case_number": process.case_number}))
    else:
        form = LookupForm(initial={"case_number": request.GET.get("case", "")[:32]})
    return render(request, "portal/status_lookup.html", {"form": form, "otp_form": OtpRequestForm()})


@login_not_required
@never_cache
@require_POST
def otp_request(request):
    """Always the same answer, whether or not the case exists or has a phone."""
    form = OtpRequestForm(request.POST)
    case_number = ""
    if form.is_valid():
        case_number = services.normalise_case_number(form.cleaned_data["case_number"])
        services.otp_send(case_number=case_number, address=throttle.client_address(request))
    return render(request, "portal/otp_sent.html", {"case_number": case_number})


@login_not_required
@never_cache
def status_detail(request, case_number):
    process = grants.granted_case(request, case_number)
    if process is None:
        return HttpResponseRedirect(
            reverse("portal:status_lookup") + f"?case={services.normalise_case_number(case_number)}"
        )
    if isinstance(process, TemporaryAssistanceProcess):
        return render(request, "portal/ta_status_detail.html", {"status": selectors.ta_public_status(process)})
    return render(request, "portal/status_detail.html", {"status": selectors.public_status(process)})


@login_not_required
@never_cache
def letter_download(request, case_number, document_id: int):
    process = grants.granted_case(request, case_number)
    document = selectors.public_letter(process, document_id) if process else None
    if document is None:
        raise Http404
    document_record_download(document=document, actor=None)
    content_type = mimetypes.guess_type(document.filename)[0] or "application/octet-stream"
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.filename,
                            content_type=content_type)  # fmt: skip
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_not_required
@require_POST
def status_leave(request):
    grants.revoke_all(request)
    return HttpResponseRedirect(reverse("portal:index"))
