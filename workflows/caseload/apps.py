from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseloadConfig(AppConfig):
    name = "workflows.caseload"
    label = "caseload"
    verbose_name = _("在保对象管理")
