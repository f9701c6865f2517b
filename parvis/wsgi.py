import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
django_application = get_wsgi_application()

from parvis.api.mcp.http import with_mcp  # noqa: E402 - needs Django set up

application = with_mcp(django_application)  # /mcp: the assistants' MCP transport
