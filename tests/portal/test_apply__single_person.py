"""单人户 in the portal wizard (domain.md §8): on the consents step, a dibao applicant may
ask for a disabled or seriously ill member to be enrolled alone."""

from __future__ import annotations

import datetime
from decimal import Decimal

from tests.factories import make_id_number
from workflows.dibao import services as dibao_services
from workflows.portal.forms import ConsentsForm


def member(name, *, relation="spouse", disabled=False, ill=False, born=datetime.date(1970, 1, 1), seq=101):
    return dibao_services.MemberInput(
        name=name, id_number=make_id_number(born, seq=seq), relation=relation, is_student=False,
        is_disabled=disabled, has_serious_illness=ill, can_work=False, income_kind="wage",
        monthly_income=Decimal("0"), signed_check_authorisation=False, signed_truthfulness=False,
    )  # fmt: skip


MEMBERS = [
    member("赵大山", relation="applicant", seq=201),
    member("李桂芝", disabled=True, seq=202),
    member("赵小川", ill=True, relation="minor_child", born=datetime.date(2015, 1, 1), seq=203),
]


def test_offers_only_disabled_or_ill_members_for_dibao():
    """domain.md §8: the choice lists the disabled or seriously ill members, and "no request"."""
    form = ConsentsForm(members=MEMBERS, programme="dibao")
    choices = [str(label) for _value, label in form.fields["single_person"].choices]
    assert choices[1:] == ["李桂芝", "赵小川"] and "不申请" in choices[0]


def test_not_offered_for_tekun_or_without_such_member():
    """单人户 is a dibao rule; nothing to offer without a disabled or ill member."""
    assert "single_person" not in ConsentsForm(members=MEMBERS, programme="tekun").fields
    assert "single_person" not in ConsentsForm(members=MEMBERS[:1], programme="dibao").fields


def test_the_chosen_member_is_named_in_the_application():
    """The chosen member's name goes to the filing service, which records the request."""
    data = {"authorise_0": "on", "authorise_1": "on", "truthfulness": "on", "single_person": "1"}
    form = ConsentsForm(data, members=MEMBERS, programme="dibao")
    assert form.is_valid(), form.errors
    assert form.single_person_name() == "李桂芝"
    form = ConsentsForm({**data, "single_person": ""}, members=MEMBERS, programme="dibao")
    assert form.is_valid() and form.single_person_name() == ""
