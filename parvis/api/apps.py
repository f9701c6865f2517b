from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "parvis.api"
    label = "api"
    verbose_name = "API"
