"""The dibao documents rendered after commit (``workflows.documents.rendering``).

Registered when the app is ready (``DibaoConfig.ready``), so the worker that runs
``workflows.documents.tasks.render_document`` knows them. Each ``prepare`` reads the case as
committed: the decision letter from the decided case, the notice from its notice round.
"""

from __future__ import annotations

from workflows.documents.rendering import Prepared, register

DECISION_LETTER = "dibao.decision_letter"
PUBLIC_NOTICE = "dibao.public_notice"


def _case(process_id: int):
    from .models import DibaoProcess

    return DibaoProcess.objects.select_related("household", "township", "village").get(pk=process_id)


def prepare_decision_letter(params: dict) -> Prepared:
    from .documents import render_decision_letter_pdf
    from .services.letters import decision_letter_data

    case = _case(params["process_id"])
    data = decision_letter_data(case)
    return Prepared(
        render=lambda url: render_decision_letter_pdf(data, verification_url=url),
        applicant_name=data.applicant_name,
        case=case,
    )


def prepare_public_notice(params: dict) -> Prepared:
    from .documents import render_notice_pdf
    from .models import NoticeRound
    from .selectors import public_notice

    notice = NoticeRound.objects.get(pk=params["notice_id"])
    notice.process = _case(notice.process_id)
    data = public_notice(notice)
    return Prepared(render=lambda _url: render_notice_pdf(data), applicant_name=data.applicant_name)


def notice_rendered(params: dict, document) -> None:
    """The notice round points at its PDF once it exists."""
    from .models import NoticeRound

    NoticeRound.objects.filter(pk=params["notice_id"]).update(document_id=document.pk)


def register_renderers() -> None:
    register(DECISION_LETTER, prepare=prepare_decision_letter, verifiable=True)
    register(PUBLIC_NOTICE, prepare=prepare_public_notice, verifiable=False, on_rendered=notice_rendered)
