"""The monitors' query language: parsing, French-aware normalisation, matching."""

from parvis.listening.query.match import Item, Match, MonitorSet, Query, Span, compile_query
from parvis.listening.query.normalise import Token, tokens
from parvis.listening.query.syntax import QuerySyntaxError, describe, parse

__all__ = [
    "Item",
    "Match",
    "MonitorSet",
    "Query",
    "QuerySyntaxError",
    "Span",
    "Token",
    "compile_query",
    "describe",
    "parse",
    "tokens",
]
