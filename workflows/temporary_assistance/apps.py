from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TemporaryAssistanceConfig(AppConfig):
    name = "workflows.temporary_assistance"
    label = "temporary_assistance"
    verbose_name = _("临时救助")

    def ready(self):
        from workflows.funds.selectors import pending_paperwork_sources

        from .selectors import pending_assist_first

        if pending_assist_first not in pending_paperwork_sources:
            pending_paperwork_sources.append(pending_assist_first)
        # The finance-check app may be deployed later; connect when its signal exists.
        try:
            from workflows.finance_check.signals import finance_check_finished
        except ImportError:
            return
        from .receivers import on_finance_check_finished

        finance_check_finished.connect(on_finance_check_finished, dispatch_uid="temporary_assistance.finance_check")
