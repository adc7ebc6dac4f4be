"""Applicant-side actions: online filing, status lookup with a second factor,
one-time codes, notifications, integration clients.

Validation of an application is the dibao service's (``dibao_application_file``
and its validators); this module only adds the online channel around it.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Case, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core.audit import audit_record
from workflows.core.programmes import spec as programme_spec
from workflows.core.queueing import enqueue_on_commit
from workflows.core.types import Actor, Staff
from workflows.dibao import services as dibao_services
from workflows.dibao.models import Channel, DibaoProcess

from . import throttle
from .models import ApplicantPreference, IntegrationClient, Notification, OneTimeCode
from .notifications import backends, messages

if TYPE_CHECKING:
    from workflows.core.models import County
    from workflows.households.models import Household
    from workflows.temporary_assistance.models import TemporaryAssistanceProcess
    from workflows.temporary_assistance.services import NewHousehold

    from .selectors import PortalCase

logger = logging.getLogger("workflows.portal")

ERR_LOOKUP_FAILED = _(
    "没有查到与您填写的信息相符的案件。请核对案件编号和验证信息后再试；多次失败后需要稍等片刻才能再查。"
)
ERR_FACTOR_REQUIRED = _("请填写身份证号码后 6 位，或填写手机收到的验证码。")
ERR_PHONE = _("请填写 11 位手机号码。")
ERR_APPLICATION_INCOMPLETE = _("申请信息不完整，请返回前面的步骤检查。")
ERR_NO_OPEN_NOTICE = _("该案件当前没有正在公示的意见。")

PORTAL_USERNAME = "portal-online"
OTP_MINUTES = 10
SEND_ATTEMPTS = 3  # deliveries tried per notification (the task's first run and its retries)
GRANT_MINUTES = 30


def portal_actor() -> Staff:
    """The service account the online channel files under (cannot log in).

    ``dibao_application_file`` records the filer on the case, consents and
    uploads; for an anonymous applicant that is this account, and the channel
    (``online``) says who really filed.
    """
    user, created = get_user_model().objects.get_or_create(
        username=PORTAL_USERNAME, defaults={"is_active": False, "first_name": "网上申请"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def normalise_case_number(value: str) -> str:
    return (value or "").strip().upper()[:32]


# ==============================================================================
# Online application
# ==============================================================================
@transaction.atomic
def application_submit_online(
    *,
    programme: str,
    application: dibao_services.ApplicationInput,
    language: str = "zh-hans",
    email: str = "",
) -> DibaoProcess:
    """Start the dibao / 特困 flow for an online application (channel ``online``).

    Runs the flow's Start activation as the portal account, as
    ``workflows.core.driving.start_case`` does for staff, and calls the dibao
    filing service inside it: the same validation as staff intake. Saves
    nothing if any rule fails (``ValidationError``).
    """
    flow = programme_spec(programme).flow_class
    actor = portal_actor()
    activation = flow.start.activation_class.create(flow.start, None, None)
    activation.start(SimpleNamespace(user=actor))
    process = dibao_services.dibao_application_file(
        process=activation.process, programme=programme, application=application, actor=actor, channel=Channel.ONLINE
    )
    activation.execute()
    _preferences_record(process=process, language=language, email=email)
    return process


@transaction.atomic
def ta_application_submit_online(
    *,
    household: Household | None = None,
    new_household: NewHousehold | None = None,
    kind: str,
    cause: str,
    event_date: datetime.date,
    cause_detail: str,
    requested_amount: Decimal,
    repeat_reason: str = "",
    major_hardship: bool = False,
    language: str = "zh-hans",
    email: str = "",
    uploads: Iterable[dibao_services.UploadInput] = (),
) -> TemporaryAssistanceProcess:
    """Start the temporary-assistance flow for an online request (channel ``online``).

    The same services as the staff intake: ``temporary_assistance.services.case_open``
    (frequency rules, limits, consents for a spending-shock check) which registers a new
    household through ``households.services.household_register``. Assist first (先行救助)
    is the township's decision at its window, never requested online. Saves nothing if
    any rule fails (``ValidationError``). ``uploads`` (``dibao.services.UploadInput``, the web
    form's proofs) are validated like every upload and kept as documents of the case.
    """
    from workflows.temporary_assistance import services as ta_services
    from workflows.temporary_assistance.flows import TemporaryAssistanceFlow

    actor = portal_actor()
    node = TemporaryAssistanceFlow.start
    activation = node.activation_class.create(node, None, None)
    activation.start(SimpleNamespace(user=actor))
    process = ta_services.case_open(
        process=activation.process, household=household, new_household=new_household, kind=kind, cause=cause,
        event_date=event_date, cause_detail=cause_detail, requested_amount=requested_amount,
        repeat_reason=repeat_reason, major_hardship=major_hardship, channel=Channel.ONLINE, actor=actor,
    )  # fmt: skip
    _ta_store_uploads(process=process, uploads=uploads, actor=actor)
    # the preference first: finishing the start node queues the "accepted" message in its language
    _preferences_record(process=process, language=language, email=email)
    activation.execute()
    return process


def _preferences_record(*, process: PortalCase, language: str, email: str) -> None:
    """The applicant's language and e-mail for the messages about this case, audited."""
    ApplicantPreference.objects.create(
        process_id=process.pk, language=messages.language_or_default(language), email=email or ""
    )
    audit_record(
        action="portal.preferences",
        target=process,
        process_id=process.pk,
        changes={"language": [None, language], "email": [None, bool(email)]},
    )


def _ta_store_uploads(
    *, process: TemporaryAssistanceProcess, uploads: Iterable[dibao_services.UploadInput], actor: Staff
) -> None:
    """The applicant's proofs as documents of the case (staff see them; never a public letter)."""
    from workflows.documents.services import document_store

    for i, upload in enumerate(uploads, start=1):
        dibao_services.validate_upload(upload.file)
        upload.file.seek(0)
        name = upload.file.name or ""
        extension = name[name.rfind(".") :].lower() if "." in name else ""
        document_store(
            process_id=process.pk, kind="other", filename=f"{process.case_number}-{upload.kind}-{i}{extension}",
            content=upload.file.read(), actor=actor,
            applicant_name=process.household.head.name if process.household.head else "",
        )  # fmt: skip


# ==============================================================================
# Status lookup: case number + second factor
# ==============================================================================
def _id_tail(household_id: int) -> str:
    """Last six of the household head's ID number (the applicant, else the first member)."""
    from workflows.households.models import HouseholdMember

    first_applicant = Case(When(relation=HouseholdMember.Relation.APPLICANT, then=0), default=1)
    number = (
        HouseholdMember.objects.filter(household_id=household_id)
        .order_by(first_applicant, "pk")
        .values_list("id_number", flat=True)
        .first()
    )
    return (number or "")[-6:].upper()


def _otp_hash(process_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"otp:{process_id}:{code}".encode(), hashlib.sha256).hexdigest()


_DUMMY = "\0" * 6
#: No process has this pk: an unknown case runs its queries against it.
_NO_PROCESS = 0


def status_lookup(
    *, case_number: str, id_last6: str = "", otp: str = "", address: str, programmes: tuple[str, ...] | None = None
) -> PortalCase | None:
    """The case (dibao/特困 or temporary assistance) if the second factor matches, else
    ``None`` — whether the case does not exist, the factor is wrong, or the attempt must
    wait (throttle). ``programmes`` narrows the search (an API endpoint of one programme);
    the web page searches both.

    An unknown case runs the very statements a real one does (one UNION over the
    programmes' tables, then the ID tail and the codes against a pk and a household no row
    has) and comparisons are constant-time, so neither the query count nor the time tells
    real case numbers apart, of either programme. Failures are counted by the throttle
    (``throttle.lookup_failed``); the one-time-code path has no per-case limit, so nobody
    can keep an applicant with a valid code out.
    """
    from . import selectors

    case_number = normalise_case_number(case_number)
    factor = "id" if id_last6 else "otp"
    if throttle.lookup_throttled(address=address, case_number=case_number, factor=factor):
        logger.info("portal lookup throttled")
        return None
    # Only the ids at first: building the process object (and its init signals)
    # for real cases alone made them ~2 ms slower than unknown ones.
    pk, household_id, programme = selectors.case_ids(case_number, programmes or tuple(selectors.CASE_MODELS)) or (
        _NO_PROCESS,
        None,
        selectors.DIBAO,
    )
    ok = False
    if id_last6:
        expected = _id_tail(household_id or _NO_PROCESS) or _DUMMY
        ok = hmac.compare_digest(expected.encode(), id_last6.strip().upper()[:6].encode()) and pk != _NO_PROCESS
    elif otp:
        ok = _otp_consume(process_id=pk, code=otp.strip(), programme=programme)
    if not ok:
        throttle.lookup_failed(address=address, case_number=case_number, factor=factor)
    logger.info("portal lookup %s", "granted" if ok else "refused")
    return selectors.CASE_MODELS[programme].objects.get(pk=pk) if ok else None


@transaction.atomic
def _otp_consume(*, process_id: int, code: str, programme: str = "dibao") -> bool:
    """Consume the matching, unexpired, unused code of ``process_id``. For an unknown
    case (``_NO_PROCESS``) the same SELECT runs and finds nothing."""
    now = timezone.now()
    digest = _otp_hash(process_id, code)
    for otp in OneTimeCode.objects.select_for_update().filter(
        process_id=process_id, used_at__isnull=True, expires_at__gt=now
    ):
        if hmac.compare_digest(otp.code_hash, digest):
            otp.used_at = now
            otp.save(update_fields=["used_at"])
            from .selectors import CASE_MODELS

            audit_record(
                action="portal.otp_used",
                target=CASE_MODELS[programme].objects.get(pk=process_id),
                process_id=process_id,
                data={"otp": otp.pk},
            )
            return True
    return False


def otp_verify(*, process: PortalCase, code: str) -> bool:
    """Single use: the matching, unexpired, unused code is consumed."""
    from .selectors import DIBAO, TEMPORARY_ASSISTANCE

    programme = DIBAO if isinstance(process, DibaoProcess) else TEMPORARY_ASSISTANCE
    return _otp_consume(process_id=process.pk, code=code, programme=programme)


@transaction.atomic
def otp_send(*, case_number: str, address: str) -> None:
    """Send a one-time code to the household's registered phone, if the case
    exists and has one. Always returns ``None``: the caller shows the same page
    whatever happened. Counts against the address's limit and backs off per case
    (``throttle.send_allowed``: no SMS flooding, and the applicant's phone always
    holds a valid code however many requests others make)."""
    case_number = normalise_case_number(case_number)
    if not throttle.send_allowed(address=address, case_number=case_number):
        return
    from .selectors import case_by_number

    process = case_by_number(case_number)
    if process is None or process.household is None or not process.household.phone:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    otp = OneTimeCode.objects.create(
        process_id=process.pk,
        code_hash=_otp_hash(process.pk, code),
        expires_at=timezone.now() + datetime.timedelta(minutes=OTP_MINUTES),
    )
    audit_record(action="portal.otp_sent", target=process, process_id=process.pk, data={"otp": otp.pk})
    language = _language_of(process.pk)
    text = messages.otp_text(code, language, OTP_MINUTES)
    phone = process.household.phone
    # robust: a gateway failure is logged (masked) and must not turn the answer into
    # an error page, which would tell that the case exists.
    transaction.on_commit(lambda: backends.sms_backend().send(phone=phone, text=text), robust=True)


# ==============================================================================
# Notifications (sent by Celery after commit)
# ==============================================================================
def _language_of(process_id: int) -> str:
    return _language_from(ApplicantPreference.objects.filter(process_id=process_id).first())


def _language_from(pref: ApplicantPreference | None) -> str:
    return messages.language_or_default(pref.language if pref else settings.LANGUAGE_CODE)


def status_url() -> str:
    return f"{getattr(settings, 'PUBLIC_BASE_URL', '')}{reverse('portal:status_lookup')}"


def notification_context(process: PortalCase, stage: str, extra: dict | None = None) -> dict[str, Any]:
    """Public facts only: no names, ID numbers, addresses or accounts."""
    if not isinstance(process, DibaoProcess):
        return ta_notification_context(process, stage, extra)
    notice = process.current_notice
    return {
        "case_number": process.case_number,
        "programme": process.get_programme_display(),
        "township": process.township.name,
        "due_on": process.effective_due_on,
        "missing": [str(dibao_services.MATERIALS.get(k, k)) for k in process.missing_materials or []],
        "notice_ends_on": timezone.localtime(notice.ends_at).date() if notice else None,
        "approved": process.decision == "approved",
        "amount": process.monthly_amount,
        "payment_starts": process.payment_starts,
        "status_url": status_url(),
        **(extra or {}),
    }


def ta_notification_context(
    process: TemporaryAssistanceProcess, stage: str, extra: dict | None = None
) -> dict[str, Any]:
    """A temporary-assistance case's public facts: amounts, never names, reasons or accounts
    (the refusal reasons are on the status page and in the letter, behind the second factor)."""
    from workflows.temporary_assistance.models import Decision

    approved = process.decision == Decision.APPROVED
    return {
        "case_number": process.case_number,
        "township": process.township.name,
        "approved": approved,
        "refused": process.decision == Decision.REFUSED,
        "assist_first": process.assist_first,
        "approved_amount": process.approved_amount if approved else None,
        "paid_amount": process.paid_amount() if approved else None,
        "status_url": status_url(),
        **(extra or {}),
    }


# No savepoint of its own: called from the flows' receivers inside the step's transaction,
# where nothing catches its failure (the step fails with it), or alone in a transaction.
@transaction.atomic(savepoint=False)
def notification_queue(
    *, process: PortalCase, stage: str, round: int = 1, extra: dict | None = None
) -> list[Notification]:
    """Create the stage's notifications (SMS to the registered phone, e-mail if
    the applicant gave one) once per case, stage and round, and queue their
    sending after commit. Calling it again for the same round does nothing."""
    assert process.case_number is not None  # notified after the opening, which numbers the case
    from .tasks import send_notification

    pref = ApplicantPreference.objects.filter(process_id=process.pk).first()
    language = _language_from(pref)  # the same row: read once
    phone = process.household.phone if process.household is not None else ""
    channels = []
    if phone:
        channels.append((Notification.Channel.SMS, backends.mask_phone(phone)))
    if pref and pref.email:
        channels.append((Notification.Channel.EMAIL, backends.mask_email(pref.email)))
    body = messages.render_message(stage, language, notification_context(process, stage, extra))
    created = []
    for channel, recipient in channels:
        try:  # get_or_create's INSERT has its savepoint: a failed one leaves the transaction usable
            note, is_new = Notification.objects.get_or_create(
                process_id=process.pk,
                stage=stage,
                round=round,
                channel=channel,
                defaults={
                    "case_number": process.case_number,
                    "template_key": messages.template_key(stage, language),
                    "language": language,
                    "recipient_masked": recipient,
                    "body": body,
                },
            )
        except IntegrityError:  # a concurrent queue of the same stage won
            continue
        if not is_new:
            continue
        created.append(note)
        audit_record(
            action="portal.notification_queued",
            target=note,
            process_id=process.pk,
            data={"stage": stage, "round": round, "channel": channel},
        )
        enqueue_on_commit(send_notification, note.pk)
    return created


def notification_send(*, notification_pk: int) -> str:
    """Deliver one queued notification (idempotent: only a queued one is sent).

    A failed attempt is counted and committed before the error is re-raised
    (so the Celery task retries); after ``SEND_ATTEMPTS`` failures the
    notification is FAILED and no redelivery sends it.
    """
    failure: Exception | None = None
    with transaction.atomic():
        note = Notification.objects.select_for_update().filter(pk=notification_pk).first()
        if note is None or note.status != Notification.Status.QUEUED:
            return "skipped"
        from .selectors import case_by_pk

        process = case_by_pk(note.process_id)
        note.attempts += 1
        try:
            if note.channel == Notification.Channel.SMS:
                # a case or household gone fails the send like a backend error (caught below)
                backends.sms_backend().send(phone=process.household.phone, text=note.body)  # type: ignore[union-attr]
            else:
                pref = ApplicantPreference.objects.get(process_id=note.process_id)
                subject = note.body.split("】", 1)[0].lstrip("【[").split("]", 1)[0]
                backends.email_backend().send(email=pref.email, subject=subject, text=note.body)
        except Exception as exc:  # any backend failure: count it, commit, re-raise below
            failure = exc
            # the backend's own message may name the recipient (SMTP errors do): type only
            reason = str(exc) if isinstance(exc, backends.SmsDeliveryError) else type(exc).__name__
            logger.warning("notification %s attempt %s failed: %s", note.pk, note.attempts, reason)
            last = note.attempts >= SEND_ATTEMPTS
            note.status = Notification.Status.FAILED if last else Notification.Status.QUEUED
            note.save(update_fields=["attempts", "status"])
            if last:
                audit_record(
                    action="portal.notification_failed",
                    target=note,
                    process_id=note.process_id,
                    changes={"status": [Notification.Status.QUEUED, Notification.Status.FAILED]},
                    data={"attempts": note.attempts},
                )
        else:
            note.status = Notification.Status.SENT
            note.sent_at = timezone.now()
            note.save(update_fields=["attempts", "status", "sent_at"])
            audit_record(
                action="portal.notification_sent",
                target=note,
                process_id=note.process_id,
                changes={"status": [Notification.Status.QUEUED, Notification.Status.SENT]},
            )
    if failure is not None:
        raise failure
    return "sent"


# ==============================================================================
# Integration clients
# ==============================================================================
def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def integration_client_create(*, name: str, county: County, actor: Actor = None) -> tuple[IntegrationClient, str]:
    """A new client bound to ``county``; returns it with its key (shown once)."""
    key = secrets.token_urlsafe(32)
    client = IntegrationClient.objects.create(name=name, county=county, token_hash=token_hash(key), created_by=actor)
    audit_record(action="portal.integration_client_created", target=client, actor=actor, data={"county": county.code})
    return client, key
