"""Outgoing webhooks (Standard Webhooks): endpoints subscribe to the outbox's events
(`parvis.core.events`), each event becomes one delivery per subscribed active endpoint,
sent and retried in the background (`delivery.py`), signed (`signing.py`)."""
