"""A household's member rows, shared by every intake (dibao, 特困, 低收入, temporary assistance, the portal)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.households.models import DeclaredIncome, HouseholdMember, RigidExpense
from workflows.households.validators import (
    ERR_EXPENSE_AMOUNT,
    ERR_EXPENSE_KIND,
    ERR_INCOME_AMOUNT,
    ERR_INCOME_KIND,
)

from .. import services
from .common import bootstrap_widgets


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    relation = forms.ChoiceField(label=_("与申请人关系"), choices=HouseholdMember.Relation.choices)
    is_student = forms.BooleanField(label=_("全日制在校生"), required=False)
    is_disabled = forms.BooleanField(label=_("残疾"), required=False)
    has_serious_illness = forms.BooleanField(label=_("重病"), required=False)
    can_work = forms.BooleanField(label=_("有劳动能力"), required=False)
    income_kind = forms.ChoiceField(label=_("收入类别"), choices=DeclaredIncome.Kind.choices, initial="wage")
    monthly_income = forms.DecimalField(
        label=_("月均收入（元）"), min_value=Decimal("0"), decimal_places=2, max_digits=12, initial=Decimal("0")
    )
    income_kind_2 = forms.ChoiceField(
        label=_("第二项收入类别（没有则不填）"), choices=[("", "---"), *DeclaredIncome.Kind.choices], required=False
    )
    monthly_income_2 = forms.DecimalField(
        label=_("第二项收入每月金额（元）"), min_value=Decimal("0.01"), decimal_places=2, max_digits=12, required=False
    )
    expense_kind = forms.ChoiceField(
        label=_("刚性支出类别（MSL 13，无则不填）"), choices=[("", "---"), *RigidExpense.Kind.choices], required=False
    )
    expense_monthly = forms.DecimalField(
        label=_("刚性支出月均金额（元）"), min_value=Decimal("0.01"), decimal_places=2, max_digits=12, required=False
    )
    expense_proof = forms.FileField(label=_("刚性支出凭证（PDF/JPG/PNG，≤5MB）"), required=False)
    expense_kind_2 = forms.ChoiceField(
        label=_("第二项刚性支出类别（没有则不填）"), choices=[("", "---"), *RigidExpense.Kind.choices], required=False
    )
    expense_monthly_2 = forms.DecimalField(
        label=_("第二项刚性支出月均金额（元）"), min_value=Decimal("0.01"), decimal_places=2, max_digits=12,
        required=False,
    )  # fmt: skip
    expense_proof_2 = forms.FileField(label=_("第二项刚性支出凭证（PDF/JPG/PNG，≤5MB）"), required=False)
    signed_check_authorisation = forms.BooleanField(label=_("已签署核对授权书"), required=False)
    signed_truthfulness = forms.BooleanField(label=_("已签署真实性承诺书"), required=False)

    # A row counts once it names someone (or declares spending): the preselected
    # relation and income kind of a blank row are not a member (issue 14).
    KEY_FIELDS = ("name", "id_number", "monthly_income_2", "expense_monthly", "expense_monthly_2")
    # (kind, amount[, proof]) field names of the extra income row and the spending rows
    INCOME_ROWS = (("income_kind_2", "monthly_income_2"),)
    EXPENSE_ROWS = (("expense_kind", "expense_monthly", "expense_proof"),
                    ("expense_kind_2", "expense_monthly_2", "expense_proof_2"))  # fmt: skip

    def has_changed(self):
        return any(str(self.data.get(self.add_prefix(name)) or "").strip() for name in self.KEY_FIELDS)

    # How the staff intake page groups a member's fields; "more" rows start folded.
    FIELD_GROUPS = (
        (_("身份与关系"), ("name", "id_number", "relation", "is_student", "is_disabled", "has_serious_illness",
                          "can_work"), False),
        (_("收入（MSL 13）"), ("income_kind", "monthly_income"), False),
        (_("刚性支出（MSL 13）"), ("expense_kind", "expense_monthly", "expense_proof"), False),
        (_("第二项收入或刚性支出"), ("income_kind_2", "monthly_income_2", "expense_kind_2", "expense_monthly_2",
                                   "expense_proof_2"), True),
        (_("授权与承诺（MSL 9）"), ("signed_check_authorisation", "signed_truthfulness", "DELETE"), False),
    )  # fmt: skip

    def field_groups(self) -> list[dict]:
        """[{"title", "fields", "folded"}]; a folded group opens when it holds a value or an error."""
        groups = []
        for title, names, folded in self.FIELD_GROUPS:
            fields = [self[n] for n in names if n in self.fields]
            if fields:
                used = self.is_bound and any(
                    self.data.get(self.add_prefix(n)) or self.files.get(self.add_prefix(n)) or n in self.errors
                    for n in names
                    if n in self.fields
                )
                groups.append({"title": title, "fields": fields, "folded": folded and not used})
        return groups

    def clean_id_number(self):
        from workflows.households.validators import normalise_id_number, validate_id_number

        value = normalise_id_number(self.cleaned_data["id_number"])
        validate_id_number(value)
        return value

    def _clean_proof(self, name):
        upload = self.cleaned_data.get(name)
        if upload:
            services.validate_upload(upload)
        return upload

    def clean_expense_proof(self):
        return self._clean_proof("expense_proof")

    def clean_expense_proof_2(self):
        return self._clean_proof("expense_proof_2")

    def clean(self):
        data = super().clean()
        pairs = [(k, a, ERR_INCOME_AMOUNT, ERR_INCOME_KIND) for k, a in self.INCOME_ROWS]
        pairs += [(k, a, ERR_EXPENSE_AMOUNT, ERR_EXPENSE_KIND) for k, a, _proof in self.EXPENSE_ROWS]
        for kind_field, amount_field, err_amount, err_kind in pairs:
            if kind_field not in self.fields:
                continue
            kind, amount = data.get(kind_field), data.get(amount_field)
            if kind and amount is None and amount_field not in self.errors:
                self.add_error(amount_field, err_amount)
            elif amount is not None and not kind:
                self.add_error(kind_field, err_kind)
        if self.errors:
            return data
        try:
            services.validate_member(self.member(), timezone.localdate())
        except ValidationError as exc:
            fields = {"minor_child_age": "relation", "adult_child": "relation", "expense_kind": "expense_kind",
                      "expense_amount": "expense_monthly", "upload_type": "expense_proof",
                      "upload_size": "expense_proof", "income_kind": "income_kind_2",
                      "income_amount": "monthly_income_2"}  # fmt: skip
            self.add_error(fields.get(exc.code, "id_number"), exc)
        return data

    def member(self) -> services.MemberInput:
        d = self.cleaned_data
        return services.MemberInput(
            name=d["name"], id_number=d["id_number"], relation=d["relation"], is_student=d["is_student"],
            is_disabled=d["is_disabled"], has_serious_illness=d["has_serious_illness"], can_work=d["can_work"],
            income_kind=d["income_kind"], monthly_income=d["monthly_income"] or Decimal("0"),
            signed_check_authorisation=d["signed_check_authorisation"], signed_truthfulness=d["signed_truthfulness"],
            other_incomes=self.other_incomes(), rigid_expenses=self.rigid_expenses(),
        )  # fmt: skip

    def other_incomes(self) -> tuple[services.IncomeInput, ...]:
        d = self.cleaned_data
        return tuple(
            services.IncomeInput(kind=d[kind], monthly_amount=d[amount])
            for kind, amount in self.INCOME_ROWS
            if d.get(kind) and d.get(amount) is not None
        )

    def rigid_expenses(self) -> tuple[services.ExpenseInput, ...]:
        d = self.cleaned_data
        return tuple(
            services.ExpenseInput(kind=d[kind], monthly_amount=d[amount], proof=d.get(proof) or None)
            for kind, amount, proof in self.EXPENSE_ROWS
            if d.get(kind) and d.get(amount) is not None
        )


MAX_MEMBERS = 15
# the no-JavaScript "add a row" submit button of every intake's member rows (templates/dibao/_member_rows.html)
ADD_MEMBER = "add_member"
ERR_NO_MEMBERS = _("请至少填写一名家庭成员（申请人本人）。")
ERR_TOO_MANY_MEMBERS = _("一户最多填写 %(num)s 名家庭成员。")


class BaseMemberFormSet(forms.BaseFormSet):
    """1 to ``MAX_MEMBERS`` members. Every row may be left blank (a blank row is
    ignored) and any row may be marked deleted, so a 1-person household and a
    household of 15 file through the same page."""

    # Django's formset counts the rows against max_num; say it in the household's words.
    default_error_messages = {**forms.BaseFormSet.default_error_messages, "too_many_forms": ERR_TOO_MANY_MEMBERS}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("删除此成员")
        bootstrap_widgets(form)

    def clean(self):
        if any(self.errors):
            return
        members = self.members()
        if not members:
            raise ValidationError(ERR_NO_MEMBERS, code="no_members")
        try:
            services.validate_household(members, timezone.localdate())
        except ValidationError as exc:
            raise ValidationError(exc.messages, code=exc.code) from exc

    def filled_forms(self) -> list[MemberForm]:
        """The rows that describe a member: not blank, not marked deleted."""
        return [
            f
            for f in self.forms
            if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE") and f.has_changed()
        ]

    def members(self) -> list[services.MemberInput]:
        return [f.member() for f in self.filled_forms()]


def member_formset_factory(formset: type[BaseMemberFormSet] = BaseMemberFormSet):
    """Member rows for every intake (dibao, 特困, temporary assistance): 1 to 15 members,
    blank rows ignored, any row deletable."""
    return forms.formset_factory(
        MemberForm,
        formset=formset,
        extra=1,
        min_num=0,
        max_num=MAX_MEMBERS,
        absolute_max=MAX_MEMBERS,
        validate_max=True,
        can_delete=True,
    )


MemberFormSet = member_formset_factory()


def member_formset_adding_row(data, files=None, *, formset_class=None) -> BaseMemberFormSet:
    """The no-JavaScript "add a row" fallback: the posted rows plus one blank row
    (``formset_class``: the intake's own member formset, dibao's by default)."""
    data = data.copy()
    key = "members-TOTAL_FORMS"
    try:
        total = int(data.get(key, "1"))
    except ValueError:
        total = 1
    data[key] = str(max(1, min(total + 1, MAX_MEMBERS)))
    return (formset_class or MemberFormSet)(data, files, prefix="members")
