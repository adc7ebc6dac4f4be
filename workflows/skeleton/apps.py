from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SkeletonConfig(AppConfig):
    name = "workflows.skeleton"
    label = "skeleton"
    verbose_name = _("流程样板")
