from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from . import selectors


@login_required
@permission_required("audit.view_audit_trail", raise_exception=True)
def audit_list_view(request):
    entries = selectors.audit_list(user=request.user, filters=request.GET)
    return render(request, "audit/audit_list.html", {"entries": entries[:50]})
