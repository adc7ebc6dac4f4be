"""Telling a township that monitoring signals went overdue: an e-mail to each of its active
case workers (after the commit; a failing mail server never undoes the flagging). The
workspace's in-app messages hang on workflow tasks, which a signal does not have; the
list page and the county dashboard show the overdue signals."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.translation import gettext as _

from workflows.core.models import StaffAssignment, Township
from workflows.core.models.staff import Role


def tell_township_overdue(counts: dict[int, int]) -> int:
    """Send one message per case worker of each township in ``counts`` ({township pk: n})."""
    names = dict(Township.objects.filter(pk__in=counts).values_list("pk", "name"))
    holders = (
        StaffAssignment.objects.active()
        .filter(role=Role.CASE_WORKER, township_id__in=counts, user__is_active=True)
        .exclude(user__email="")
        .values_list("township_id", "user__email")
    )
    messages = []
    for township_id, email in holders:
        subject = _("【社会救助】动态监测预警逾期：%(township)s %(n)d 条") % {
            "township": names.get(township_id, ""),
            "n": counts[township_id],
        }
        messages.append((subject, subject, settings.DEFAULT_FROM_EMAIL, [email]))
    if messages:
        send_mass_mail(messages, fail_silently=True)
    return len(messages)
