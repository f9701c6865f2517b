from django.urls import URLPattern, URLResolver, include, path

from parvis.networks import registry
from parvis.web.views import app
from parvis.web.views.icons import favicon
from parvis.web.views.media_download import media_download
from parvis.web.views.network_style import network_css
from parvis.web.views.short_links import follow


def build_urlpatterns() -> list[URLPattern | URLResolver]:
    """The site's URLs, with each registered network's (tests with another registry
    build theirs again)."""
    return [
        path("favicon.ico", favicon, name="favicon"),
        path("networks.css", network_css, name="network_css"),
        # The installable app: at the root, where a service worker controls every page.
        path("manifest.webmanifest", app.manifest, name="web_manifest"),
        path("sw.js", app.service_worker, name="web_service_worker"),
        path("offline/", app.offline, name="web_offline"),
        # Media a network downloads itself: the signed token is the only key.
        path("m/<str:token>/<str:name>", media_download, name="media_download"),
        # Posts' short links (analytics.links): public, the code is the only key.
        path("l/<str:code>", follow, name="short_link"),
        path("api/v1/", include("parvis.api.urls")),
        *(path("", include(info.urls)) for info in registry.NETWORKS.values()),
        path("", include("parvis.web.urls")),
    ]


urlpatterns = build_urlpatterns()
handler404 = "parvis.api.errors.not_found"
