from django.urls import URLPattern, URLResolver, include, path

from parvis.core.ids import register_converters
from parvis.networks import registry
from parvis.web.views import app
from parvis.web.views.conversion_hook import conversion_hook
from parvis.web.views.icons import favicon
from parvis.web.views.media_download import media_download
from parvis.web.views.network_style import network_css
from parvis.web.views.reports import report_link, report_link_file
from parvis.web.views.short_links import follow

register_converters()  # `<id:…>`: ids past a 64-bit column answer 404, not 500


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
        # Conversions sent by a client's site (analytics.conversions): the signature is the key.
        path("hooks/conversions/<id:source_id>/", conversion_hook, name="conversion_hook"),
        # A client's report sent as a private link (analytics.deliveries): the token is the key.
        path("r/<str:token>/", report_link, name="report_link"),
        path("r/<str:token>/<str:format_>/", report_link_file, name="report_link_file"),
        path("api/v1/", include("parvis.api.urls")),
        *(path("", include(info.urls)) for info in registry.NETWORKS.values()),
        path("", include("parvis.web.urls")),
    ]


urlpatterns = build_urlpatterns()
handler404 = "parvis.api.errors.not_found"
