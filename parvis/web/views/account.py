"""The person's own account: email, password change, and password reset by email
(Django's views and tokens, parvis's templates)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from parvis.accounts import reset_limits, throttle
from parvis.accounts.actions import change_email
from parvis.accounts.links import base_url
from parvis.accounts.models import User
from parvis.accounts.requests import AuthedRequest
from parvis.web.account_forms import EmailChangeForm


@login_required
def account(request: AuthedRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = EmailChangeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            change_email(user, form.cleaned_data["email"])
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(request, _("Your email is now %(email)s: use it to log in.") % {"email": user.email})
            return redirect("web:account")
    return render(request, "parvis/account.html", {"form": form}, status=400 if form.errors else 200)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Keeps the person logged in on this browser (Django updates the session hash)."""

    template_name = "parvis/password_change.html"
    success_url = reverse_lazy("web:account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Answers the same whether an account has this email or not."""

    template_name = "parvis/password_reset.html"
    email_template_name = "parvis/emails/password_reset.txt"
    subject_template_name = "parvis/emails/password_reset_subject.txt"
    success_url = reverse_lazy("web:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = reset_limits.address_wait(throttle.client_ip(request))
        if wait:
            form = self.get_form()
            form.is_valid()
            form.add_error(None, _("Too many password-reset requests from this address. Try again in %(wait)s.")
                           % {"wait": throttle.wait_phrase(wait)})
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        if not reset_limits.may_email(form.cleaned_data["email"], throttle.client_ip(self.request)):
            # The same answer as when the email was sent: the page says nothing about
            # whether an account uses it; the mailbox just gets no more this hour.
            return HttpResponseRedirect(self.get_success_url())
        # The link names the address parvis serves on, like every other emailed link,
        # never the Host header of the request that asked for it.
        self.extra_email_context = {"base_url": base_url()}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "parvis/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "parvis/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever reset the password owns the mailbox: lift the account's lockout.
        throttle.forget_account(form.user.email)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "parvis/password_reset_complete.html"
