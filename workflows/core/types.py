"""Types shared by the services' signatures (checked by mypy, see ``[tool.mypy]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django.utils.functional import Promise

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
else:
    # django-stubs-ext is a dev requirement (requirements-dev.txt): production has only the alias.
    StrOrPromise = str | Promise

#: A signed-in staff user acting (the project keeps Django's own user model).
Staff: TypeAlias = User
#: Who did it: a staff user, or ``None`` for the system (beat, a Celery job, a data load).
Actor: TypeAlias = User | None
#: Whoever a request carries: signed in or not.
AnyUser: TypeAlias = User | AnonymousUser

if TYPE_CHECKING:

    class VerifiableStaff(User):
        """A staff user as django-otp's ``OTPMiddleware`` leaves it on a request: with
        ``is_verified()`` (annotations only; no such model exists)."""

        def is_verified(self) -> bool: ...


class StaffRequest(HttpRequest):
    """For annotations: the request of a page only signed-in staff reach (Django's
    ``LoginRequiredMiddleware`` turns anyone else away before the view runs)."""

    user: VerifiableStaff
