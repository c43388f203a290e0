"""AMQP 1.0 transport between nodes, following the national service-bus profile.

``profile``: queue names, application properties and error conditions of HITS 1216:2018.
``client``: :class:`AmqpConnection`, a blocking publish/receive API over python-qpid-proton
(no Django here; the worker wires it in). ``messages``: :class:`Outgoing`, :class:`Received`.

RabbitMQ 3.10 with ``rabbitmq_amqp1_0``, as measured against 3.10.8:

- Addresses (v1 format): ``/amq/queue/Q`` sends to or consumes from an existing queue Q;
  ``/queue/Q`` declares Q when missing - durable only if the link terminus durability is
  non-zero - which only :meth:`AmqpConnection.ensure_queue` uses. Classic queues only:
  quorum queues (and arguments) cannot be declared over AMQP 1.0, and attaching to
  ``/queue/Q`` for an existing quorum queue fails.
- A message sent to ``/amq/queue/Q`` for a missing Q is *accepted and dropped*. The
  profile wants the send to fail, so before the first send to a queue on a connection the
  client attaches a zero-credit consumer to it: for a missing queue the broker ends that
  session with ``amqp:not-found`` (hence one session per link) -> :class:`AmqpNotFound`.
- The broker answers a detach without ``closed=true``; waiting for a link to close hangs,
  so links are closed without waiting. Unsettled deliveries of a closed link or connection
  are requeued.
- Publisher confirms: each transfer is settled *accepted* once routed and, for durable
  messages (``header.durable``, always set here), persisted to disk.
- Delivery counting: ``header.delivery-count`` is always 0; only ``first-acquirer`` (false
  on redelivery) tells a redelivery, also on quorum queues. The ``modified`` outcome is not
  supported (the message is requeued but that link never gets it again), so ``release``
  sends ``released``. ``Received.delivery_count`` is the header value if a broker sets it,
  else 0 for a first delivery and, for a redelivery, how often this connection object saw
  the message (at least 1): exact within one process, a lower bound across restarts.
- The profile's "10 receives, then dead-letter" is enforced by the broker only on quorum
  queues with a policy ``{"delivery-limit": 9, "dead-letter-exchange": "",
  "dead-letter-routing-key": ...}`` (limit N = N+1 deliveries; verified that consumer
  crashes count too). Provision production queues that way (rabbitmqctl / management API).
  On classic queues use ``profile.exhausted(received.delivery_count)`` and ``reject``.
"""

from .client import AmqpConnection
from .errors import AmqpError, AmqpNotFound, AmqpRejected, AmqpUnavailable
from .messages import Outgoing, Received

__all__ = ["AmqpConnection", "Outgoing", "Received", "AmqpError", "AmqpNotFound", "AmqpRejected",
           "AmqpUnavailable"]
