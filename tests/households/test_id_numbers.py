"""Resident ID numbers (GB 11643; issue 15 item 9): one validator, ASCII digits only,
check digit and birth date by python-stdnum; look-alike digits get the same clear,
translated error at staff intake, in the portal and in the API — never a 500."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from tests.factories import make_id_number
from workflows.dibao.forms import MemberForm
from workflows.dibao.models import DibaoProcess
from workflows.households.models import Household
from workflows.households.validators import (
    ERR_ID_BIRTH,
    ERR_ID_CHECK,
    ERR_ID_FORMAT,
    birth_date_from_id,
    id_check_char,
    validate_id_number,
)
from workflows.portal.api import MemberSerializer
from workflows.portal.forms import OnlineMemberForm

VALID = make_id_number(datetime.date(1970, 3, 1), seq=101)
# Full-width, Arabic-Indic, Devanagari, superscript, circled, mathematical and NKo digits,
# Roman numerals: everything Unicode calls a number except the ASCII digits.
LOOKALIKE = st.characters(categories=("Nd", "No", "Nl"), exclude_characters="0123456789")
EXAMPLES = ["１", "٣", "३", "²", "①", "𝟗", "߃", "Ⅻ"]


@st.composite
def valid_ids(draw):
    birth = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31)))
    area = draw(st.from_regex(r"[1-9][0-9]{5}", fullmatch=True))
    return make_id_number(birth, area=area, seq=draw(st.integers(0, 999)))


@st.composite
def with_lookalike(draw):
    value = draw(valid_ids())
    position = draw(st.integers(0, 17))
    return value[:position] + draw(LOOKALIKE) + value[position + 1 :]


def error_code(value):
    try:
        validate_id_number(value)
    except ValidationError as exc:
        return exc.code
    return None


@given(valid_ids())
def test_valid_ids_pass_and_agree_with_stdnum(value):
    """Any ID with the GB 11643 check digit passes; the check digit is stdnum's."""
    assert error_code(value) is None
    assert error_code(value.lower()) is None  # a lower-case x is the same ID
    assert ric.calc_check_digit(value) == value[17] == id_check_char(value[:17])


@given(with_lookalike())
def test_lookalike_digit_is_a_format_error(value):
    """A non-ASCII digit anywhere gives the format error (never a crash or a pass)."""
    assert error_code(value) == "id_format"
    with pytest.raises(ValueError):
        birth_date_from_id(value)


def member_data(id_number):
    return {"name": "张三", "id_number": id_number, "relation": "applicant", "income_kind": "wage",
            "monthly_income": "0", "signed_check_authorisation": "on", "signed_truthfulness": "on"}  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(with_lookalike())
def test_lookalike_at_staff_intake_portal_and_api_forms(value):
    """Staff intake (MemberForm), portal (OnlineMemberForm) and API (MemberSerializer)
    answer a look-alike digit with the same translated format error at the ID field."""
    for form in (MemberForm(member_data(value)), OnlineMemberForm(member_data(value))):
        assert not form.is_valid()
        assert form.errors["id_number"] == [str(ERR_ID_FORMAT)]
    serializer = MemberSerializer(
        data={"name": "张三", "id_number": value, "relation": "applicant", "signed_check_authorisation": True}
    )
    assert not serializer.is_valid()
    assert [str(e) for e in serializer.errors["id_number"]] == [str(ERR_ID_FORMAT)]


@pytest.mark.parametrize(
    ("value", "message"),
    [(VALID[:17] + ("0" if VALID[17] != "0" else "1"), ERR_ID_CHECK), (VALID[:10] + "1399" + VALID[14:], ERR_ID_BIRTH),
     (VALID[:17], ERR_ID_FORMAT), (VALID + "1", ERR_ID_FORMAT), ("", ERR_ID_FORMAT)],
)  # fmt: skip
def test_check_digit_birth_date_and_length_errors(value, message):
    """Wrong check digit, impossible birth date, wrong length: each its own message."""
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.messages == [str(message)]


# --- the three entry points over HTTP ---------------------------------------------------
def lookalike_id(char):
    return VALID[:8] + char + VALID[9:]


@pytest.mark.parametrize("char", EXAMPLES)
def test_staff_intake_page_refuses_lookalike_digits(region, case_worker_a, client_for, char):
    """Staff intake: 200 with the format error at the member's ID field, nothing saved."""
    from tests.dibao.test_intake import START_URL, post_data

    response = client_for(case_worker_a).post(START_URL, post_data(region.village_a, **{
        "members-0-id_number": lookalike_id(char)}))  # fmt: skip
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["id_number"] == [str(ERR_ID_FORMAT)]
    assert Household.objects.count() == 0


@pytest.mark.parametrize("char", EXAMPLES)
def test_portal_members_step_refuses_lookalike_digits(client, region, char):
    """Portal (anonymous): the members step answers 200 with the format error."""
    from tests.portal.conftest import wizard_apply

    response = wizard_apply(client, region, id_number=lookalike_id(char))
    assert response.status_code == 200
    assert str(ERR_ID_FORMAT) in response.content.decode()
    assert DibaoProcess.objects.count() == 0


@pytest.mark.parametrize("char", EXAMPLES)
def test_api_refuses_lookalike_digits(client, region, char):
    """API: 400 naming the member's ID field with the format error, nothing filed."""
    from tests.portal.test_api import _auth, _payload
    from workflows.portal import services

    _, key = services.integration_client_create(name="12345 热线", county=region.county)
    payload = _payload(region.village_a.code)
    payload["members"][0]["id_number"] = lookalike_id(char)
    response = client.post("/portal/api/v1/applications/", payload, "application/json", **_auth(key))
    assert response.status_code == 400, response.content
    body = response.json()
    members = body["members"]
    first = members[0] if isinstance(members, list) else members["0"]
    assert first["id_number"] == [str(ERR_ID_FORMAT)]
    assert DibaoProcess.objects.count() == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=with_lookalike())
def test_http_entry_points_never_answer_500_to_lookalikes(client, region, case_worker_a, value):
    """Over HTTP, generated look-alike IDs: the API answers 400, the portal members step
    and staff intake answer 200 with the format error; nothing is filed."""
    from tests.dibao.test_intake import START_URL, post_data
    from tests.portal.test_api import _auth, _payload
    from workflows.portal import services

    _, key = services.integration_client_create(name=f"热线{len(value)}", county=region.county)
    payload = _payload(region.village_a.code)
    payload["members"][0]["id_number"] = value
    response = client.post("/portal/api/v1/applications/", payload, "application/json", **_auth(key))
    assert response.status_code == 400 and str(ERR_ID_FORMAT) in response.content.decode()

    client.post("/portal/apply/", {"village": region.village_a.pk})
    client.post("/portal/apply/household/", {
        "programme": "dibao", "area": "rural", "address": "青山村", "phone": "13912345678", "bank_account": "",
        "deposits": "0", "members_count": "1", "language": "zh-hans", "email": ""})  # fmt: skip
    response = client.post("/portal/apply/members/", {
        "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1", "members-0-name": "赵大山", "members-0-id_number": value,
        "members-0-relation": "applicant", "members-0-income_kind": "wage", "members-0-monthly_income": "0"})  # fmt: skip
    assert response.status_code == 200 and str(ERR_ID_FORMAT) in response.content.decode()

    client.force_login(case_worker_a, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(START_URL, post_data(region.village_a, **{"members-0-id_number": value}))
    assert response.status_code == 200 and str(ERR_ID_FORMAT) in response.content.decode()
    client.logout()
    assert DibaoProcess.objects.count() == 0
