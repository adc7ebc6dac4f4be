"""The economic-status check flow (domain.md §3, MSL 17).

start (from ``services.finance_check_request``)
-> run_queries (Celery: one query per registry, in parallel; the last source
   to finish advances the node)
-> has_unavailable_sources?
   yes -> obtain_documents (township case worker enters the missing figures)
-> evaluate (the pure means test) -> end (``finance_check_finished``).
"""

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.signals import flow_finished

from workflows.core.flows import CaseFlow, QueuedHandle, View, township_of

from . import tasks, views
from .models import FinanceCheckProcess
from .signals import finance_check_finished


class FinanceCheckFlow(CaseFlow):
    process_class = FinanceCheckProcess
    process_title = _("家庭经济状况核对")
    process_description = _("授权核验 → 并行查询各部门数据 → （补充材料）→ 认定 → 结束")

    # system: started by the requesting case (dibao, 特困, temporary assistance)
    start = flow.StartHandle(this.open_check).Annotation(title=_("发起核对")).Next(this.run_queries)

    # system: Celery fan-out, advanced by the last source query to finish
    run_queries = (
        QueuedHandle(this.queries_done)
        .Job(tasks.run_queries)
        .Annotation(title=_("查询各部门数据"))
        .Next(this.has_unavailable_sources)
    )

    has_unavailable_sources = (
        flow.If(this.any_source_unavailable)
        .Annotation(title=_("有无法核对的数据源？"))
        .Then(this.obtain_documents)
        .Else(this.evaluate)
    )

    # township case worker
    obtain_documents = (
        View(views.ObtainDocumentsView.as_view())
        .Annotation(title=_("补充核对材料"), description=_("数据源无法核对，请向家庭或有关部门取得书面材料并录入。"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.evaluate)
    )

    # system
    evaluate = flow.Function(this.run_means_test).Annotation(title=_("认定家庭经济状况")).Next(this.end)

    end = flow.End().Annotation(title=_("核对完成"))

    def open_check(self, activation, **fields):
        from .services import check_open

        return check_open(process=activation.process, **fields)

    def queries_done(self, activation):
        """Runs under the flow lock: re-count, so a racing source task never advances early."""
        from .services import QueriesPending, pending_sources

        if pending_sources(activation.process):
            raise QueriesPending(activation.process.pk)

    def any_source_unavailable(self, activation) -> bool:
        from .services import unavailable_sources

        return bool(unavailable_sources(activation.process))

    def run_means_test(self, activation):
        from .services import check_evaluate

        check_evaluate(process=activation.process)


@receiver(flow_finished, sender=FinanceCheckFlow)
def _announce_finished(sender, process, **kwargs):
    check = process if isinstance(process, FinanceCheckProcess) else FinanceCheckProcess.objects.get(pk=process.pk)
    finance_check_finished.send(sender=FinanceCheckProcess, check=check)
