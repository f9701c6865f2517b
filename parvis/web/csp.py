"""Pages that need more than the Content-Security-Policy every response carries
(`CONTENT_SECURITY_POLICY` in settings, sent by django-csp's middleware), each with its
reason. (Leaving for a network's OAuth page is not one: parvis.networks.authorise.)"""

from __future__ import annotations

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView

# Swagger UI's own stylesheet draws its icons as data: images. Its script is served as a
# file (the split view), and parvis's page for it has no inline style.
api_docs = csp_update({"img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="parvis/api_docs.html"))

