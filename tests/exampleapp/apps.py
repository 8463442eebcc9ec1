from django.apps import AppConfig


class ExampleAppConfig(AppConfig):
    name = "tests.exampleapp"
    label = "exampleapp"
