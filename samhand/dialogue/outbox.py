"""The exchange's event outbox as the dialogue uses it (one import place for the dialogue)."""

from samhand.exchange.outbox import drain, publish, subscriber

__all__ = ["drain", "publish", "subscriber"]
