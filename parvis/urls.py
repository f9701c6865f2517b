from django.urls import include, path

from parvis.networks import registry
from parvis.web.views.icons import favicon
from parvis.web.views.network_style import network_css

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("networks.css", network_css, name="network_css"),
    path("api/v1/", include("parvis.api.urls")),
    *(path("", include(info.urls)) for info in registry.NETWORKS.values()),
    path("", include("parvis.web.urls")),
]
handler404 = "parvis.api.errors.not_found"
