from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayrollConfig(AppConfig):
    name = "workflows.payroll"
    label = "payroll"
    verbose_name = _("发放名册")
