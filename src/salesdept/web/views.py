import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from . import selectors
from .context_processors import role_labels

logger = logging.getLogger(__name__)


@login_required
def dashboard_view(request):
    """The signed-in user's to-dos: documents waiting for their review, their own sent back."""
    return render(
        request,
        "web/dashboard.html",
        {
            "waiting": selectors.reviews_waiting(user=request.user),
            "sent_back": selectors.sent_back(user=request.user),
            "roles": role_labels(request.user),
        },
    )


def health_view(request):
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token: most often a page left open across a sign-out."""
    return render(request, "errors/403_csrf.html", status=403)


def server_error(request):
    # The database may be what failed: try the full layout, then fall back to the page without
    # anything that needs a query (menu, user).
    try:
        return render(request, "errors/500.html", status=500)
    except Exception:
        logger.exception("rendering the 500 page with the request context failed")
        return HttpResponseServerError(loader.get_template("errors/500.html").render({}))
