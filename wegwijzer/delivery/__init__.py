"""Sending the outbox: e-mail (SMTP), Telegram and webhooks, and the worker that drives them.

Senders raise one of the errors below; their messages name an error class or code, never an
address or a message text, because they end up in the outbox and in logs.
"""
from __future__ import annotations


class DeliveryError(Exception):
    """A send failed; ``permanent`` says whether trying again can help."""

    permanent = False


class TemporaryFailure(DeliveryError):
    permanent = False


class PermanentFailure(DeliveryError):
    permanent = True


class NotConfigured(Exception):
    """The channel has no settings on this machine; the row waits without using up attempts."""
