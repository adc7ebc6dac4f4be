"""GET filters of the task lists and the POST forms of the bulk actions."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.core.models import Village
from workflows.core.scope import user_scope

from .indexing import case_flows
from .selectors import Filters, human_nodes

SORT_CHOICES = [
    ("due", _("办理期限（最早在前）")),
    ("-due", _("办理期限（最晚在前）")),
    ("-created", _("最新任务在前")),
    ("created", _("最早任务在前")),
]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("案件编号或姓名"), required=False, max_length=50)
    flow = forms.ChoiceField(label=_("业务"), required=False)
    stage = forms.ChoiceField(label=_("环节"), required=False)
    village = forms.ModelChoiceField(label=_("村（社区）"), queryset=Village.objects.none(), required=False)
    due_before = forms.DateField(label=_("期限不晚于"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("仅看逾期"), required=False)
    staff_relative = forms.BooleanField(label=_("近亲属备案"), required=False)
    assist_first = forms.BooleanField(label=_("先行救助待补办"), required=False)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORT_CHOICES)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        scope = user_scope(user)
        flows = {}
        for flow_class in case_flows():
            flows.setdefault(flow_class.instance.flow_label, str(flow_class.process_title))
        self.fields["flow"].choices = [("", _("全部业务")), *list(flows.items())]
        self.fields["stage"].choices = [("", _("全部环节")), *human_nodes()]
        villages = Village.objects.filter(Q(township_id__in=scope.township_ids) | Q(pk__in=scope.village_ids))
        self.fields["village"].queryset = villages.order_by("code")
        self.fields["village"].empty_label = _("全部村（社区）")
        for field in self.fields.values():  # Bootstrap 5 controls (docs/ui.md)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs["class"] = css

    def filters(self, default_sort: str = "due") -> Filters:
        if not self.is_bound or not self.is_valid():
            return Filters(sort=default_sort)
        d = self.cleaned_data
        return Filters(
            flow=d.get("flow") or "",
            stage=d.get("stage") or "",
            village=d["village"].pk if d.get("village") else None,
            due_before=d.get("due_before"),
            overdue=bool(d.get("overdue")),
            staff_relative=bool(d.get("staff_relative")),
            assist_first=bool(d.get("assist_first")),
            q=d.get("q") or "",
            sort=d.get("sort") or default_sort,
        )


#: Largest primary key the database can hold (bigint): a larger number cannot name a
#: row, and looking it up overflows the driver (a 500 instead of "not found").
MAX_PK = 2**63 - 1


def _task_pk(value) -> int:
    pk = int(value)
    if not 1 <= pk <= MAX_PK:
        raise ValueError(value)
    return pk


class TaskSelectionForm(forms.Form):
    tasks = forms.TypedMultipleChoiceField(label=_("任务"), coerce=_task_pk, choices=())

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # Any task number is accepted here; each one is checked by the service.
        if data is not None and data.get("one"):
            # The row's own button: just that task, whatever else is ticked.
            data = data.copy()
            data.setlist("tasks", [data["one"]])
            self.data = data
        self.fields["tasks"].choices = [(v, v) for v in (data.getlist("tasks") if data else [])]


class ReassignForm(TaskSelectionForm):
    target = forms.IntegerField(label=_("改派给"), min_value=1, max_value=MAX_PK)


class SendBackForm(forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_PK)
    to_node = forms.CharField(label=_("退回至"))
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class TaskForm(forms.Form):
    """One task, by number (撤回, 催办): the service checks everything else."""

    task = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_PK)


class TransferForm(TaskForm):
    target = forms.IntegerField(label=_("转办给"), min_value=1, max_value=MAX_PK)
    reason = forms.CharField(label=_("转办理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class UrgeForm(TaskForm):
    note = forms.CharField(label=_("催办说明"), required=False, max_length=200)


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        from .models import NotificationSettings

        model = NotificationSettings
        fields = ["in_app", "email"]
