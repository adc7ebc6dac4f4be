"""What the two online applications share (dibao/特困 in views.py, temporary assistance in
ta_views.py): the session store of a wizard, the place lists, the member rows, the draft
uploads and the finish (drafts deleted, the applicant granted the new case's status page).

Each step's posted data waits in the session under the wizard's key and is re-validated on
submit; uploads wait in a random draft directory of the default storage until then.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import get_valid_filename

from workflows.core.models import County, Township, Village
from workflows.dibao import services as dibao_services

from . import grants
from .forms import UploadsForm


@dataclass(frozen=True)
class Wizard:
    key: str  # session key of the steps' data
    last_case: str  # session key of the case number the done page shows

    def state(self, request) -> dict:
        return request.session.setdefault(self.key, {})

    def save(self, request, key, value) -> None:
        state = self.state(request)
        state[key] = value
        request.session[self.key] = state
        request.session.modified = True

    def save_uploads(self, request, form: UploadsForm) -> None:
        """Keep the validated uploads of ``form`` as drafts (a new one replaces the same kind)."""
        state = self.state(request)
        draft, kept = keep_drafts(form, state.get("uploads", []), state.get("draft"))
        self.save(request, "draft", draft)
        self.save(request, "uploads", kept)

    def member_rows(self, request, make):
        """The member formset of the members step (``make(data)`` builds it) and whether the
        posted rows were valid and saved; a first visit starts with the applicant's row."""
        if request.method == "POST":
            formset = make(request.POST)
            if formset.is_valid():
                self.save(request, "members", post_dict(request))
                return formset, True
            return formset, False
        if "members" in self.state(request):
            return make(self.state(request)["members"]), False
        formset = make(None)
        for i, form in enumerate(formset.forms):
            form.initial = {"relation": "applicant" if i == 0 else ""}
        return formset, False

    def finish(self, request, process, done: str) -> HttpResponseRedirect:
        """After a filing: drop the drafts and the steps, grant the case's status page, show ``done``."""
        for u in self.state(request).get("uploads", []):
            default_storage.delete(u["path"])
        request.session.pop(self.key, None)
        request.session[self.last_case] = process.case_number
        grants.grant(request, process)
        return HttpResponseRedirect(reverse(done))

    def done_page(self, request, template: str):
        case_number = request.session.get(self.last_case)
        if not case_number:
            return HttpResponseRedirect(reverse("portal:index"))
        return render(request, template, {"case_number": case_number})


def post_dict(request) -> dict:
    return {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}


def as_int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def posted_village(request) -> Village | None:
    return Village.objects.filter(pk=as_int(request.POST.get("village"))).first()


def place_choices(request, *, chosen) -> dict:
    """County -> township -> village lists from the query string (one plain form per level)."""
    counties = County.objects.order_by("code")
    county = counties.filter(pk=as_int(request.GET.get("county"))).first()
    if county is None and counties.count() == 1:
        county = counties.first()
    townships = Township.objects.filter(county=county).order_by("code") if county else Township.objects.none()
    township = townships.filter(pk=as_int(request.GET.get("township"))).first()
    villages = Village.objects.filter(township=township).order_by("code") if township else Village.objects.none()
    return {"counties": counties, "county": county, "townships": townships, "township": township,
            "villages": villages, "chosen": chosen, "place_url": request.resolver_match.view_name}  # fmt: skip


def keep_drafts(form: UploadsForm, stored: list[dict], draft: str | None) -> tuple[str, list[dict]]:
    """Save the validated uploads of ``form`` in the draft directory (a new one replaces the
    same kind); returns the draft name and what the session keeps of every upload."""
    draft = draft or secrets.token_hex(16)
    kept = {u["kind"]: u for u in stored}
    for name, kind in form.kinds.items():
        upload = form.cleaned_data.get(name)
        if upload:
            filename = get_valid_filename(upload.name)[-80:] or "upload"
            path = default_storage.save(f"portal-drafts/{draft}/{kind}-{filename}", upload)
            if kind in kept:
                default_storage.delete(kept[kind]["path"])
            kept[kind] = {"kind": kind, "path": path, "name": filename, "size": upload.size}
    return draft, list(kept.values())


def open_drafts(stored: list[dict]) -> tuple[list[File], list[dibao_services.UploadInput], dict[int, File]]:
    """The draft files (the caller closes them), as case uploads and as proofs by member row."""
    files = [File(default_storage.open(u["path"], "rb"), name=u["name"]) for u in stored]
    uploads, proofs = [], {}
    for u, f in zip(stored, files, strict=True):
        if u["kind"].startswith(UploadsForm.EXPENSE_PROOF):
            proofs[int(u["kind"].removeprefix(UploadsForm.EXPENSE_PROOF))] = f
        else:
            uploads.append(dibao_services.UploadInput(kind=u["kind"], file=f))
    return files, uploads, proofs


def with_proofs(members: list[dibao_services.MemberInput], proofs: dict[int, File]) -> list[dibao_services.MemberInput]:
    """Attach each uploaded proof to the essential spending of its member (MSL 13)."""
    return [
        dataclasses.replace(m, rigid_expenses=tuple(dataclasses.replace(e, proof=proofs[i]) for e in m.rigid_expenses))
        if i in proofs and m.rigid_expenses
        else m
        for i, m in enumerate(members)
    ]
