"""Cooperation demo: the dibao demo's approved household in 青山镇 is referred to medical
assistance (SAI 60), the department's answer due in 10 working days. Skipped once referred."""

from __future__ import annotations

from workflows.caseload.demo import TOWNSHIP, approved_benefit

from . import services
from .models import Department, Referral

NEED = "申请人配偶患慢性病需长期服药，家庭医疗支出较大，请医疗保障部门核定医疗救助。"


def seed(region, stdout=None):
    benefit = approved_benefit(region.townships[TOWNSHIP])
    if benefit is None or Referral.objects.filter(process_id=benefit.source_case_id).exists():
        return
    referral = services.referral_create(
        process=benefit.source_case, department=Department.MEDICAL, need=NEED, actor=region.users[f"{TOWNSHIP}_worker"]
    )
    if stdout:
        stdout.write(f"referral {referral.case_ref}: medical assistance, answer due {referral.due_on:%Y-%m-%d}")
