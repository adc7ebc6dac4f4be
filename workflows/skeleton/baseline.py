"""A bare viewflow flow of the same shape as SkeletonFlow, for benchmarks only.

Start -> one human task -> Handle -> End, on viewflow's own Process model,
with no region scope, no audit and no separation-of-duty checks: the
baseline our flows are compared with (bench/lifecycle.py).
"""

from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.flow.views import CreateProcessView, UpdateProcessView


class BareFlow(flow.Flow):
    lock_impl = lock.select_for_update_lock

    start = flow.Start(CreateProcessView.as_view(fields=[])).Next(this.review)
    review = flow.View(UpdateProcessView.as_view(fields=[])).Next(this.receipt)
    receipt = flow.Handle(this.record_receipt).Next(this.end)
    end = flow.End()

    def record_receipt(self, activation, receipt: str):
        activation.process.data = {"receipt": receipt}
        activation.process.save(update_fields=["data"])
