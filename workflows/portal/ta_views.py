"""The applicant's online temporary-assistance request (临时救助, issue 16 item 1).

The same server-rendered wizard as the dibao application (views.py): each step's posted
data waits in the session, uploads in a random draft directory, and everything is
re-validated on submit. Submitting calls ``services.ta_application_submit_online``, the
service the integration API files through, so an online request is the very case the API
would create. A household already on record skips the members and consents steps: its
members and their signed consents are on file (the frequency limit then counts its cases).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from workflows.core.models import Village
from workflows.core.programmes import Programme
from workflows.dibao import services as dibao_services
from workflows.households.models import HouseholdMember, RigidExpense
from workflows.temporary_assistance.models import Cause, Kind
from workflows.temporary_assistance.services import NewHousehold

from . import selectors, services
from .ta_forms import (
    ERR_NOT_REGISTERED,
    TaConsentsForm,
    TaEmergencyForm,
    TaHouseholdForm,
    TaUploadsForm,
    ta_member_formset,
)
from .wizard import Wizard, open_drafts, place_choices, post_dict, posted_village, with_proofs

WIZARD = "portal_ta_apply"
LAST_CASE = "portal_ta_last_case"
WIZARD_TITLE = _("申请临时救助")
STEPS = {
    "place": _("选择地区"),
    "household": _("家庭情况"),
    "emergency": _("遇到的困难"),
    "members": _("家庭成员"),
    "uploads": _("上传材料"),
    "consents": _("授权与承诺"),
    "review": _("核对并提交"),
}
#: steps a household already on record does not need (its members and consents are on file)
NEW_ONLY = ("members", "consents")


WIZARD_STORE = Wizard(WIZARD, LAST_CASE)
_state, _save = WIZARD_STORE.state, WIZARD_STORE.save


def _household_form(state) -> TaHouseholdForm:
    form = TaHouseholdForm(state.get("household"))
    form.is_valid()
    return form


def _is_new(state) -> bool:
    return "household" not in state or _household_form(state).is_new


def _steps(state) -> list[str]:
    return [s for s in STEPS if _is_new(state) or s not in NEW_ONLY]


def _guard(request, step):
    """The first earlier step not yet done, as a redirect; None when ``step`` may be shown."""
    state = _state(request)
    steps = _steps(state)
    if step not in steps:
        return HttpResponseRedirect(reverse(f"portal:ta_apply_{steps[steps.index('review') - 1]}"))
    for earlier in steps[: steps.index(step)]:
        if earlier not in state:
            return HttpResponseRedirect(reverse(f"portal:ta_apply_{earlier}"))
    return None


def _next(request, step):
    steps = _steps(_state(request))
    return HttpResponseRedirect(reverse(f"portal:ta_apply_{steps[steps.index(step) + 1]}"))


def _ctx(request, step: str, **extra) -> dict:
    steps = _steps(_state(request))
    return {"step": steps.index(step) + 1, "steps": len(steps), "step_title": STEPS[step],
            "step_titles": [STEPS[s] for s in steps], "wizard_title": WIZARD_TITLE, **extra}  # fmt: skip


def _form_step(request, step: str, form_class, template="portal/apply_form.html", **kwargs):
    """A step that is one plain form kept in the session as posted."""
    if redirect := _guard(request, step):
        return redirect
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            _save(request, step, post_dict(request))
            return _next(request, step)
    else:
        form = form_class(initial=_state(request).get(step), **kwargs)
    return render(request, template, _ctx(request, step, form=form))


# --- 1. place ---------------------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def ta_apply_place(request):
    if request.method == "POST" and (village := posted_village(request)) is not None:
        _save(request, "place", village.pk)
        return _next(request, "place")
    choices = place_choices(request, chosen=_state(request).get("place"))
    return render(request, "portal/apply_place.html", _ctx(request, "place", **choices))


# --- 2. household: new, or on record ------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def ta_apply_household(request):
    if redirect := _guard(request, "household"):
        return redirect
    posted = request.method == "POST"
    form = TaHouseholdForm(request.POST if posted else None, initial=_state(request).get("household"))
    if posted and form.is_valid():
        if form.is_new or _registered_household(_state(request), form) is not None:
            _save(request, "household", post_dict(request))
            return _next(request, "household")
        form.add_error("registered_id_number", ERR_NOT_REGISTERED)
    return render(request, "portal/apply_form.html", _ctx(request, "household", form=form))


def _village(state) -> Village:
    return Village.objects.select_related("township__county").get(pk=state["place"])


def _registered_household(state, form: TaHouseholdForm):
    """The household on record with this member (name and ID number both) in the chosen county."""
    d = form.cleaned_data
    return selectors.ta_household_for_applicant(
        name=d["registered_name"], id_number=d["registered_id_number"], county=_village(state).township.county
    )


# --- 3. the emergency -----------------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def ta_apply_emergency(request):
    return _form_step(request, "emergency", TaEmergencyForm)


def _emergency_form(state) -> TaEmergencyForm:
    form = TaEmergencyForm(state.get("emergency"))
    form.is_valid()
    return form


def _kind(state) -> str:
    return _emergency_form(state).cleaned_data.get("kind") or ""


# --- 4. members (new household) ---------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def ta_apply_members(request):
    if redirect := _guard(request, "members"):
        return redirect
    state = _state(request)
    count = _household_form(state).cleaned_data.get("members_count") or 1
    formset, saved = WIZARD_STORE.member_rows(request, lambda data: ta_member_formset(count, _kind(state), data))
    if saved:
        return _next(request, "members")
    return render(request, "portal/apply_members.html", _ctx(request, "members", formset=formset))


def _members(state) -> list[dibao_services.MemberInput]:
    if not _is_new(state) or "members" not in state:
        return []
    count = _household_form(state).cleaned_data.get("members_count") or 1
    formset = ta_member_formset(count, _kind(state), state["members"])
    return formset.members() if formset.is_valid() else []


# --- 5. uploads ---------------------------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def ta_apply_uploads(request):
    if redirect := _guard(request, "uploads"):
        return redirect
    stored = _state(request).get("uploads", [])
    posted = request.method == "POST"  # every proof is optional: an empty post is a valid answer
    form = TaUploadsForm(request.POST if posted else None, request.FILES if posted else None,
                         members=_members(_state(request)))  # fmt: skip
    if posted and form.is_valid():
        WIZARD_STORE.save_uploads(request, form)
        return _next(request, "uploads")
    return render(request, "portal/apply_uploads.html", _ctx(request, "uploads", form=form, stored=stored))


# --- 6. consents (new household) ---------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def ta_apply_consents(request):
    if redirect := _guard(request, "consents"):
        return redirect
    state = _state(request)
    members = _members(state)
    if not members:
        return HttpResponseRedirect(reverse("portal:ta_apply_members"))
    kwargs = {"members": members, "kind": _kind(state), "programme": Programme.TEMPORARY_ASSISTANCE}
    return _form_step(request, "consents", TaConsentsForm, **kwargs)


# --- 7. review and submit -----------------------------------------------------------------
def _submission(state) -> tuple[dict, list]:
    """The keyword arguments of ``ta_application_submit_online`` from the session, and the
    open draft files (closed by the caller). Raises ``ValidationError`` if a step no longer validates."""
    household, emergency = _household_form(state), _emergency_form(state)
    if not (household.is_valid() and emergency.is_valid()):
        raise ValidationError(services.ERR_APPLICATION_INCOMPLETE)
    h, e = household.cleaned_data, emergency.cleaned_data
    files, uploads, proofs = open_drafts(state.get("uploads", []))
    found = new = None
    if household.is_new:
        members = _members(state)
        consents = TaConsentsForm(state.get("consents"), members=members, kind=e["kind"],
                                  programme=Programme.TEMPORARY_ASSISTANCE)  # fmt: skip
        if not members or not consents.is_valid():
            raise ValidationError(services.ERR_APPLICATION_INCOMPLETE)
        new = NewHousehold(
            village=_village(state), area=h["area"], address=h["address"], phone=h["phone"],
            bank_account=h["bank_account"], members=with_proofs(consents.signed_members(), proofs),
        )  # fmt: skip
    else:
        found = _registered_household(state, household)
        if found is None:
            raise ValidationError(ERR_NOT_REGISTERED)
    kwargs = {
        "household": found, "new_household": new, "kind": e["kind"], "cause": e["cause"],
        "event_date": e["event_date"], "cause_detail": e["cause_detail"], "requested_amount": e["requested_amount"],
        "repeat_reason": e["repeat_reason"], "language": h["language"], "email": h["email"], "uploads": uploads,
    }  # fmt: skip
    return kwargs, files


@login_not_required
@require_http_methods(["GET", "POST"])
def ta_apply_review(request):
    if redirect := _guard(request, "review"):
        return redirect
    state = _state(request)
    errors, files, kwargs = [], [], {}
    try:
        kwargs, files = _submission(state)
        if request.method == "POST":
            process = services.ta_application_submit_online(**kwargs)
            return WIZARD_STORE.finish(request, process, "portal:ta_apply_done")
    except ValidationError as exc:
        errors = exc.messages
    finally:
        for f in files:
            f.close()
    return render(
        request, "portal/ta_apply_review.html", _ctx(request, "review", errors=errors, **_summary(state, kwargs))
    )


def _summary(state, kwargs: dict) -> dict:
    """What the review page shows, in words (no codes, money with separators in the template)."""
    emergency = _emergency_form(state)
    relations, expenses = dict(HouseholdMember.Relation.choices), dict(RigidExpense.Kind.choices)
    new = kwargs.get("new_household")
    members = [
        {"name": m.name, "relation": relations.get(m.relation, m.relation), "authorised": m.signed_check_authorisation,
         "expenses": [{"kind": expenses.get(x.kind, x.kind), "amount": x.monthly_amount} for x in m.rigid_expenses]}
        for m in (new.members if new else [])
    ]  # fmt: skip
    d = emergency.cleaned_data if emergency.is_valid() else {}
    return {
        "kind_label": Kind(d["kind"]).label if d else "",
        "cause_label": Cause(d["cause"]).label if d else "",
        "village": _village(state) if "place" in state else None,
        "household": _household_form(state),
        "emergency": emergency if emergency.is_valid() else None,
        "members": members,
        "registered": kwargs.get("household"),
        "uploads": state.get("uploads", []),
        "steps_urls": [(STEPS[s], reverse(f"portal:ta_apply_{s}")) for s in _steps(state) if s != "review"],
    }


@login_not_required
def ta_apply_done(request):
    return WIZARD_STORE.done_page(request, "portal/ta_apply_done.html")
