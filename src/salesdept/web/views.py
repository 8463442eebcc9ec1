import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from . import dashboards, selectors
from .context_processors import role_labels

logger = logging.getLogger(__name__)


@login_required
def dashboard_view(request):
    """The signed-in user's dashboard: the panels of their roles (web/dashboards.py: company
    figures, my figures, stock) and their to-dos — documents waiting for their review, their own
    sent back."""
    waiting = selectors.reviews_waiting(user=request.user)
    return render(
        request,
        "web/dashboard.html",
        {
            "waiting": waiting,
            "sent_back": selectors.sent_back(user=request.user),
            "roles": role_labels(request.user),
            "panels": dashboards.dashboard(request.user, defer=dashboards.DEFERRED),
            "contracts_mine": sum(1 for doc in waiting if doc._meta.label_lower == "sales.contract"),
        },
    )


# The template of each panel the dashboard loads after itself (dashboards.DEFERRED).
PANEL_TEMPLATES = {"receivables_aging": "web/partials/dash_aging.html"}


@login_required
def dashboard_panel_view(request, key: str):
    """One dashboard panel on its own: the fragment htmx swaps into the dashboard, or (without
    htmx) a page holding just that panel. 404 for a panel the user may not see."""
    if key not in PANEL_TEMPLATES or key not in dashboards.panels_for(request.user):
        raise Http404
    panel = dashboards.dashboard(request.user, only=(key,))[key]
    if request.headers.get("HX-Request") == "true":
        return render(request, PANEL_TEMPLATES[key], {"p": panel})
    return render(request, "web/dashboard_panel.html", {"p": panel, "panel_template": PANEL_TEMPLATES[key]})


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
