"""Adapters over real HTTP against the sandbox: typed results and typed errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflows.finance_check.adapters import (
    ADAPTERS,
    MalformedResponse,
    RegistryRejected,
    RegistryServerError,
    RegistryTimeout,
    get_adapter,
    registry_config,
)
from workflows.finance_check.sandbox.records import PEOPLE, make_id
from workflows.finance_check.sources import ALL_SOURCES, Source

pytestmark = pytest.mark.usefixtures("registry_sandbox")

LIU = PEOPLE["liu_fang"].id_number
WANG = PEOPLE["wang_defu"].id_number
ZHANG = PEOPLE["zhang_jianguo"].id_number


def test_one_adapter_per_msl17_source():
    assert sorted(ADAPTERS) == sorted(ALL_SOURCES) and len(ALL_SOURCES) == 11


def test_config_from_settings(settings, registry_sandbox):
    settings.FINANCE_CHECK_REGISTRIES = {"tax": {"url": "https://tax.example.invalid/q", "timeout": 3, "token": "t"}}
    assert registry_config("tax").url == "https://tax.example.invalid/q"
    assert registry_config("tax").timeout == 3.0 and registry_config("tax").token == "t"
    assert registry_config("vehicles").url == f"{registry_sandbox.url}/registries/vehicles/query"


def test_demo_records_are_normalised():
    tax = get_adapter(Source.TAX).query([LIU], request_id="t").result
    assert tax.incomes[0].kind == "wage" and tax.incomes[0].monthly_amount == Decimal("1000.00")
    car = get_adapter(Source.VEHICLES).query([WANG], request_id="t").result.assets[0]
    assert car.kind == "vehicle" and "示A·3K721" in car.description and car.value == Decimal("62000.00")
    deposit = get_adapter(Source.BANK_DEPOSITS).query([ZHANG], request_id="t").result.assets[0]
    assert deposit.kind == "deposit" and deposit.value == Decimal("2400.00")
    person = get_adapter(Source.HOUSEHOLD_REGISTRATION).query([ZHANG], request_id="t").result.persons[0]
    assert person.name == "张建国" and person.status == "normal"


def test_unknown_people_have_no_findings():
    stranger = make_id(__import__("datetime").date(1990, 1, 1), 777)
    for source in ALL_SOURCES:
        outcome = get_adapter(source).query([stranger], request_id="t")
        assert outcome.result.is_empty, source
        assert len(outcome.raw_sha256) == 64 and outcome.http_status == 200


def test_every_added_record_shape_parses(registry_sandbox):
    who = make_id(__import__("datetime").date(1990, 1, 1), 778)
    registry_sandbox.add_records(
        {
            who: {
                "social_insurance": [{"id_number": who, "scheme": "pension_benefit", "monthly_amount": "1200"}],
                "housing_fund": [{"id_number": who, "wage_base": "3000", "status": "active", "employer": "X"}],
                "real_estate": [
                    {
                        "id_number": who,
                        "location": "青山村 3 组",
                        "area_m2": "98.5",
                        "certificate_no": "C1",
                        "assessed_value": "150000",
                    }
                ],
                "market_entity": [
                    {
                        "id_number": who,
                        "entity_name": "小卖部",
                        "uscc": "92990101",
                        "status": "active",
                        "registered_capital": "5000",
                    }
                ],
                "commercial_insurance": [
                    {"id_number": who, "insurer": "某寿险", "product": "分红险", "cash_value": "8000"}
                ],
                "securities": [
                    {"id_number": who, "broker": "某证券", "account_masked": "****12", "market_value": "3000.5"}
                ],
                "internet_finance": [{"id_number": who, "platform": "某平台", "product": "余额理财", "balance": 100}],
            }
        }
    )
    kinds = {}
    for source in ALL_SOURCES:
        result = get_adapter(source).query([who], request_id="t").result
        kinds[source] = [r.kind for r in (*result.incomes, *result.assets)]
    assert kinds["social_insurance"] == ["transfer"] and kinds["housing_fund"] == ["wage"]
    assert kinds["real_estate"] == ["housing"] and kinds["market_entity"] == ["business_entity"]
    assert kinds["commercial_insurance"] == ["insurance"] and kinds["securities"] == ["securities"]
    assert kinds["internet_finance"] == ["internet_finance"]


def test_timeout_is_typed_and_retryable(registry_sandbox):
    registry_sandbox.set_mode(Source.TAX, "timeout")
    with pytest.raises(RegistryTimeout) as exc:
        get_adapter(Source.TAX).query([ZHANG], request_id="t")
    assert exc.value.retryable


def test_http_500_is_typed_and_retryable(registry_sandbox):
    registry_sandbox.set_mode(Source.TAX, "http500")
    with pytest.raises(RegistryServerError) as exc:
        get_adapter(Source.TAX).query([ZHANG], request_id="t")
    assert exc.value.retryable and exc.value.http_status == 500 and exc.value.raw


def test_malformed_body_is_typed_and_not_retryable(registry_sandbox):
    registry_sandbox.set_mode(Source.TAX, "malformed")
    with pytest.raises(MalformedResponse) as exc:
        get_adapter(Source.TAX).query([ZHANG], request_id="t")
    assert not exc.value.retryable and exc.value.raw


def test_wrong_record_shape_is_malformed(registry_sandbox):
    registry_sandbox.add_records({ZHANG: {"tax": [{"id_number": ZHANG, "category": "wage", "annual_amount": "-5"}]}})
    with pytest.raises(MalformedResponse):
        get_adapter(Source.TAX).query([ZHANG], request_id="t")


def test_wrong_token_is_rejected_not_retried(settings, registry_sandbox):
    registry_sandbox.state.token = "right"
    settings.FINANCE_CHECK_TOKEN = "wrong"
    with pytest.raises(RegistryRejected) as exc:
        get_adapter(Source.TAX).query([ZHANG], request_id="t")
    assert exc.value.http_status == 401 and not exc.value.retryable
    settings.FINANCE_CHECK_TOKEN = "right"
    assert get_adapter(Source.TAX).query([ZHANG], request_id="t").http_status == 200


def test_connection_refused_is_a_retryable_server_error(settings, refused_url):
    settings.FINANCE_CHECK_SANDBOX_URL = refused_url
    with pytest.raises(RegistryServerError):
        get_adapter(Source.TAX).query([ZHANG], request_id="t")


def test_control_endpoint_over_http(registry_sandbox):
    import json
    import urllib.request

    req = urllib.request.Request(  # noqa: S310
        f"{registry_sandbox.url}/_control",
        data=json.dumps({"source": "tax", "mode": "http500", "latency_ms": 5}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=2) as response:  # noqa: S310
        assert json.loads(response.read())["modes"]["tax"]["mode"] == "http500"
    with pytest.raises(RegistryServerError):
        get_adapter(Source.TAX).query([ZHANG], request_id="t")
    with urllib.request.urlopen(f"{registry_sandbox.url}/_stats", timeout=2) as response:  # noqa: S310
        assert json.loads(response.read())["by_source"]["tax"] == 1
