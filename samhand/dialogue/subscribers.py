"""Outbox subscribers of the dialogue (registered from DialogueConfig.ready)."""

from __future__ import annotations

from .outbox import subscriber


@subscriber("dialogue.threads", kinds={"submitted", "received", "delivered"}, batch=200)
def thread_messages(events) -> None:
    from .threads import is_dialogue, track

    for e in events:
        message = e.message
        if message is None or not is_dialogue(message):
            continue
        if e.kind == "submitted":
            track(message, message.sender_her_id)
        elif e.kind == "delivered" and e.delivery is not None:
            track(message, e.delivery.her_id)
        # "received": the deliveries land right after, each with its own "delivered" event.


@subscriber("dialogue.avvik", kinds={"delivered"}, batch=200)
def avvik_arrived(events) -> None:
    from .misdirected import link_avvik

    for e in events:
        message = e.message
        if message is None or message.is_apprec or message.msg_type != "DIALOG_AVVIK" or e.delivery is None:
            continue
        link_avvik(message, e.delivery)
