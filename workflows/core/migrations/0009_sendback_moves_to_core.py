# SendBack moves from the workspace app into the engine (issue 20): state only, the
# table ``workspace_sendback`` and its rows stay where they are.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_rigid_expense_rule_corrections"),
        ("workspace", "0001_initial"),
        ("viewflow", "0015_task_scheduled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SendBack",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("from_node", models.CharField(max_length=64, verbose_name="退回环节")),
                        ("from_task_id", models.BigIntegerField(verbose_name="退回任务")),
                        ("to_node", models.CharField(max_length=64, verbose_name="退回至")),
                        ("to_task_id", models.BigIntegerField(blank=True, null=True, verbose_name="重办任务")),
                        ("reason", models.TextField(verbose_name="退回理由")),
                        ("sent_at", models.DateTimeField(auto_now_add=True, verbose_name="退回时间")),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("open", "已退回，待重新提交"),
                                    ("resubmitted", "已重新提交，直达退回环节"),
                                    ("returned", "已回到退回环节"),
                                ],
                                default="open",
                                max_length=16,
                                verbose_name="状态",
                            ),
                        ),
                        ("resubmitted_at", models.DateTimeField(blank=True, null=True, verbose_name="重新提交时间")),
                        ("returned_at", models.DateTimeField(blank=True, null=True, verbose_name="回到退回环节时间")),
                        (
                            "process",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="send_backs",
                                to="viewflow.process",
                                verbose_name="案件",
                            ),
                        ),
                        (
                            "sent_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="退回人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "退回记录",
                        "verbose_name_plural": "退回记录",
                        "db_table": "workspace_sendback",
                        "indexes": [models.Index(fields=["process", "state"], name="ws_sendback_process_state")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
