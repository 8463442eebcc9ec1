"""Pages of the crm app: one module per record family, each with its own `urlpatterns`."""
