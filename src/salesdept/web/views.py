from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from . import selectors


@login_required
def dashboard_view(request):
    return render(
        request,
        "web/dashboard.html",
        {
            "waiting": selectors.reviews_waiting(user=request.user),
            "sent_back": selectors.sent_back(user=request.user),
        },
    )


def health_view(request):
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    return render(request, "errors/500.html", status=500)
