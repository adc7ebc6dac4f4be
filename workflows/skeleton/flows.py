from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.core.flows import CaseFlow, QueuedHandle, View, township_of

from . import tasks, views
from .models import SkeletonProcess
from .services import can_open_case


class SkeletonFlow(CaseFlow):
    process_class = SkeletonProcess
    process_title = _("流程样板")
    process_description = _("登记 → 乡镇审核 → 外部系统回执 → 结束")
    process_summary_template = "{{ process.case_number }} · {{ process.summary }}"

    # township case worker
    start = (
        flow.Start(views.OpenCaseView.as_view()).Annotation(title=_("登记")).Available(can_open_case).Next(this.review)
    )

    # township approver
    review = (
        View(views.ReviewView.as_view())
        .Annotation(title=_("乡镇审核"))
        .Permission("core.act_approver", obj=township_of)
        .Next(this.registry_receipt)
    )

    # system: advanced by a Celery job
    registry_receipt = (
        QueuedHandle(this.record_receipt)
        .Job(tasks.fetch_registry_receipt)
        .Annotation(title=_("外部系统回执"))
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("办结"))

    def record_receipt(self, activation, receipt: str):
        from .services import case_record_receipt

        case_record_receipt(process=activation.process, receipt=receipt)
