"""LinkedIn pages (and personal profiles) through LinkedIn's versioned REST API.

Configuration (environment variables, or Django settings of the same names, which win):

* PARVIS_LINKEDIN_CLIENT_ID, PARVIS_LINKEDIN_CLIENT_SECRET: the LinkedIn app this parvis
  is registered as (with the Community Management API product, and programmatic
  refresh tokens for access beyond 60 days). Without them the connect page says so and
  names them.
* PARVIS_LINKEDIN_API_URL (default https://api.linkedin.com) and
  PARVIS_LINKEDIN_OAUTH_URL (default https://www.linkedin.com): tests point them at the
  loopback fake (`parvis.testing.linkedin_server`). They are read here rather than
  declared in parvis/settings.py, so that adding LinkedIn touches only this package and
  the registry line.

The API version parvis speaks is `version.VERSION`, with its sunset date `version.SUNSET`.
Sixty days before that date, `version.sunset_warning()` returns a sentence to show: the
connect page shows it, `LinkedInConnector.warnings()` gives it for an account's page,
and a warning is logged at startup (`apps.LinkedInConfig.ready`).

Modules: `client` (HTTP, headers, errors), `little_text` (escaping), `media` (uploads in
steps), `connector` (publish, find, delete, refresh, inbox and metrics entry points),
`inbox` (comments), `metrics` (names table), `oauth`, `views` (connecting), `options`.
"""
