"""Online application (issue 9 §1, §6): the web wizard, validation shared with
staff intake (MSL 7, 9), accessibility basics."""

from __future__ import annotations

from html.parser import HTMLParser

from workflows.dibao import services as dibao_services
from workflows.dibao.models import Attachment, Channel, DibaoProcess
from workflows.households.models import Consent
from workflows.portal.models import ApplicantPreference

from .conftest import APPLICANT_ID, CASE_RE, upload, wizard_apply


def test_wizard_files_an_online_case(region, client):
    """All six steps without JavaScript: the case is filed on the dibao flow with
    channel "online", consents and the upload recorded, and the done page shows
    the case number and links to the status page (MSL 4: online or on paper)."""
    r = wizard_apply(client, region)
    assert r.status_code == 302 and r["Location"] == "/portal/apply/done/"
    done = client.get("/portal/apply/done/").content.decode()
    case_number = CASE_RE.search(done).group(1)
    process = DibaoProcess.objects.get(case_number=case_number)
    assert process.channel == Channel.ONLINE
    assert process.village == region.village_a and process.household.size == 2
    assert Attachment.objects.filter(process=process, kind="application").count() == 1
    assert Consent.objects.filter(member__household=process.household, kind="check_authorisation").count() == 2
    assert ApplicantPreference.objects.get(process_id=process.pk).language == "zh-hans"
    assert process.task_set.filter(flow_task=process.flow_class.accept, status="NEW").exists()
    assert f"/portal/status/{case_number}/" in done
    # the applicant was granted the status page for the new case right away
    assert client.get(f"/portal/status/{case_number}/").status_code == 200


def test_wizard_rejects_invalid_id_number_like_staff_intake(region, client):
    """A wrong GB 11643 check digit is refused at the members step (MSL 9: identity)."""
    bad = APPLICANT_ID[:-1] + ("0" if APPLICANT_ID[-1] != "0" else "1")
    r = wizard_apply(client, region, id_number=bad)
    assert r.status_code == 200
    assert 'aria-invalid="true"' in r.content.decode()
    assert not DibaoProcess.objects.exists()


def test_wizard_requires_every_adult_authorisation(region, client):
    """No check without every adult's authorisation (MSL 9): the dibao validator's message."""
    r = wizard_apply(client, region, authorise=False)
    assert r.status_code == 200
    assert str(dibao_services.ERR_CHECK_AUTHORISATION).split("：")[0] in r.content.decode()
    assert not DibaoProcess.objects.exists()


def test_wizard_rejects_wrong_upload_type(region, client):
    """Only PDF/JPG/PNG whose bytes match (dibao ``validate_upload``)."""
    r = wizard_apply(client, region, upload_file=upload("申请书.pdf", b"MZ\x90\x00 not a pdf"))
    assert r.status_code == 200
    assert str(dibao_services.ERR_UPLOAD_TYPE) in r.content.decode()


def test_steps_cannot_be_skipped(region, client):
    """Opening a later step first sends the applicant back to the first missing one."""
    r = client.get("/portal/apply/review/")
    assert r.status_code == 302 and r["Location"] == "/portal/apply/"


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs, self.label_for, self.open_labels, self.html_lang, self.links = [], set(), 0, None, []
        self.skip_link = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag == "a":
            self.links.append(a.get("href", ""))
            if a.get("href") == "#main":
                self.skip_link = True
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.inputs.append((a.get("id"), self.open_labels > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def _parse(html: str) -> _Inputs:
    p = _Inputs()
    p.feed(html)
    return p


def test_every_input_has_a_label_and_pages_are_accessible(region, client):
    """WCAG basics on every step: each input has a label, lang="zh-Hans", a skip
    link; errors are linked to their input with aria-describedby."""
    client.post("/portal/apply/", {"village": region.village_a.pk})
    pages = ["/portal/", "/portal/apply/", f"/portal/apply/?township={region.township_a.pk}", "/portal/status/"]
    r = client.post("/portal/apply/household/", {"programme": "dibao"})  # invalid: shows errors
    bodies = [client.get(p).content.decode() for p in pages] + [r.content.decode()]
    html = r.content.decode()
    assert 'aria-describedby="id_address_error"' in html and 'id="id_address_error"' in html
    for body in bodies:
        parsed = _parse(body)
        assert parsed.html_lang == "zh-Hans" and parsed.skip_link
        for input_id, wrapped in parsed.inputs:
            assert wrapped or input_id in parsed.label_for, f"input {input_id} has no label"


def test_portal_never_links_to_staff_or_admin(region, client, online_case):
    """The applicant pages expose no staff or admin URL (issue 9)."""
    client.post("/portal/apply/", {"village": region.village_a.pk})
    pages = ["/portal/", "/portal/apply/", "/portal/apply/household/", "/portal/status/"]
    r = client.post(
        "/portal/status/", {"case_number": online_case.case_number, "id_last6": APPLICANT_ID[-6:]}, follow=True
    )
    bodies = [client.get(p).content.decode() for p in pages] + [r.content.decode()]
    for body in bodies:
        for href in _parse(body).links:
            assert not href.startswith(("/staff", "/admin", "/accounts")), href
        assert "/staff/" not in body and "/admin/" not in body
