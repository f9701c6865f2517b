"""Request types for views that only run once someone is signed in.

`login_required` (web) and `IsAuthenticated` (API) guarantee that `request.user` is a
real `User`; these types say so to mypy, so views need no cast at each use.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from parvis.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User


class AuthedAPIRequest(Request):
    user: User
