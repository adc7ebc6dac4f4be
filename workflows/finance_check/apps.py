from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceCheckConfig(AppConfig):
    name = "workflows.finance_check"
    label = "finance_check"
    verbose_name = _("家庭经济状况核对")

    def ready(self):
        # Connects the flow_finished receiver that sends finance_check_finished.
        from . import flows  # noqa: F401
