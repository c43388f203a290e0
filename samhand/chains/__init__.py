"""Standard procedures (S6, S7, S13): the message-type registry, capabilities per party, the
versioned chain definition approved by SSU, and patient episodes tracked against it.

Entry points for the exchange pipeline: ``tracking.track_message``, ``tracking.track_apprec``;
worker step ``worker.deadline_step``; API ``api.router``; portal queries in ``queries``.
"""
