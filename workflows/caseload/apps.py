from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseloadConfig(AppConfig):
    name = "workflows.caseload"
    label = "caseload"
    verbose_name = _("在保对象管理")

    def ready(self):
        from workflows.finance_check.signals import finance_check_finished

        from .receivers import on_finance_check_finished

        finance_check_finished.connect(on_finance_check_finished, dispatch_uid="caseload.finance_check_finished")
