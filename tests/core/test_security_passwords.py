"""Password policy: at least 12 characters (ASVS 2.1.1)."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def test_eleven_characters_are_refused():
    """An 11-character password is refused by the validators (ASVS 2.1.1: at least 12)."""
    with pytest.raises(ValidationError) as excinfo:
        validate_password("kq7#Lm2!xZp")
    assert any(e.code == "password_too_short" for e in excinfo.value.error_list)


def test_twelve_characters_pass_the_length_rule():
    """A 12-character password that is neither common nor numeric passes every validator."""
    validate_password("kq7#Lm2!xZp9")


def test_demo_password_meets_the_policy():
    """The demo and factory password is long enough, so seeded and test users stay valid."""
    assert len(settings.DEMO_PASSWORD) >= 12
    validate_password(settings.DEMO_PASSWORD)


@pytest.mark.django_db
def test_admin_password_change_refuses_a_short_password(admin_user, client):
    """The admin's password form says the password is too short instead of saving it."""
    client.force_login(admin_user)
    response = client.post(
        f"/admin/auth/user/{admin_user.pk}/password/",
        {"password1": "Short#pw123", "password2": "Short#pw123", "usable_password": "true"},
    )
    assert response.status_code == 200
    admin_user.refresh_from_db()
    assert not admin_user.check_password("Short#pw123")
    errors = response.context["form"].errors
    assert any(e.code == "password_too_short" for e in errors.as_data().get("password2", []))
