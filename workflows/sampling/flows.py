"""County sampling review (监督抽查, domain.md §7): one case per drawn approval.

Started from code by the draw (``services.review_start``); routing conditions
are methods of ``SamplingReviewProcess``.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import act, flow

from workflows.core.flows import CaseFlow, View, county_of, township_of

from . import views
from .models import SamplingReviewProcess


class SamplingReviewFlow(CaseFlow):
    process_class = SamplingReviewProcess
    process_title = _("县级抽查复核")
    process_description = _("抽中 → 县级复核 → 确认 / 责令纠正 / 撤销并追回")
    process_summary_template = "{{ process.case_number }}"

    # system: started by the draw
    start = flow.StartHandle(this.start_review).Annotation(title=_("抽中")).Next(this.review)

    # county reviewer (never one who acted on the approval)
    review = (
        View(views.ReviewView.as_view())
        .Annotation(title=_("县级抽查复核"))
        .Permission("core.act_county_reviewer", obj=county_of)
        .Next(this.route_finding)
    )
    route_finding = (
        flow.Switch()
        .Annotation(title=_("抽查结论"))
        .Case(this.township_correction, act.process.is_correction_ordered)
        .Case(this.revoke, act.process.is_revoked)
        .Default(this.end)
    )

    # township case worker
    township_correction = (
        View(views.CorrectionView.as_view())
        .Annotation(title=_("乡镇整改"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.re_review)
    )

    # county reviewer
    re_review = (
        View(views.ReviewView.as_view())
        .Annotation(title=_("整改后复核"))
        .Permission("core.act_county_reviewer", obj=county_of)
        .Next(this.route_finding)
    )

    # system: stop the benefit, open the recovery (SAI 66, 68)
    revoke = flow.Function(this.perform_revocation).Annotation(title=_("撤销并追回")).Next(this.end)

    end = flow.End().Annotation(title=_("办结"))

    def start_review(self, activation, drawn_case):
        from .services import review_open

        return review_open(process=activation.process, drawn_case=drawn_case)

    def perform_revocation(self, activation):
        from .services import record_revoke

        process = activation.process
        record_revoke(review=process, reason=process.finding_note, actor=process.reviewed_by)
