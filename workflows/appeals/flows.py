"""Deciding again after an appeal set a refusal aside (``redecision``)."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.core.flows import CaseFlow, View, township_of

from . import views
from .models import RedecisionProcess


class RedecisionFlow(CaseFlow):
    process_class = RedecisionProcess
    process_title = _("撤销后重新决定")
    process_description = _("复议或诉讼撤销不予确认决定 → 乡镇重新作出决定（15个工作日内）")

    # system: opened by the appeal's outcome (appeals.services.appeal_decide)
    start = flow.StartHandle(this.open_redecision).Annotation(title=_("责令重新作出决定")).Next(this.redecide)

    # township approver, not the one who decided the refusal (RedecisionProcess.excluded_actor_ids)
    redecide = (
        View(views.RedecideView.as_view())
        .Annotation(title=_("重新作出决定"))
        .Permission("core.act_approver", obj=township_of)
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("办结"))

    def open_redecision(self, activation, appeal, actor):
        from .redecision import redecision_open

        redecision_open(process=activation.process, appeal=appeal, actor=actor)
