"""Dibao / 特困 demo cases in every stage, made only by driving the flows.

Stages: just filed, missing materials, awaiting the check is not kept (the demo
check runs eagerly), home visit, staff relative awaiting the county visit (MSL 20),
preliminary opinion, notice running, objection being handled, re-investigation,
signing, approved, refused, 特困 approved. Idempotent: skipped once the demo
township has dibao cases.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from workflows.core import programmes
from workflows.core.driving import complete_task, open_tasks, start_case
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.core.programmes import Programme
from workflows.households.validators import id_check_char

from . import services
from .models import DibaoProcess

PDF = b"%PDF-1.4\n% demo application\n"


def _id(birth: datetime.date, seq: int) -> str:
    first17 = f"990101{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def _member(name, relation, birth, seq, income="0"):
    return services.MemberInput(
        name=name, id_number=_id(birth, seq), relation=relation, monthly_income=Decimal(income),
        signed_check_authorisation=True, signed_truthfulness=relation == "applicant",
    )  # fmt: skip


def staff_user(username: str, full_name: str, role: str, region_obj):
    from django.conf import settings
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(username=username, defaults={"first_name": full_name})
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
    assignment_grant(user=user, role=role, region=region_obj, actor=None)
    return user


def _extra_staff(region):
    """A second case worker and a township head per township (two investigators, MSL 16;
    the head signs after the section chief)."""
    out = {}
    for slug, township in region.townships.items():
        out[f"{slug}_worker2"] = staff_user(f"{slug}_worker2", f"{township.name}经办人二", Role.CASE_WORKER, township)
        out[f"{slug}_head"] = staff_user(f"{slug}_head", f"{township.name}负责人", Role.APPROVER, township)
    out["county_officer2"] = staff_user("county_officer2", "县民政局经办人二", Role.COUNTY_OFFICER, region.county)
    return out


def seed(region, stdout=None):
    township = region.townships["qingshan"]
    if DibaoProcess.objects.filter(township=township).exists():
        if stdout:
            stdout.write(f"dibao cases: {DibaoProcess.objects.count()} (already seeded)")
            _print_applicant_login(stdout)
        return
    users = {**region.users, **_extra_staff(region)}
    d = Demo(region, users)
    d.run()
    if stdout:
        stdout.write(f"dibao cases: {DibaoProcess.objects.count()}")
        _print_applicant_login(stdout)


SHOWCASE = "李四（公示中）"  # the case whose notice is running when the demo starts


def _print_applicant_login(stdout) -> None:
    """What a newcomer needs to try the applicant side and to finish the notice."""
    from django.conf import settings

    process = (
        DibaoProcess.objects.filter(household__members__name=SHOWCASE, household__members__relation="applicant")
        .select_related("household")
        .first()
    )
    if process is None or not process.case_number:
        return
    id_number = process.household.members.get(name=SHOWCASE, relation="applicant").id_number
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    stdout.write(
        f"applicant status page: {base}/portal/status/  case number {process.case_number}, "
        f"last 6 ID characters {id_number[-6:]} (SMS and e-mail texts are printed on this console)"
    )
    stdout.write(
        f"end its 7-day notice now (demo only): .venv/bin/python manage.py demo_fast_forward {process.case_number}"
    )


class Demo:
    def __init__(self, region, users):
        self.region = region
        self.u = users
        self.seq = 700

    # --- drivers -----------------------------------------------------------------
    def file(self, slug, name, *, programme=Programme.DIBAO, income="0", size=2, links=()):
        spec = programmes.spec(programme)
        township = self.region.townships[slug]
        village = township.villages.order_by("code").first()
        worker = self.u[f"{slug}_worker"]
        self.seq += 3
        members = [_member(name, "applicant", datetime.date(1966, 4, 1), self.seq, income)]
        if size > 1:
            members.append(_member(name[0] + "妻", "spouse", datetime.date(1968, 6, 1), self.seq + 1))
        app = services.ApplicationInput(
            village=village, area="rural", address=f"{village.name}演示路{self.seq}号", phone="13800000000",
            bank_account="", members=members,
            uploads=[services.UploadInput(kind="application", file=SimpleUploadedFile("申请书.pdf", PDF))],
            staff_links=list(links),
            tekun=services.TekunInput(True, True, True) if spec.intake.has_claims else None,
        )  # fmt: skip
        flow = spec.flow_class
        return start_case(
            flow.start,
            user=worker,
            perform=lambda p: services.dibao_application_file(
                process=p, programme=programme, application=app, actor=worker
            ),
        )

    def do(self, process, node, user, service, **kw):
        task = open_tasks(process, getattr(process.flow_class, node)).get()
        complete_task(task, user=user, perform=lambda p: service(process=p, actor=user, **kw))
        return DibaoProcess.objects.get(pk=process.pk)

    def accept(self, process, slug, missing=()):
        # With eager Celery (the demo) the finance check runs when acceptance commits.
        self.do(process, "accept", self.u[f"{slug}_worker"], services.dibao_accept, missing=list(missing),
                delegated=True)  # fmt: skip
        return DibaoProcess.objects.get(pk=process.pk)

    def visit(self, process, slug):
        w, w2 = self.u[f"{slug}_worker"], self.u[f"{slug}_worker2"]
        return self.do(
            process, "home_visit", w, services.home_visit_record, investigator_1=w, investigator_2=w2,
            visited_on=timezone.localdate(), findings="家庭成员体弱多病，无稳定收入。", family_signatories=process.household.head.name,
            tekun_confirmed=True if process.spec.intake.confirmed_by_home_visit else None,
        )  # fmt: skip

    def propose(self, process, slug, approve=True):
        return self.do(process, "propose", self.u[f"{slug}_worker"], services.dibao_propose, approve=approve,
                       note="经调查核实，符合条件。" if approve else "家庭人均收入高于当地标准。")  # fmt: skip

    def end_notice(self, process):
        """Demo only: let the 7 days pass by firing the timer as if a week had gone by."""
        from viewflow.workflow.timers import fire_due_timers

        real_now = timezone.now
        timezone.now = lambda: real_now() + datetime.timedelta(days=7, minutes=1)
        try:
            fire_due_timers()
        finally:
            timezone.now = real_now
        return DibaoProcess.objects.get(pk=process.pk)

    def sign(self, process, slug, approve=True):
        w, chief, head = self.u[f"{slug}_worker"], self.u[f"{slug}_approver"], self.u[f"{slug}_head"]
        process = self.do(process, "sign_handler", w, services.decision_sign, role="handler", opinion="同意")
        process = self.do(process, "sign_section_chief", chief, services.decision_sign, role="section_chief",
                          opinion="同意")  # fmt: skip
        return self.do(process, "sign_township_head", head, services.dibao_decide, approve=approve,
                       reasons=[] if approve else ["家庭人均月收入高于当地最低生活保障标准。"])  # fmt: skip

    def check_done(self, process):
        return not open_tasks(process, process.flow_class.await_finance_check).exists()

    # --- stages ---------------------------------------------------------------------------
    def run(self):
        q = "qingshan"
        self.file(q, "赵一（刚登记）")
        self.accept(self.file(q, "钱二（缺材料）"), q, missing=["income_proof", "id_cards"])
        p = self.accept(self.file(q, "孙三（入户调查）"), q)
        if not self.check_done(p):
            return  # no registry available: the rest needs the finance check
        p = self.propose(self.visit(self.accept(self.file(q, "周五（有异议）"), q), q), q)
        services.objection_record(notice=p.current_notice, content="反映该户子女有稳定收入。", anonymous=True)
        self.end_notice(p)
        p = self.propose(self.visit(self.accept(self.file(q, "卫十二（重新调查）"), q), q), q)
        services.objection_record(notice=p.current_notice, content="反映该户实际居住在县城。", anonymous=False,
                                  name="村民刘某", contact="村委会转")  # fmt: skip
        p = self.end_notice(p)
        self.do(p, "choose_objection_route", self.u[f"{q}_approver"], services.objection_route_choose,
                route="reinvestigate")  # fmt: skip
        self.visit(self.accept(self.file(q, "褚十一（初审）"), q), q)
        link = services.StaffLinkInput(member_name="陈十（近亲属）", staff_name="陈村委", relation="sibling",
                                       position="village_committee")  # fmt: skip
        self.visit(self.accept(self.file(q, "陈十（近亲属）", links=[link]), q), q)
        p = self.end_notice(self.propose(self.visit(self.accept(self.file(q, "吴六（签批中）"), q), q), q))
        self.do(p, "sign_handler", self.u[f"{q}_worker"], services.decision_sign, role="handler", opinion="同意")
        self.sign(self.end_notice(self.propose(self.visit(self.accept(self.file(q, "郑七（已确认）"), q), q), q)), q)
        refused = self.visit(self.accept(self.file(q, "王八（不予确认）", income="1500"), q), q)
        self.sign(self.propose(refused, q, approve=False), q, approve=False)
        tk = self.visit(self.accept(self.file(q, "冯九（特困）", programme=Programme.TEKUN, size=1), q), q)
        self.sign(self.end_notice(self.propose(tk, q)), q)
        # The other townships' offices have work waiting too: a new application, a home
        # visit to make and a notice running (every demo login lands on real work).
        for slug, names in (("hekou", ("何一（刚登记）", "何二（入户调查）", "何三（公示中）")),
                            ("chengguan", ("程一（刚登记）", "程二（入户调查）", "程三（公示中）"))):  # fmt: skip
            self.file(slug, names[0])
            self.accept(self.file(slug, names[1]), slug)
            self.propose(self.visit(self.accept(self.file(slug, names[2]), slug), slug), slug)
        # last: ending the other notices would end this one too
        self.propose(self.visit(self.accept(self.file(q, SHOWCASE), q), q), q)
