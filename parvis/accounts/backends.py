from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from parvis.accounts.models import User


class EmailBackend(ModelBackend):
    """Log in with an email address, case-insensitively."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None,
        password: str | None = None, **kwargs: Any,
    ) -> User | None:
        email = (username or kwargs.get("email") or "").strip().lower()
        if not email or password is None:
            return None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            User().set_password(password)  # same work whether the user exists or not
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
