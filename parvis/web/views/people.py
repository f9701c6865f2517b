"""Logging in, joining by invitation, personal settings, API tokens, notifications."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts import throttle
from parvis.accounts.actions import accept_invitation as do_accept
from parvis.accounts.actions import mark_read
from parvis.accounts.models import Invitation, User
from parvis.accounts.requests import AuthedRequest
from parvis.api.models import ApiToken
from parvis.core.ids import parse_id
from parvis.web.forms import SignupForm, TokenForm, UserSettingsForm


class EmailAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy("Wrong email or password."),
        "inactive": gettext_lazy("This account is disabled."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = gettext_lazy("Email")


class LoginView(auth_views.LoginView):
    template_name = "parvis/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        """While the throttle refuses this account or address, say so and when to come
        back (429), not "wrong password": the password was not even checked."""
        if not getattr(self.request, "axes_locked_out", False):
            return super().form_invalid(form)
        seconds = throttle.seconds_left(self.request, {"username": form.data.get("username")}) or 60
        form.errors["__all__"] = form.error_class([throttle.wait_message(seconds)], error_class="nonfield")
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(seconds)
        return response


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Only the invited email may accept: logged in as that email, or by creating the
    account for it here. Someone logged in as anyone else is told so and joins nothing."""
    invitation = Invitation.objects.select_related("workspace").by_token(token)
    if invitation is None:
        return render(request, "parvis/invitation_invalid.html", status=404)
    user = request.user
    if user.is_authenticated:
        if not invitation.is_for(user):
            return render(request, "parvis/invitation_other_account.html",
                          {"invitation": invitation, "next": request.path}, status=403)
        if request.method == "POST":
            do_accept(invitation, user)
            messages.success(request, _("You joined %(name)s.") % {"name": invitation.workspace.name})
            return redirect("web:home")
        return render(request, "parvis/invitation.html", {"invitation": invitation})
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        messages.info(request, _("Log in as %(email)s to accept the invitation.") % {"email": invitation.email})
        return redirect(f"{reverse('web:login')}?{urlencode({'next': request.path})}")
    form = SignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        new_user = User.objects.create_user(
            invitation.email, form.cleaned_data["password"], first_name=form.cleaned_data["first_name"],
            language=invitation.workspace.language, timezone=invitation.workspace.timezone,
        )
        do_accept(invitation, new_user)
        login(request, new_user, backend="parvis.accounts.backends.EmailBackend")
        return redirect("web:home")
    return render(request, "parvis/invitation.html", {"invitation": invitation, "form": form})


@login_required
def user_settings(request: AuthedRequest) -> HttpResponse:
    form = UserSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Settings saved."))
        return redirect("web:settings")
    return render(request, "parvis/settings.html", {"form": form})


@login_required
def api_tokens(request: AuthedRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and "revoke" in request.POST:
        revoke = parse_id(request.POST.get("revoke", ""))
        if revoke is not None:
            ApiToken.objects.filter(user=user, pk=revoke).update(revoked_at=timezone.now())
        messages.success(request, _("Token revoked."))
        return redirect("web:api_tokens")
    if request.method == "POST" and form.is_valid():
        _token, new_token = ApiToken.issue(user, form.cleaned_data["name"])
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    return render(request, "parvis/tokens.html", {"form": form, "tokens": tokens, "new_token": new_token})


@login_required
def notifications(request: AuthedRequest) -> HttpResponse:
    items = request.user.notifications.select_related("workspace")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    response = render(request, "parvis/notifications.html", {"page": page})
    mark_read(request.user, [n.pk for n in page])
    return response

