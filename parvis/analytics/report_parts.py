"""A report's sections and formats, by name: read by the command line before Django is
set up, so nothing here imports it."""

SECTIONS = ("highlights", "audience", "publications", "top_posts", "inbox", "veille", "roi", "recommendations")
FORMATS = ("pdf", "pptx", "xlsx")  # what a report is made in unless told otherwise
ALL_FORMATS = (*FORMATS, "csv")  # csv: every table, for a French Excel
