"""The programme registry (workflows/core/programmes.py) is the only list of programmes.

Every programme in it has a flow that drives its cases, an intake template that exists, letter
templates that exist, a legal basis, and coherent deadline, benefit and re-check policies; no
product code outside the registry branches on a programme code (issue 17 item 1).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.template.loader import get_template

from workflows.core import programmes
from workflows.core.cases import CaseFields
from workflows.core.flows import CaseFlow
from workflows.core.programmes import AmountMethod, BenefitKind, Programme

ROOT = Path(__file__).resolve().parents[2]
SPECS = programmes.all_specs()
IDS = [s.code for s in SPECS]


def test_the_registry_holds_every_programme_choice_once():
    """One entry per ``Programme`` choice, keyed by its stored value; the stored values of
    the existing columns are unchanged (no data migration)."""
    assert list(programmes.REGISTRY) == list(Programme.values)
    assert set(Programme.values) >= {"dibao", "tekun", "temporary_assistance"}
    assert [c for c, _ in programmes.all_choices()] == list(Programme.values)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_programme_has_a_flow_driving_its_cases(spec):
    """The dotted flow path resolves to a case flow whose process model is the spec's, and
    the flow is found back from the class (``for_flow``)."""
    flow = spec.flow_class
    assert issubclass(flow, CaseFlow)
    assert flow.process_class is apps.get_model(spec.process_model)
    assert issubclass(flow.process_class, CaseFields)
    assert programmes.for_flow(flow) is spec
    assert flow in programmes.flows_of(spec.process_model)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_programme_has_its_templates_and_letters(spec):
    """The intake page is the spec's template, and it and every letter template exist; the
    flow's start view renders the spec's intake template."""
    get_template(spec.intake_template)
    view_class = spec.flow_class.start._start_view.view_class
    assert view_class().get_template_names() == [spec.intake_template]
    assert spec.letters, "a programme decides by letter (MSL 21, 38)"
    assert "decision_letter" in spec.letters
    for template in spec.letters.values():
        get_template(template)
    assert str(spec.intake_title).strip() and str(spec.label).strip()


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_programme_states_its_legal_basis(spec):
    """Letters cite the programme's rules: titled instruments 《…》 (MSL 38, SAI 65)."""
    assert spec.legal_basis
    for text in (*spec.legal_basis, *spec.termination_basis):
        assert text.startswith("《"), text


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_programme_has_coherent_policies(spec):
    """Deadlines: a staged programme has all three stage deadlines (TK 13, 15, 16), any other
    its decision deadlines from acceptance (MSL 22). Benefits: a monthly benefit is computed
    by a method and re-checked periodically (MSL 31); a recognition computes no amount."""
    d = spec.deadlines
    if d.staged:
        assert d.opinion_days and d.reopinion_days and d.decision_after_notice_days
        assert not d.extendable
    else:
        assert (d.decision_days_delegated and d.decision_days_not_delegated) or spec.benefit.kind == BenefitKind.ONE_OFF
    b = spec.benefit
    assert b.kind in BenefitKind.values and b.amount_method in AmountMethod.values
    assert (b.kind == BenefitKind.RECOGNITION) == (b.amount_method == AmountMethod.NONE)
    if b.kind in (BenefitKind.MONTHLY, BenefitKind.RECOGNITION):
        assert spec.recheck.periodic
        assert spec.recheck.unstable_months <= spec.recheck.stable_months
    else:
        assert not spec.recheck.periodic


def test_case_prefixes_are_unique_across_programmes_and_case_models():
    """A case number names its programme: no two programmes or case models share a prefix."""
    prefixes = [s.case_prefix for s in SPECS]
    assert len(set(prefixes)) == len(prefixes)
    others = {
        m.CASE_PREFIX
        for m in apps.get_models()
        if issubclass(m, CaseFields) and m._meta.label not in {s.process_model for s in SPECS}
    }
    assert not others & set(prefixes)


def test_unknown_programme_is_refused():
    """An unknown code is a LookupError, never a silent default."""
    with pytest.raises(LookupError):
        programmes.spec("linshi")
    assert not programmes.is_programme("linshi")
    assert programmes.is_programme("tekun")


def test_dibao_cases_offer_only_their_programmes():
    """The dibao case model's choices are the programmes whose flows drive it."""
    from workflows.dibao.models import DibaoProcess

    codes = [c for c, _ in DibaoProcess._meta.get_field("programme").choices]
    assert codes == [s.code for s in programmes.specs_of("dibao.DibaoProcess")]
    assert Programme.TEMPORARY_ASSISTANCE not in codes


# --- no programme branch outside the registry ---------------------------------------------

CODES = "|".join(re.escape(c) for c in Programme.values)
_Q = r"""["']"""
BRANCH_PATTERNS = [
    re.compile(rf"[=!]=\s*{_Q}(?:{CODES}){_Q}"),  # x == "tekun"
    re.compile(rf"{_Q}(?:{CODES}){_Q}\s*[=!]="),  # "tekun" == x
    re.compile(rf"\b(?:not\s+)?in\s*[(\[{{][^)\]}}]*{_Q}(?:{CODES}){_Q}"),  # x in ("dibao", "tekun")
    re.compile(r"(?:[=!]=|\bis(?:\s+not)?|\bin)\s*(?:Programme|Purpose)\.[A-Z_]+"),  # x == Programme.TEKUN
    re.compile(r"(?:Programme|Purpose)\.[A-Z_]+\s*(?:[=!]=|\bin\b)"),  # Programme.TEKUN == x
    re.compile(r"\(\s*DibaoFlow\s*,\s*TekunFlow\s*\)"),  # a hand-made tuple of the flows
    re.compile(r"[=!]=\s*(?:\w+\.)?(?:DIBAO|TEKUN|TEMPORARY_ASSISTANCE)\b"),  # x == TEMPORARY_ASSISTANCE
    re.compile(r"\w*LEGAL_BASIS\s*=|\bPROGRAMMES\s*=|class\s+(?:Programme|Purpose)\("),  # a second list
    re.compile(rf"{_Q}(?:{CODES}){_Q}\s*[,:].*{_Q}(?:{CODES}){_Q}"),  # ("dibao", "tekun", …)
]
REGISTRY_FILE = ROOT / "workflows" / "core" / "programmes.py"


def _product_files():
    for path in sorted((ROOT / "workflows").rglob("*.py")):
        if "migrations" not in path.parts and path != REGISTRY_FILE:
            yield path
    yield from sorted((ROOT / "templates").rglob("*.html"))


def programme_branches(text: str) -> list[str]:
    """The lines of ``text`` that branch on a programme code or keep a list of programmes."""
    return [line.strip() for line in text.splitlines() if any(p.search(line) for p in BRANCH_PATTERNS)]


def test_the_branch_detector_finds_branches_and_passes_spec_questions():
    """The grep below can fail: it flags each shape of programme branch, and not a spec lookup."""
    bad = [
        'if programme == "tekun":',
        "{% if view.programme == 'tekun' %}",
        'if "dibao" != process.programme:',
        'if purpose in ("dibao", "temporary_assistance"):',
        "if process.programme == Programme.TEKUN:",
        "spending_shock = purpose == Purpose.TEMPORARY_ASSISTANCE",
        "elif sender in (DibaoFlow, TekunFlow):",
        'LEGAL_BASIS = {"dibao": ()}',
        "TERMINATION_LEGAL_BASIS = {",
        'PROGRAMME_FLOW_LABELS = ("dibao", "tekun", "temporaryassistance")',
        "if purpose == TEMPORARY_ASSISTANCE and spending_shock:",
        "class Programme(models.TextChoices):",
    ]
    good = [
        "if process.spec.deadlines.staged:",
        "programme = Programme.TEKUN",
        'process.decision == "approved"',
        "flow = programmes.spec(programme).flow_class",
        'label = "dibao"',
    ]
    assert [programme_branches(line) for line in bad] == [[line] for line in bad]
    assert [line for line in good if programme_branches(line)] == []


def test_no_programme_branch_outside_the_registry():
    """Product code asks the programme's spec; a literal programme branch anywhere in
    workflows/ or templates/ (outside core/programmes.py and migrations) fails this test."""
    found = {}
    for path in _product_files():
        lines = programme_branches(path.read_text(encoding="utf-8"))
        if lines:
            found[str(path.relative_to(ROOT))] = lines
    assert found == {}
