from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "workflows.funds"
    label = "funds"
    verbose_name = _("乡镇临时救助备用金")
