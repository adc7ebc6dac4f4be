from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "workflows.cooperation"
    label = "cooperation"
    verbose_name = _("一门受理、协同办理")
