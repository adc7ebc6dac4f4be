from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DibaoConfig(AppConfig):
    name = "workflows.dibao"
    label = "dibao"
    verbose_name = _("最低生活保障与特困供养")

    def ready(self):
        from workflows.core.working_days import calendar_changed

        from .receivers import on_calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="dibao.calendar_changed")

        from .rendering import register_renderers

        register_renderers()  # letters and notices rendered after commit (documents app)

        try:
            from workflows.finance_check.signals import finance_check_finished
        except ImportError:  # the finance check app is not installed yet
            return
        from .receivers import on_finance_check_finished

        finance_check_finished.connect(on_finance_check_finished, dispatch_uid="dibao.finance_check_finished")

        from workflows.sampling.signals import benefit_revoked

        from .receivers import on_benefit_revoked

        benefit_revoked.connect(on_benefit_revoked, dispatch_uid="dibao.benefit_revoked")
