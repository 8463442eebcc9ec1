from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "salesdept.web"
    label = "web"
    verbose_name = _("Web shell")


# The dashboard (everyone's first page) and what it includes; compiled at start-up.
WARM_TEMPLATES = (
    "base.html",
    "components/language_switch.html",
    "components/messages.html",
    "components/document_table.html",
    "web/dashboard.html",
    "web/dashboard_panel.html",
)


def warm_up() -> None:
    """Do at server start the one-time work a process otherwise does in its first request (the
    profile of the first director_dashboard call: ~1.9 s of ~2 s): import the URLconf — the API's
    routers build ~2,000 pydantic schemas —, fill the URL resolver's reverse maps (one per
    language, and one per namespace), load the translation catalogs and compile the dashboard's
    templates. The server calls it once before forking its workers (cli._gunicorn; wsgi.py for a
    server of one's own), so each worker starts warm; the bench's in-process runner calls it too.

    Not in AppConfig.ready(): migrations, management commands and tests need none of it. Reads no
    database."""
    from pathlib import Path

    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import NoReverseMatch, get_resolver, reverse
    from django.utils import translation

    def populate(resolver, path=""):
        for namespace, (_prefix, sub) in resolver.namespace_dict.items():
            # reverse() of a namespaced name builds (and caches) a resolver of its own, which
            # fills its map before it looks the name up: an unknown name warms it as well
            try:
                reverse(f"{path}{namespace}:-warm-up-")
            except NoReverseMatch:
                pass
            populate(sub, f"{path}{namespace}:")

    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # also loads the language's catalogs
            get_resolver().reverse_dict  # noqa: B018 - imports every urls module and the API
            populate(get_resolver())
    partials = Path(__file__).parent / "templates" / "web" / "partials"
    for name in (*WARM_TEMPLATES, *(f"web/partials/{p.name}" for p in sorted(partials.glob("*.html")))):
        get_template(name)
