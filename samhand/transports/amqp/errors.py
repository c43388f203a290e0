"""Exceptions of the AMQP client.

``AmqpUnavailable`` is transient (broker down, connection lost, no confirm in time):
retry later with the *same* message-id; receivers drop duplicate message-ids (profile 2.2.3).
``AmqpRejected`` means the broker refused the message or the address: retrying the
same thing will not help. ``message_ids`` lists the messages of a publish call that
were **not** confirmed (those that were are safely stored).
"""

from __future__ import annotations


class AmqpError(Exception):
    def __init__(self, reason: str, *, message_ids: tuple[str, ...] = ()):
        super().__init__(reason)
        self.message_ids = tuple(message_ids)


class AmqpUnavailable(AmqpError):
    """The broker could not be reached or did not answer in time; try again later."""


class AmqpRejected(AmqpError):
    """The broker refused the message (rejected outcome) or the address."""

    def __init__(self, reason: str, *, message_ids: tuple[str, ...] = (), condition: str | None = None):
        super().__init__(reason, message_ids=message_ids)
        self.condition = condition


class AmqpNotFound(AmqpRejected):
    """The queue does not exist (the profile: a sender may only write to an existing queue)."""
