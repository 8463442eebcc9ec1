"""web.apps.warm_up (issue 7, the dashboard's cold cost): the server does a first request's
one-time work before forking — without reading the database — so a worker's first dashboard
resolves its URLs from maps already built."""

from django.urls import get_resolver
from django.utils import translation

from salesdept.web import dashboards
from salesdept.web.apps import warm_up


def test_warm_up_reads_no_database_and_fills_the_url_maps(org, django_assert_num_queries, monkeypatch):
    with django_assert_num_queries(0):
        warm_up()
    resolver = get_resolver()
    assert {"en", "zh-hans"} <= set(resolver._reverse_dict)

    # a dashboard afterwards builds no URL map of its own
    from django.urls import resolvers

    built = []
    original = resolvers.URLResolver._populate
    monkeypatch.setattr(resolvers.URLResolver, "_populate", lambda self: built.append(self) or original(self))
    with translation.override("zh-hans"):
        dashboards.director_dashboard(org.director, defer=dashboards.DEFERRED)
    assert built == []
