"""A household applies as a unit (MSL 4, 7): its members, what they declare,
and their consents (MSL 9). Shared by dibao, 特困, temporary assistance and the
finance check.

Personal data (ID numbers, phones, address, health) lives here and only here;
public documents are built from ``workflows.*.documents`` data types that
cannot carry these fields.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.id_numbers import age_on
from workflows.core.models import County, Township, Village
from workflows.core.models.rules import Area

from .validators import birth_date_from_id, mask_id_number, validate_id_number

MONEY = {"max_digits": 12, "decimal_places": 2}
ADULT_AGE = 18


class Household(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）"))
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="households", verbose_name=_("村（社区）")
    )
    area = models.CharField(_("户籍类别"), max_length=8, choices=Area.choices)
    address = models.CharField(_("家庭住址"), max_length=200)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    bank_account = models.CharField(_("收款账户"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        indexes = [models.Index(fields=["township", "village"])]

    def __str__(self):
        head = self.head
        return f"{head.name if head else '?'}户（{self.village}）"

    @property
    def head(self) -> HouseholdMember | None:
        members = list(self.members.all())
        for m in members:
            if m.relation == HouseholdMember.Relation.APPLICANT:
                return m
        return members[0] if members else None

    @property
    def size(self) -> int:
        return self.members.count()

    def adults(self, on: datetime.date | None = None):
        return [m for m in self.members.all() if m.is_adult(on)]


class HouseholdMember(models.Model):
    class Relation(models.TextChoices):
        APPLICANT = "applicant", _("申请人本人")
        SPOUSE = "spouse", _("配偶")
        MINOR_CHILD = "minor_child", _("未成年子女")
        ADULT_DEPENDENT_CHILD = "adult_child", _("不能独立生活的成年子女（含在校生）")
        PARENT = "parent", _("父母（共同生活）")
        OTHER_DEPENDANT = "other", _("其他共同生活的法定赡养、抚养、扶养人员")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("家庭"))
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号码"), max_length=18, validators=[validate_id_number])
    relation = models.CharField(_("与申请人关系"), max_length=16, choices=Relation.choices)
    is_student = models.BooleanField(_("全日制在校生（本科及以下）"), default=False)
    is_disabled = models.BooleanField(_("残疾"), default=False)
    has_serious_illness = models.BooleanField(_("重病"), default=False)
    can_work = models.BooleanField(_("有劳动能力"), default=False)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [models.UniqueConstraint(fields=["household", "id_number"], name="member_unique_in_household")]
        indexes = [models.Index(fields=["id_number"])]

    def __str__(self):
        return f"{self.name}（{self.get_relation_display()}）"

    @property
    def birth_date(self) -> datetime.date:
        return birth_date_from_id(self.id_number)

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    def age(self, on: datetime.date | None = None) -> int:
        return age_on(self.birth_date, on or timezone.localdate())

    def is_adult(self, on: datetime.date | None = None) -> bool:
        return self.age(on) >= ADULT_AGE


class DeclaredIncome(models.Model):
    """Monthly income a member declares (MSL 13). Kinds decide counted / excluded."""

    class Kind(models.TextChoices):
        WAGE = "wage", _("工资性收入")
        BUSINESS = "business", _("经营净收入")
        PROPERTY = "property", _("财产净收入")
        TRANSFER = "transfer", _("转移净收入（养老金、赡养费等）")
        VETERAN_BENEFIT = "veteran", _("优抚对象抚恤金、补助金（不计入）")
        FAMILY_PLANNING_AWARD = "family_planning", _("计划生育奖励与扶助金（不计入）")
        SCHOLARSHIP = "scholarship", _("奖学金、助学金（不计入）")
        BRAVERY_AWARD = "bravery", _("见义勇为等奖励性补助（不计入）")
        ASSISTANCE_PAYMENT = "assistance", _("政府发放的各类社会救助款物（不计入）")
        LOCAL_EXCLUDED = "local_excluded", _("地方规定不计入的其他收入")

    member = models.ForeignKey(
        HouseholdMember, on_delete=models.CASCADE, related_name="incomes", verbose_name=_("成员")
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    monthly_amount = models.DecimalField(_("月均金额（元）"), validators=[MinValueValidator(Decimal("0"))], **MONEY)
    job_costs = models.DecimalField(
        _("必要就业成本（元/月）"), default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("申报收入")
        verbose_name_plural = _("申报收入")

    def __str__(self):
        return f"{self.member.name} {self.get_kind_display()} {self.monthly_amount}"


class DeclaredAsset(models.Model):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("银行存款")
        SECURITIES = "securities", _("有价证券")
        INSURANCE = "insurance", _("商业保险")
        INTERNET_FINANCE = "internet_finance", _("网络金融资产")
        CLAIM = "claim", _("债权")
        VEHICLE = "vehicle", _("机动车辆")
        HOUSING = "housing", _("房产")
        BUSINESS_ENTITY = "business_entity", _("市场主体（企业、个体工商户）")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assets", verbose_name=_("家庭"))
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("描述"), max_length=200, blank=True)
    value = models.DecimalField(_("价值（元）"), validators=[MinValueValidator(Decimal("0"))], **MONEY)

    class Meta:
        verbose_name = _("申报财产")
        verbose_name_plural = _("申报财产")

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"


class RigidExpense(models.Model):
    """Essential spending that may be deducted (刚性支出, MSL 13; TA18 for education)."""

    class Kind(models.TextChoices):
        ILLNESS = "illness", _("因病医疗支出（自付部分）")
        DISABILITY = "disability", _("因残康复、护理支出")
        EDUCATION = "education", _("教育支出（支出型临时救助）")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="rigid_expenses", verbose_name=_("家庭")
    )
    member = models.ForeignKey(
        HouseholdMember, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("成员")
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    monthly_amount = models.DecimalField(_("月均金额（元）"), validators=[MinValueValidator(Decimal("0"))], **MONEY)
    evidence = models.CharField(_("凭证说明"), max_length=200, blank=True)
    proof = models.FileField(_("支出凭证"), upload_to="households/rigid_expenses/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("刚性支出")
        verbose_name_plural = _("刚性支出")

    def __str__(self):
        return f"{self.get_kind_display()} {self.monthly_amount}"


class Consent(models.Model):
    """A signed consent of one member (MSL 9: no check without the authorisation)."""

    class Kind(models.TextChoices):
        CHECK_AUTHORISATION = "check_authorisation", _("家庭经济状况核对授权书")
        TRUTHFULNESS = "truthfulness", _("申请材料真实性承诺书")
        ENTRUSTMENT = "entrustment", _("委托代为申请书")

    member = models.ForeignKey(
        HouseholdMember, on_delete=models.CASCADE, related_name="consents", verbose_name=_("成员")
    )
    kind = models.CharField(_("类别"), max_length=24, choices=Kind.choices)
    signed_on = models.DateField(_("签署日期"))
    document = models.FileField(_("签署件"), upload_to="consents/%Y/%m/", blank=True)
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("授权与承诺")
        verbose_name_plural = _("授权与承诺")
        indexes = [models.Index(fields=["member", "kind"])]

    def __str__(self):
        return f"{self.member.name} {self.get_kind_display()} {self.signed_on}"


def members_missing_consent(household: Household, kind: str, on: datetime.date | None = None) -> list[HouseholdMember]:
    """Adult members with no valid (not withdrawn) consent of ``kind``."""
    consented = set(
        Consent.objects.filter(member__household=household, kind=kind, withdrawn_at__isnull=True).values_list(
            "member_id", flat=True
        )
    )
    return [m for m in household.adults(on) if m.pk not in consented]
