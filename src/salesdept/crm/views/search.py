"""The search page: one box across customers, contacts and leads (the top bar's search box posts
here). Each group shows its first 10 matches, how many there are, and a link to the full list."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse

from salesdept.core.errors import ValidationFailed
from salesdept.crm.selectors import search as selectors


def _url(name: str, *args) -> str:
    """The address of a page another module provides; empty while that page does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@login_required
@permission_required("crm.view_customer", raise_exception=True)
def search_view(request):
    """Search customers, contacts and leads the user may see; a query shorter than two
    characters shows a hint instead of results."""
    q = request.GET.get("q", "")
    results, problem = None, None
    if q.strip():
        try:
            results = selectors.search(user=request.user, q=q)
        except ValidationFailed as exc:
            problem = exc.fields.get("q", exc.message)
    if results is not None:
        for customer in results.customers.items:
            customer.url = _url("crm:customer_detail", customer.pk)
        for contact in results.contacts.items:
            contact.url = _url("crm:customer_detail", contact.customer_id)
        for lead in results.leads.items:
            lead.url = _url("crm:lead_detail", lead.pk)
    return render(
        request,
        "crm/search.html",
        {
            "q": q.strip(),
            "results": results,
            "problem": problem,
            "customer_list_url": _url("crm:customer_list"),
            "lead_list_url": _url("crm:lead_list"),
        },
        status=400 if problem else 200,
    )


urlpatterns = [
    path("search/", search_view, name="search"),
]
