"""Outbox relay: pushes queued DUIS responses and alerts to Users' receive-response URLs."""
