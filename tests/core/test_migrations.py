"""The models and the migrations agree (issue 20): a models module that became a package keeps
every model's identity (app label, name, fields), so moving a model between the package's
modules generates no migration, and ``from workflows.<app>.models import X`` still finds it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_left_without_a_migration():
    """``makemigrations --check --dry-run`` finds nothing to write in any app."""
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # --check exits non-zero when a migration would be written
        pytest.fail(f"a migration would be generated:\n{out.getvalue()}")


@pytest.mark.parametrize("app_label", ["dibao"])
def test_a_models_package_re_exports_every_model_of_its_app(app_label):
    """Each model the app registers is the object its ``models`` package exports by name."""
    package = apps.get_app_config(app_label).models_module
    for model in apps.get_app_config(app_label).get_models():
        assert getattr(package, model.__name__, None) is model, model.__name__
