"""Official working-day calendar (domain.md §5: weekends, public holidays and
make-up working days 调休).

Only exceptions are stored: a ``HOLIDAY`` row makes a weekday a day off, a
``WORKDAY`` row makes a weekend day a working day. Rows are loaded from the
maintained ``chinesecalendar`` library (``manage.py load_holidays``) and can be
edited in the admin when the State Council publishes a year the library does
not know yet.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休息）")
        WORKDAY = "workday", _("调休上班日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)
    source = models.CharField(_("来源"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """A year whose official schedule (the State Council notice) is loaded in full.

    Deadlines that end in a year without a row are provisional: counted with weekends
    only, they move once the year's holidays and make-up days are entered. A row is
    written by ``load_holidays`` for every year the holiday library carries, or by the
    administrator after entering a year's ``CalendarDay`` rows by hand.
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(_("来源"), max_length=50, blank=True)
    loaded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已公布的年度节假日安排")
        verbose_name_plural = _("已公布的年度节假日安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
