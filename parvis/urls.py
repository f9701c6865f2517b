from django.urls import include, path

from parvis.web.views.icons import favicon

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("api/v1/", include("parvis.api.urls")),
    path("", include("parvis.networks.mastodon.urls")),
    path("", include("parvis.networks.bluesky.urls")),
    path("", include("parvis.web.urls")),
]
handler404 = "parvis.api.errors.not_found"
