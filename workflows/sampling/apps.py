from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SamplingConfig(AppConfig):
    name = "workflows.sampling"
    label = "sampling"
    verbose_name = _("县级抽查")
