from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesdept.core.errors import DomainError

from . import selectors, services
from .forms import TokenCreateForm
from .roles import ROLES


class SalesLoginView(auth_views.LoginView):
    """Sign in. A wrong username or password shows Django's translated message; django-axes
    answers with accounts/locked_out.html after too many failures."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    """Sign out: POST only (with the CSRF token), so a link or an image cannot sign anyone out."""
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


def _profile(request, form: TokenCreateForm, *, status: int = 200):
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": selectors.token_list(user=user),
            "form": form,
            # Shown once, on the page right after creation; never stored in clear.
            "new_key": request.session.pop("new_token_key", None),
            "roles": [ROLES[name] for name in user.role_names if name in ROLES],
        },
        status=status,
    )


@login_required
def profile_view(request):
    return _profile(request, TokenCreateForm())


@login_required
@require_POST
def token_create_view(request):
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            _token, key = services.token_create(by=request.user, name=form.cleaned_data["name"])
        except DomainError as exc:
            for field, message in exc.fields.items():
                form.add_error(field if field in form.fields else None, str(message))
            if not exc.fields:
                form.add_error(None, str(exc.message))
        else:
            request.session["new_token_key"] = key
            messages.success(request, _("Token created."))
            return redirect("accounts:profile")
    return _profile(request, form, status=400)


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    token = services.token_revoke(by=request.user, token_id=pk)
    messages.success(
        request, _("Token “%(name)s” revoked. Scripts using it can no longer sign in.") % {"name": token.name}
    )
    return redirect("accounts:profile")


@require_POST
def language_view(request):
    """Switch language; remembered on the user's record (and in a cookie before sign-in)."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.language_set(by=request.user, language=language)
    translation.activate(language)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response
