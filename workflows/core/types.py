"""Types shared by the services' signatures (checked by mypy, see ``[tool.mypy]``)."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

#: A signed-in staff user acting (the project keeps Django's own user model).
Staff: TypeAlias = User
#: Who did it: a staff user, or ``None`` for the system (beat, a Celery job, a data load).
Actor: TypeAlias = User | None
#: Whoever a request carries: signed in or not.
AnyUser: TypeAlias = AbstractBaseUser | AnonymousUser
