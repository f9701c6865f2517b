"""Feeds: parsing (RSS 0.9x/1.0/2.0, Atom, JSON Feed), discovery and OPML."""
