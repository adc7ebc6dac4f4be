"""Versioned rule configuration (domain.md §3, §6, §7)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from workflows.core.models import (
    DibaoAmountBand,
    DibaoAmountRule,
    DibaoStandard,
    SamplingRule,
    TekunSupportRule,
    TemporaryAssistanceRule,
)
from workflows.core.models.rules import ERR_BANDS_WITH_GAP_METHOD, AmountMethod, Area, Period, RuleNotConfigured

D = datetime.date


def test_yearly_standard_is_normalised_to_monthly(region):
    """SAI 9 / domain.md §3: rural 4,800 yuan per person per year = 400.00 per month."""
    std = DibaoStandard.objects.in_force(county=region.county, on=D(2026, 6, 1), area=Area.RURAL)
    assert std.monthly_amount == Decimal("400.00")
    urban = DibaoStandard.objects.in_force(county=region.county, on=D(2026, 6, 1), area=Area.URBAN)
    assert urban.monthly_amount == Decimal("600.00")


def test_the_version_in_force_on_the_date_applies(region):
    """A case decided in 2026 uses the 2026 figure; one decided in 2025 keeps the old one."""
    DibaoStandard.objects.create(
        county=region.county, area=Area.URBAN, period=Period.MONTHLY, amount=Decimal("650.00"),
        effective_from=D(2027, 1, 1),
    )  # fmt: skip
    assert DibaoStandard.objects.in_force(county=region.county, on=D(2026, 12, 31), area=Area.URBAN).amount == Decimal(
        "600.00"
    )
    assert DibaoStandard.objects.in_force(county=region.county, on=D(2027, 1, 1), area=Area.URBAN).amount == Decimal(
        "650.00"
    )


def test_missing_rule_gives_a_clear_error(region):
    """Before any version is in force the lookup names the county, date and rule."""
    with pytest.raises(RuleNotConfigured) as exc:
        DibaoStandard.objects.in_force(county=region.county, on=D(2020, 1, 1), area=Area.URBAN)
    assert "2020-01-01" in str(exc.value)
    assert region.county.name in str(exc.value)


def test_a_version_in_force_cannot_be_edited(region):
    """Editing a version cases may already use is refused; nothing changes."""
    std = DibaoStandard.objects.in_force(county=region.county, on=D(2026, 1, 1), area=Area.URBAN)
    std.amount = Decimal("1.00")
    with pytest.raises(ValidationError):
        std.save()
    std.refresh_from_db()
    assert std.amount == Decimal("600.00")


def test_a_future_version_may_still_be_corrected(region):
    """A version not yet in force can be corrected before it applies."""
    future = DibaoStandard.objects.create(
        county=region.county, area=Area.RURAL, period=Period.YEARLY, amount=Decimal("5000.00"),
        effective_from=D(2099, 1, 1),
    )  # fmt: skip
    future.amount = Decimal("5100.00")
    future.save()
    future.refresh_from_db()
    assert future.amount == Decimal("5100.00")


def test_township_limit_defaults_to_three_times_urban_standard(region):
    """TA18 2(2) / domain.md §6: default township limit = 3 x urban monthly standard = 1,800."""
    rule = TemporaryAssistanceRule.objects.in_force(county=region.county, on=D(2026, 3, 1))
    assert rule.township_limit is None
    assert rule.effective_township_limit(on=D(2026, 3, 1)) == Decimal("1800.00")


def test_sampling_ratio_defaults_to_thirty_percent(region):
    """TK 16 / MSL 20: the county reviews at least 30% of township approvals."""
    rule = SamplingRule.objects.in_force(county=region.county)
    assert rule.ratio == Decimal("0.300")
    bad = SamplingRule(county=region.county, effective_from=D(2099, 1, 1), ratio=Decimal("0.1"))
    with pytest.raises(ValidationError):
        bad.full_clean()


# --- dibao amount method and bands (MSL 23), 特困 support factor ----------------------
def _band(over, up_to, amount):
    return {
        "gap_over": Decimal(over),
        "gap_up_to": Decimal(up_to) if up_to is not None else None,
        "amount_per_person": Decimal(amount),
    }


VALID_BANDS = [_band("0", "100", "150"), _band("100", "250", "300"), _band("250", None, "400")]


def test_valid_band_table_has_no_errors_in_any_row_order():
    """MSL 23: bands from 0, contiguous, last open-ended are accepted, whatever order they were typed in."""
    assert DibaoAmountRule.band_errors(VALID_BANDS, method=AmountMethod.BANDS) == []
    assert DibaoAmountRule.band_errors(list(reversed(VALID_BANDS)), method=AmountMethod.BANDS) == []


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([_band("0", "100", "150"), _band("90", None, "300")], "重叠"),  # overlap
        ([_band("0", "100", "150"), _band("100", None, "300"), _band("100", "200", "200")], "重叠"),
        ([_band("0", "100", "150"), _band("120", None, "300")], "空档"),  # hole
        ([_band("10", None, "150")], "0 元起算"),
        ([_band("0", "100", "150"), _band("100", "200", "300")], "最后一档须不设上限"),
        ([_band("0", None, "150"), _band("100", None, "300")], "只有最后一档"),
        ([_band("0", "100", "150"), _band("100", "100", "150"), _band("100", None, "300")], "上限须高于下限"),
        ([_band("0", "100", "-1"), _band("100", None, "300")], "负数"),
        ([_band("0", "100", "150.005"), _band("100", None, "300")], "两位小数"),
        ([], "至少配置一个档次"),
    ],
)
def test_invalid_band_tables_are_refused_with_translated_reasons(rows, message):
    """MSL 23: a band table must be ordered from 0, non-negative, without holes or overlaps,
    and cover every gap; each defect gets its own (Chinese) message."""
    errors = [str(e) for e in DibaoAmountRule.band_errors(rows, method=AmountMethod.BANDS)]
    assert any(message in e for e in errors), errors


def test_gap_method_takes_no_bands():
    """MSL 23: the gap method computes the amount itself; band rows under it are refused."""
    assert DibaoAmountRule.band_errors([], method=AmountMethod.GAP) == []
    assert DibaoAmountRule.band_errors(VALID_BANDS, method=AmountMethod.GAP) == [ERR_BANDS_WITH_GAP_METHOD]


def test_band_version_in_force_on_a_date(region):
    """MSL 23: the band version in force on the date applies; an earlier date keeps the earlier version."""
    old = _bands_rule(region.county, D(2026, 1, 1), [("0", None, "200")])
    new = _bands_rule(region.county, D(2026, 10, 1), [("0", None, "250")])
    assert DibaoAmountRule.objects.in_force(county=region.county, on=D(2026, 9, 30), area=Area.RURAL) == old
    assert DibaoAmountRule.objects.in_force(county=region.county, on=D(2026, 10, 1), area=Area.RURAL) == new
    # urban keeps the seeded gap method (configure_rules, since 2025)
    urban = DibaoAmountRule.objects.in_force(county=region.county, on=D(2026, 10, 1), area=Area.URBAN)
    assert urban.method == AmountMethod.GAP


def test_bands_of_a_version_in_force_cannot_be_edited_or_deleted(region):
    """A band of a version cases may already use is frozen like the version (domain.md §3)."""
    rule = _bands_rule(region.county, D(2026, 1, 1), [("0", "100", "150"), ("100", None, "300")])
    band = rule.bands.first()
    band.amount_per_person = Decimal("999.00")
    with pytest.raises(ValidationError):
        band.save()
    with pytest.raises(ValidationError):
        band.delete()
    band.refresh_from_db()
    assert band.amount_per_person == Decimal("150.00") and rule.bands.count() == 2


def test_bands_of_a_future_version_may_be_corrected(region):
    """A band of a version not yet in force can still be corrected."""
    rule = _bands_rule(region.county, D(2099, 1, 1), [("0", None, "150")])
    band = rule.bands.get()
    band.amount_per_person = Decimal("160.00")
    band.save()
    assert rule.bands.get().amount_per_person == Decimal("160.00")


def test_tekun_factor_is_a_versioned_county_rule(region):
    """特困 basic support factor: seeded 1.30 (configure_rules); a later version applies from its date;
    a factor below 1.00 (support under the dibao standard) is refused."""
    assert TekunSupportRule.objects.in_force(county=region.county, on=D(2026, 1, 1)).standard_factor == Decimal("1.30")
    TekunSupportRule.objects.create(county=region.county, effective_from=D(2026, 7, 1), standard_factor=Decimal("1.50"))
    assert TekunSupportRule.objects.in_force(county=region.county, on=D(2026, 6, 30)).standard_factor == Decimal("1.30")
    assert TekunSupportRule.objects.in_force(county=region.county, on=D(2026, 7, 1)).standard_factor == Decimal("1.50")
    with pytest.raises(ValidationError):
        TekunSupportRule(
            county=region.county, effective_from=D(2099, 1, 1), standard_factor=Decimal("0.90")
        ).full_clean()


def _bands_rule(county, since, bands, area=Area.RURAL):
    rule = DibaoAmountRule.objects.create(county=county, area=area, effective_from=since, method=AmountMethod.BANDS)
    for over, up_to, amount in bands:
        DibaoAmountBand.objects.create(
            rule=rule,
            gap_over=Decimal(over),
            gap_up_to=Decimal(up_to) if up_to is not None else None,
            amount_per_person=Decimal(amount),
        )
    return rule


# --- admin ------------------------------------------------------------------------
def _admin_post(region, bands, *, method=AmountMethod.BANDS, effective_from="2099-01-01"):
    data = {
        "county": region.county.pk,
        "effective_from": effective_from,
        "area": Area.RURAL,
        "method": method,
        "note": "测试",
        "bands-TOTAL_FORMS": str(len(bands)),
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
    }
    for i, (over, up_to, amount) in enumerate(bands):
        data.update(
            {f"bands-{i}-gap_over": over, f"bands-{i}-gap_up_to": up_to or "", f"bands-{i}-amount_per_person": amount}
        )
    return data


@pytest.fixture
def rules_admin_user(region):
    from tests.factories import UserFactory

    return UserFactory(username="rules_admin", is_staff=True, is_superuser=True)


@pytest.fixture
def rules_admin(rules_admin_user, client_for):
    return client_for(rules_admin_user)


def test_admin_creates_a_band_version_and_audits_it(region, rules_admin):
    """MSL 23: a county administrator enters a band version in the admin; the bands are saved
    with it and the change is on the configuration audit chain."""
    from django.urls import reverse

    from workflows.core.models import AuditEvent

    bands = [("0", "100", "150"), ("100", "250", "300"), ("250", "", "400")]
    response = rules_admin.post(reverse("admin:core_dibaoamountrule_add"), _admin_post(region, bands))
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = DibaoAmountRule.objects.get(effective_from=D(2099, 1, 1))
    assert [(b.gap_over, b.gap_up_to, b.amount_per_person) for b in rule.bands.all()] == [
        (Decimal("0.00"), Decimal("100.00"), Decimal("150.00")),
        (Decimal("100.00"), Decimal("250.00"), Decimal("300.00")),
        (Decimal("250.00"), None, Decimal("400.00")),
    ]
    actions = AuditEvent.objects.filter(chain="config:core.dibaoamountrule").values_list("action", flat=True)
    assert list(actions) == ["config.create", "config.bands"]


@pytest.mark.parametrize(
    ("bands", "method", "message"),
    [
        ([("0", "100", "150"), ("90", "", "300")], AmountMethod.BANDS, "重叠"),
        ([("0", "100", "150"), ("120", "", "300")], AmountMethod.BANDS, "空档"),
        ([], AmountMethod.BANDS, "至少配置一个档次"),
        ([("0", "", "150")], AmountMethod.GAP, "补差计发不使用档次"),
        ([("0", "100", "150"), ("100", "", "-5")], AmountMethod.BANDS, "确保该值大于或等于0"),
    ],
)
def test_admin_refuses_invalid_bands_with_translated_errors_and_saves_nothing(
    region, rules_admin, bands, method, message
):
    """MSL 23: overlapping bands, holes, a missing table, bands under the gap method or a
    negative amount are refused in the admin with a Chinese message; nothing is saved."""
    from django.urls import reverse

    response = rules_admin.post(reverse("admin:core_dibaoamountrule_add"), _admin_post(region, bands, method=method))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DibaoAmountRule.objects.filter(effective_from=D(2099, 1, 1)).exists()


def test_admin_shows_bands_of_a_version_in_force_read_only(region, rules_admin, rules_admin_user, rf):
    """A version in force (and its bands) cannot be changed in the admin: no band can be
    added, changed or deleted, and the change page shows no band inputs; a future version
    stays editable."""
    from django.contrib import admin as django_admin

    rule = _bands_rule(region.county, D(2026, 1, 1), [("0", None, "150")])
    future = _bands_rule(region.county, D(2099, 1, 1), [("0", None, "150")])
    request = rf.get("/")
    request.user = rules_admin_user
    inline = django_admin.site._registry[DibaoAmountRule].inlines[0](DibaoAmountRule, django_admin.site)
    assert not inline.has_add_permission(request, rule)
    assert not inline.has_change_permission(request, rule)
    assert not inline.has_delete_permission(request, rule)
    assert inline.has_add_permission(request, future) and inline.has_change_permission(request, future)
    page = rules_admin.get(f"/admin/core/dibaoamountrule/{rule.pk}/change/").content.decode()
    assert 'name="bands-0-amount_per_person"' not in page and "150.00" in page
    page = rules_admin.get(f"/admin/core/dibaoamountrule/{future.pk}/change/").content.decode()
    assert 'name="bands-0-amount_per_person"' in page


def test_case_staff_cannot_open_the_rules_admin(region, case_worker_a, client_for):
    """Negative: a township case worker cannot reach the amount-rule admin (login page instead)."""
    response = client_for(case_worker_a).get("/admin/core/dibaoamountrule/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# --- rule versions entered by a person (issue 15 item 4) ---------------------------------
def _today():
    from django.utils import timezone

    return timezone.localdate()


def _standard(region, *, effective_from, amount="650.00", area=Area.URBAN, **kw):
    return DibaoStandard(
        county=region.county, area=area, period=Period.MONTHLY, amount=Decimal(amount), effective_from=effective_from,
        **kw,
    )  # fmt: skip


def _urban_in_force(region):
    return DibaoStandard.objects.in_force(county=region.county, area=Area.URBAN)


def _config_actions(model="dibaostandard"):
    from workflows.core.models import AuditEvent

    return list(
        AuditEvent.objects.filter(chain=f"config:core.{model}").order_by("seq").values_list("action", flat=True)
    )


def test_a_version_effective_yesterday_is_refused_today_is_accepted(region, rules_admin_user):
    """A person enters a version effective today or later: yesterday is refused with a clear
    message naming today's date; nothing is saved. Today is accepted and audited."""
    from workflows.core.models.rules import ERR_RULE_IN_PAST
    from workflows.core.rule_versions import rule_version_create

    yesterday = _today() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        rule_version_create(version=_standard(region, effective_from=yesterday), actor=rules_admin_user)
    assert exc.value.message_dict["effective_from"] == [str(ERR_RULE_IN_PAST % {"today": _today().isoformat()})]
    assert not DibaoStandard.objects.filter(effective_from=yesterday).exists()
    assert _config_actions() == []

    version = rule_version_create(version=_standard(region, effective_from=_today()), actor=rules_admin_user)
    assert version.created_by == rules_admin_user
    assert _urban_in_force(region) == version
    assert _config_actions() == ["config.create"]


def test_today_is_the_shanghai_date_not_the_utc_date(region, rules_admin_user, monkeypatch):
    """At 01:00 in Shanghai (17:00 UTC the day before) the UTC date is already yesterday
    in Shanghai: a version effective on it is refused."""
    from django.utils import timezone

    from workflows.core.rule_versions import rule_version_create

    now = datetime.datetime(2026, 12, 1, 17, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    with pytest.raises(ValidationError):
        rule_version_create(version=_standard(region, effective_from=D(2026, 12, 1)), actor=rules_admin_user)
    assert rule_version_create(version=_standard(region, effective_from=D(2026, 12, 2)), actor=rules_admin_user).pk


def test_admin_refuses_a_standard_effective_yesterday(region, rules_admin):
    """The acceptance case of issue 15: the admin add form refuses a standard effective
    yesterday with the translated message; nothing is saved."""
    from django.urls import reverse

    yesterday = _today() - datetime.timedelta(days=1)
    data = {"county": region.county.pk, "area": Area.URBAN, "period": Period.MONTHLY, "amount": "650.00",
            "effective_from": yesterday.isoformat(), "note": ""}  # fmt: skip
    response = rules_admin.post(reverse("admin:core_dibaostandard_add"), data)
    assert response.status_code == 200
    assert "生效日期不能早于今天" in response.content.decode()
    assert not DibaoStandard.objects.filter(effective_from=yesterday).exists()
    data["effective_from"] = _today().isoformat()
    assert rules_admin.post(reverse("admin:core_dibaostandard_add"), data).status_code == 302
    assert _urban_in_force(region).amount == Decimal("650.00")


def test_a_correction_of_a_version_in_force_needs_a_reason_and_is_audited(region, rules_admin_user):
    """A mistake in a version in force is corrected by a new version that names it and says
    why; without a reason it is refused; the audit row keeps the reason and the corrected version."""
    from workflows.core.models import AuditEvent
    from workflows.core.models.rules import ERR_CORRECTION_REASON
    from workflows.core.rule_versions import rule_version_create

    in_force = _urban_in_force(region)
    with pytest.raises(ValidationError) as exc:
        rule_version_create(
            version=_standard(region, effective_from=_today(), corrects=in_force), actor=rules_admin_user
        )
    assert exc.value.message_dict["correction_reason"] == [str(ERR_CORRECTION_REASON)]
    correction = rule_version_create(
        version=_standard(region, effective_from=_today(), corrects=in_force, correction_reason="文号录入错误"),
        actor=rules_admin_user,
    )
    assert _urban_in_force(region) == correction
    in_force.refresh_from_db()
    assert in_force.amount == Decimal("600.00")  # the old version is untouched
    event = AuditEvent.objects.get(chain="config:core.dibaostandard", action="config.correct")
    assert event.actor == rules_admin_user
    assert event.data["corrects"] == in_force.pk and event.data["reason"] == "文号录入错误"
    assert event.changes["amount"] == [None, "650.00"]


@pytest.mark.parametrize("what", ["future", "other_area", "reason_without_correction"])
def test_a_correction_must_correct_a_version_in_force_of_the_same_rule(region, rules_admin_user, what):
    """Negative: only a version already in force is corrected (a future one is simply edited or
    withdrawn); a correction stays in its county and area; a reason alone is not a correction."""
    from workflows.core.models.rules import (
        ERR_CORRECTS_NOT_IN_FORCE,
        ERR_CORRECTS_OTHER_COUNTY,
        ERR_REASON_WITHOUT_CORRECTION,
    )
    from workflows.core.rule_versions import rule_version_create

    if what == "future":
        target = _standard(region, effective_from=_today() + datetime.timedelta(days=30))
        target.save()
        version, field, message = _standard(region, effective_from=_today(), corrects=target,
                                            correction_reason="x"), "corrects", ERR_CORRECTS_NOT_IN_FORCE  # fmt: skip
    elif what == "other_area":
        rural = DibaoStandard.objects.in_force(county=region.county, area=Area.RURAL)
        version, field, message = _standard(region, effective_from=_today(), corrects=rural,
                                            correction_reason="x"), "corrects", ERR_CORRECTS_OTHER_COUNTY  # fmt: skip
    else:
        version, field, message = _standard(region, effective_from=_today(), correction_reason="x"), \
            "correction_reason", ERR_REASON_WITHOUT_CORRECTION  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        rule_version_create(version=version, actor=rules_admin_user)
    assert exc.value.message_dict[field] == [str(message)]
    assert _config_actions() == []


def test_admin_correction_link_prefills_the_figures_in_force(region, rules_admin):
    """The change page of a version in force offers "新增更正版本", which opens the add form with
    the figures in force, the version it corrects and today's date filled in."""
    in_force = _urban_in_force(region)
    page = rules_admin.get(f"/admin/core/dibaostandard/{in_force.pk}/change/").content.decode()
    assert f"/admin/core/dibaostandard/add/?corrects={in_force.pk}" in page and "新增更正版本" in page
    form = rules_admin.get(f"/admin/core/dibaostandard/add/?corrects={in_force.pk}").context["adminform"].form
    assert form.initial["amount"] == Decimal("600.00") and form.initial["corrects"] == in_force.pk
    assert form.initial["effective_from"] == _today() and form.initial["area"] == Area.URBAN


def test_a_version_not_in_force_can_be_withdrawn_one_in_force_cannot(region, rules_admin, rules_admin_user):
    """A future version is withdrawn (deleted) in the admin, audited with its figures; a version
    in force cannot be deleted: no delete permission, and the service refuses with a message."""
    from workflows.core.models import AuditEvent
    from workflows.core.rule_versions import ERR_WITHDRAW_IN_FORCE, rule_version_withdraw

    future = _standard(region, effective_from=_today() + datetime.timedelta(days=10))
    future.save()
    response = rules_admin.post(f"/admin/core/dibaostandard/{future.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not DibaoStandard.objects.filter(pk=future.pk).exists()
    event = AuditEvent.objects.get(chain="config:core.dibaostandard", action="config.withdraw")
    assert event.changes["amount"] == ["650.00", None] and event.actor == rules_admin_user

    in_force = _urban_in_force(region)
    assert rules_admin.get(f"/admin/core/dibaostandard/{in_force.pk}/delete/").status_code == 403
    with pytest.raises(ValidationError) as exc:
        rule_version_withdraw(version=in_force, actor=rules_admin_user)
    assert exc.value.messages == [str(ERR_WITHDRAW_IN_FORCE)]
    assert DibaoStandard.objects.filter(pk=in_force.pk).exists()


def test_withdrawing_a_future_band_version_removes_its_bands(region, rules_admin_user):
    """A future band version is withdrawn together with its bands (audited with them)."""
    from workflows.core.rule_versions import rule_version_withdraw

    rule = _bands_rule(region.county, _today() + datetime.timedelta(days=5), [("0", None, "150")])
    rule_version_withdraw(version=rule, actor=rules_admin_user)
    assert not DibaoAmountRule.objects.filter(pk=rule.pk).exists()
    assert not DibaoAmountBand.objects.filter(rule_id=rule.pk).exists()
    assert _config_actions("dibaoamountrule") == ["config.withdraw"]


def test_admin_bulk_delete_withdraws_future_versions_and_refuses_one_in_force(region, rules_admin):
    """The list's delete action withdraws future versions; a selection holding a version in
    force is refused as a whole (403) and nothing is deleted."""
    from workflows.core.models import AuditEvent

    future = _standard(region, effective_from=_today() + datetime.timedelta(days=3))
    future.save()
    in_force = _urban_in_force(region)
    action = {"action": "delete_selected", "post": "yes"}
    response = rules_admin.post("/admin/core/dibaostandard/", {**action, "_selected_action": [future.pk, in_force.pk]})
    assert response.status_code == 403
    assert DibaoStandard.objects.filter(pk__in=[future.pk, in_force.pk]).count() == 2
    response = rules_admin.post("/admin/core/dibaostandard/", {**action, "_selected_action": [future.pk]})
    assert response.status_code == 302
    assert not DibaoStandard.objects.filter(pk=future.pk).exists()
    assert AuditEvent.objects.filter(chain="config:core.dibaostandard", action="config.withdraw").count() == 1


def test_saving_a_version_in_force_in_the_admin_is_refused_with_a_message(region, rules_admin):
    """Posting the read-only change form of a version in force gives the translated message, not a 500."""
    in_force = _urban_in_force(region)
    response = rules_admin.post(f"/admin/core/dibaostandard/{in_force.pk}/change/", {})
    assert response.status_code == 200
    assert "已生效的规则版本不能修改" in response.content.decode()


def test_admin_posts_a_correction_with_its_reason(region, rules_admin, rules_admin_user):
    """The administrator saves a correction from the pre-filled form: a new version effective
    today that names the corrected one and the reason, audited as a correction; without the
    reason the form says so and nothing is saved."""
    from django.urls import reverse

    from workflows.core.models import AuditEvent

    in_force = _urban_in_force(region)
    data = {"county": region.county.pk, "area": Area.URBAN, "period": Period.MONTHLY, "amount": "620.00",
            "effective_from": _today().isoformat(), "note": "更正", "corrects": in_force.pk}  # fmt: skip
    url = reverse("admin:core_dibaostandard_add")
    response = rules_admin.post(url, {**data, "correction_reason": ""})
    assert response.status_code == 200 and "更正已生效的版本须说明更正理由" in response.content.decode()
    assert _urban_in_force(region) == in_force
    assert rules_admin.post(url, {**data, "correction_reason": "金额录入错误"}).status_code == 302
    correction = _urban_in_force(region)
    assert correction.corrects == in_force and correction.amount == Decimal("620.00")
    event = AuditEvent.objects.get(chain="config:core.dibaostandard", action="config.correct")
    assert event.actor == rules_admin_user and event.data["reason"] == "金额录入错误"
