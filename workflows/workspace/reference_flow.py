"""Reference: the dibao graph with the direct-return nodes send-back needs (退回 + 直达).

This is the exact change proposed for workflows/dibao/flows.py (docs/workspace.md).
It is not registered in the staff site; tests/workspace/test_sendback.py drives it to
test the whole round trip on the real dibao nodes and services. Delete it once the
dibao graph has these nodes (the test then uses DibaoFlow).
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.core.flows import CaseFlow, View, township_of
from workflows.dibao import services, views
from workflows.dibao.flows import _CaseGraph
from workflows.dibao.models import DibaoProcess
from workflows.workspace.sendback import direct_return_node


def _returns_directly(activation) -> bool:
    """Straight back to the sender, unless the new opinion now proposes approval on a case
    never posted: a proposal to grant must be publicly noticed first (MSL 19)."""
    process = activation.process
    if process.proposes_approval and process.notice_round == 0:
        return False
    return direct_return_node(process) is not None


def _returns_to(node_name):
    def cond(activation) -> bool:
        return direct_return_node(activation.process) == node_name

    return cond


class DirectReturnDibaoFlow(_CaseGraph, CaseFlow):
    process_class = DibaoProcess
    process_title = _("最低生活保障审核确认（直达测试）")

    start = flow.Start(views.DibaoStartView.as_view()).Available(services.can_file).Next(this.accept)

    # township case worker: preliminary opinion; after a send-back, straight back to the sender
    propose = (
        View(views.ProposeView.as_view())
        .Annotation(title=_("提出初审意见"))
        .Permission("core.act_case_worker", obj=township_of)
        .Next(this.is_direct_return)
    )
    is_direct_return = (
        flow.If(_returns_directly)
        .Annotation(title=_("退回后重新提交？"))
        .Then(this.return_to_sender)
        .Else(this.goes_to_notice)
    )
    return_to_sender = (
        flow.Switch()
        .Annotation(title=_("直达退回环节"))
        .Case(this.sign_handler, _returns_to("sign_handler"))
        .Case(this.sign_section_chief, _returns_to("sign_section_chief"))
        .Default(this.sign_township_head)
    )
