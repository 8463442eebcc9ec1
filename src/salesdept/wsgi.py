import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesdept.settings")
application = get_wsgi_application()

from salesdept.web.apps import warm_up  # noqa: E402 - needs the apps loaded above

warm_up()  # the first request's one-time work, before a preloading server forks its workers
