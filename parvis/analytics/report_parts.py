"""A report's sections and formats, by name: read by the command line before Django is
set up, so nothing here imports it."""

SECTIONS = ("highlights", "audience", "publications", "top_posts", "inbox", "veille", "roi", "recommendations")
FORMATS = ("pdf", "pptx", "xlsx")
