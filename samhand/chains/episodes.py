"""Recording messages in patient episodes: which episode, which step, and what it changes.

Grouping (in this order): a change or cancellation that arrived before this message and refers to
it (HISD 1154 §4.2, the original may come last); a message this one refers to by ConversationRef
(HITS 1218 §3.3); otherwise the latest episode of the same patient at the same hospital trust.
A new LOG_INNLAGT (a step that starts episodes) after a completed admission starts a new episode;
every new episode follows the chain version in force when it begins, for its whole life.

Rows are read and written through a ``Unit`` (unit.py): for one message, or for a batch of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from samhand import kith

from . import rules
from samhand.lib.bulk import update_many

from .definitions import in_force, steps_of
from .models import SIDE_OF_ROLE, ChainStep, ChainVersion, Episode, EpisodeMessage, EpisodeParty, EpisodeStep
from .unit import NEW, Unit

# A message for a closed episode (e.g. an Epikrise after discharge) joins it within this window.
LATE_WINDOW = timedelta(days=30)

FLAG_TEXT = {
    rules.OUT_OF_ORDER: "kom før steget som utløser den",
    rules.REPEATED: "steget var allerede utført",
    rules.LATE: "sendt etter fristen",
    rules.WRONG_SIDE: "sendt av feil part i forløpet",
    rules.AFTER_CLOSE: "kom etter at forløpet var avsluttet",
    rules.WRONG_PARTY: "svarer ikke fra organisasjonen som fikk meldingen den svarer på",
}


@dataclass
class Arrival:
    """What the tracking needs from one message: MsgHead facts, no XML."""

    msg_id: str
    msg_type: str
    status: str
    sender: kith.Party
    receiver: kith.Party
    copies: tuple[kith.Party, ...]
    patient_id: str | None
    ref_parent: str
    ref_conversation: str
    at: datetime | None  # None: when it is recorded (the chains' clock)

    @classmethod
    def of(cls, msghead: kith.MsgHead, at: datetime) -> Arrival:
        ref = msghead.conversation_ref
        return cls(msg_id=msghead.msg_id, msg_type=msghead.msg_type,
                   status=kith.forsendelsesstatus(msghead.business_document),
                   sender=msghead.sender, receiver=msghead.receiver, copies=tuple(msghead.other_receivers),
                   patient_id=msghead.patient.id if msghead.patient else None,
                   ref_parent=(ref.ref_to_parent if ref else "") or "",
                   ref_conversation=(ref.ref_to_conversation if ref else "") or "", at=at)

    @classmethod
    def of_message(cls, message, status: str, at: datetime | None) -> Arrival:
        """The same facts from a stored message: its MsgHead envelope and the exchange event's status."""
        env = message.envelope or {}

        def party(value) -> kith.Party:
            return kith.Party(**value) if value else kith.Party(organisation_name="")

        return cls(msg_id=message.msg_id, msg_type=message.msg_type, status=status or "N",
                   sender=party(env.get("sender")), receiver=party(env.get("receiver")),
                   copies=tuple(party(p) for p in env.get("other_receivers", ())),
                   patient_id=message.patient_id or None, ref_parent=message.parent_ref or "",
                   ref_conversation=message.conversation_ref or "", at=at)

    @property
    def refs(self) -> list[str]:
        return [r for r in dict.fromkeys((self.ref_parent, self.ref_conversation)) if r and r != self.msg_id]


@dataclass
class Context:
    episode: Episode
    defs: list[ChainStep]
    states: list[EpisodeStep]
    new: bool = False


def _org(party: kith.Party) -> str:
    return party.organisation_her_id or party.her_id or ""


def match_step(defs: list[ChainStep], msg_type: str, linked: list[EpisodeMessage]) -> ChainStep | None:
    """The step this message type fulfils; a step that requires a link only with one to its trigger."""
    for defn in defs:
        if msg_type not in defn.message_types:
            continue
        if defn.requires_link and not any(e.step_id == defn.trigger_id and e.step_id is not None for e in linked):
            continue
        return defn
    return None


def record(unit: Unit, message, a: Arrival) -> EpisodeMessage | None:
    """Record the message in its episode; the rows are written when ``unit`` is flushed."""
    refs = a.refs
    linked = unit.linked(refs) if refs else []
    pending = [] if a.status == "C" else unit.waiting_for(a)
    anchor = pending[0] if pending else _best_link(linked, a)
    if anchor is not None:
        episode = anchor.episode
        defs = steps_of(episode.chain_version)
        ctx = Context(episode, defs, unit.states_of(episode))
        defn = match_step(defs, a.msg_type, linked)
    else:
        located = _locate(unit, a)
        if located is None:
            return None
        ctx, defn = located
    return _apply(unit, ctx, defn, message, a, linked, pending)


def _best_link(linked: list[EpisodeMessage], a: Arrival) -> EpisodeMessage | None:
    for ref in (a.ref_parent, a.ref_conversation):
        for entry in linked:
            if entry.msg_id == ref:
                return entry
    return None


def _locate(unit: Unit, a: Arrival) -> tuple[Context, ChainStep] | None:
    """Find or start the episode for a message that refers to nothing we know."""
    if not a.patient_id:
        return None
    for version in in_force(a.at):
        defs = steps_of(version)
        defn = match_step(defs, a.msg_type, [])
        if defn is not None:
            break
    else:
        return None
    if SIDE_OF_ROLE[defn.sender_role] == "hospital":
        hospital = _org(a.sender)
    elif SIDE_OF_ROLE[defn.receiver_role] == "hospital":
        hospital = _org(a.receiver)
    else:
        return None
    starts = defn.starts_episode and a.status == "N"
    candidate = unit.latest_episode(a.patient_id, hospital)
    if candidate is not None:
        joinable = (candidate.state == Episode.State.OPEN
                    or (not starts and candidate.closed_at and candidate.closed_at >= a.at - LATE_WINDOW))
        if joinable:
            own_defs = defs if candidate.chain_version_id == version.id else steps_of(candidate.chain_version)
            ctx = Context(candidate, own_defs, unit.states_of(candidate))
            if not (starts and candidate.state == Episode.State.OPEN and _admitted(ctx)):
                return ctx, match_step(own_defs, a.msg_type, [])
            # A new admission while the previous one never got LOG_UTSKREVET: that one is over.
            close_episode(ctx, a.at, "ny innleggelse før melding om utskrevet pasient", unit)
    return _start(version, defs, a, hospital), defn


def _admitted(ctx: Context) -> bool:
    start_ids = {d.id for d in ctx.defs if d.starts_episode}
    return any(s.step_id in start_ids and s.state in rules.FULFILLED for s in ctx.states)


def _start(version: ChainVersion, defs: list[ChainStep], a: Arrival, hospital: str) -> Context:
    # Saved with its first message (one INSERT: the UUID key exists already).
    episode = Episode(chain_version=version, patient_id=a.patient_id, hospital_org_her_id=hospital,
                      started_at=a.at, updated_at=a.at)
    states = [EpisodeStep(episode=episode, step=d) for d in defs]
    board = rules.Board(defs, states)
    board.start(a.at)
    return Context(episode, defs, states, new=True)


def close_episode(ctx: Context, at: datetime, reason: str, unit: Unit | None = None) -> None:
    """Close an open episode: what it still lacks is missing (mandatory) or withdrawn. Written at
    once, or when ``unit`` is flushed."""
    board = rules.Board(ctx.defs, ctx.states, discharged_at=ctx.episode.discharged_at)
    board.close()
    episode = ctx.episode
    episode.state, episode.closed_at, episode.close_reason = Episode.State.CLOSED, at, reason
    episode.next_due_at, episode.overdue_steps, episode.updated_at = None, 0, at
    if unit is None:
        update_many(EpisodeStep, board.changed.values(), ["state"])
        episode.save()
    else:
        unit.save_states(board.changed.values())
        unit.save_episode(episode)


def _target(linked: list[EpisodeMessage], a: Arrival) -> EpisodeMessage | None:
    """The message a change/cancellation applies to: same sender and type, parent preferred."""
    for ref in (a.ref_parent, a.ref_conversation):
        for entry in linked:
            if entry.msg_id == ref and entry.sender_her_id == a.sender.her_id and entry.msg_type == a.msg_type:
                return entry
    return None


def _apply(unit: Unit, ctx: Context, defn: ChainStep | None, message, a: Arrival, linked,
           pending) -> EpisodeMessage:
    episode = ctx.episode
    board = rules.Board(ctx.defs, ctx.states, discharged_at=episode.discharged_at)
    board.mark_overdue(a.at)
    target = _target(linked, a) if a.status in ("M", "C") else None
    if target is not None:
        # The new row names the target, and the statements below change rows with it: written first.
        unit.flush()
    entry = EpisodeMessage(episode=episode, message=message, msg_id=a.msg_id, msg_type=a.msg_type, status=a.status,
                           step=defn, at=a.at, sender_her_id=a.sender.her_id or "",
                           receiver_her_id=a.receiver.her_id or "", ref_parent=a.ref_parent,
                           ref_conversation=a.ref_conversation, doc_key=a.msg_id if a.status == "N" else "")
    flags: list[str] = []
    if defn is not None and _wrong_side(defn, a, episode):
        flags.append(rules.WRONG_SIDE)
    if defn is not None and not _answers_trigger(unit, defn, a, linked, episode):
        # A feedback from another organisation than the one asked does not fulfil the step.
        flags.append(rules.WRONG_PARTY)
        defn = entry.step = None
    after_discharge = defn is not None and defn.trigger_id is not None and board.defs[defn.trigger_id].closes_episode
    if episode.state == Episode.State.CLOSED and not after_discharge:
        flags.append(rules.AFTER_CLOSE)  # an Epikrise after discharge is normal, anything else is late
    if target is not None:
        entry.target, entry.doc_key = target, target.doc_key or target.msg_id
    if any(p.status == "C" for p in pending):
        entry.effect = EpisodeMessage.Effect.CANCELLED  # its cancellation came first
    elif pending:
        entry.effect = EpisodeMessage.Effect.REPLACED  # a change of it came first and fulfilled the step
    elif defn is not None and a.status != "C":
        flags += board.fulfil(defn, a.at, NEW, change=a.status == "M" and target is not None)
    entry.flags = sorted(set(flags))
    entry.note = "; ".join(FLAG_TEXT[f] for f in entry.flags)
    live_delta = 1 if entry.live else 0
    if a.status == "C" and target is not None:
        live_delta -= _cancel(unit, board, episode, entry, target, a.at)
    parties = _parties(episode, defn, a)
    _save_episode(unit, episode, board, bool(entry.flags), live_delta, a.at)
    placeholder = unit.add_entry(entry)
    for state in board.changed.values():
        if state.entry_id == NEW:
            state.entry_id = placeholder
    if ctx.new:
        unit.add_states(episode, ctx.states)
    else:
        unit.save_states(board.changed.values())
    if pending or (a.status == "M" and target is not None):
        unit.flush()  # the statements below name the new row
        for p in pending:
            EpisodeMessage.objects.filter(pk=p.pk).update(target=entry, doc_key=entry.doc_key)
        if a.status == "M" and target is not None:
            (EpisodeMessage.objects.filter(episode=episode, doc_key=entry.doc_key, sender_her_id=entry.sender_her_id)
             .exclude(pk=entry.pk).exclude(status="C").filter(effect="")
             .update(effect=EpisodeMessage.Effect.REPLACED))
        unit.entries_changed()
    unit.add_parties(parties)
    return entry


def _wrong_side(defn: ChainStep, a: Arrival, episode: Episode) -> bool:
    side = SIDE_OF_ROLE[defn.sender_role]
    from_hospital = _org(a.sender) == episode.hospital_org_her_id
    return (side == "hospital") != from_hospital


def _answers_trigger(unit: Unit, defn: ChainStep, a: Arrival, linked: list[EpisodeMessage],
                     episode: Episode) -> bool:
    """A step that answers its trigger (requires a link, e.g. the feedback on LOG_UTSKRIVNINGSKLAR)
    may come from any service of the organisation that received the trigger message: the chain's
    role (case-handling service) says where the hospital sends, not which service of the
    municipality answers (HISD 80806 §9.4: «kommunen» gives notice; FOR-2011-11-18-1115 §11)."""
    if not defn.requires_link or defn.trigger_id is None:
        return True
    triggers = [e for e in linked if e.step_id == defn.trigger_id]
    if not triggers:
        return True
    sender_org = _org(a.sender)
    receivers = {e.receiver_her_id for e in triggers}
    unit.flush()  # the parties of the batch's earlier messages
    orgs = set(EpisodeParty.objects.filter(episode=episode, her_id__in=receivers)
               .values_list("organisation_her_id", flat=True)) | receivers
    return sender_org in orgs or (a.sender.her_id or "") in receivers


def _cancel(unit: Unit, board: rules.Board, episode: Episode, entry: EpisodeMessage, target: EpisodeMessage,
            at) -> int:
    """HISD 1154 §4: the cancellation applies to the original and every change of it."""
    unit.flush()
    cancelled = (EpisodeMessage.objects.filter(episode=episode, doc_key=entry.doc_key,
                                               sender_her_id=entry.sender_her_id)
                 .exclude(status="C").exclude(effect=EpisodeMessage.Effect.CANCELLED)
                 .update(effect=EpisodeMessage.Effect.CANCELLED))
    unit.entries_changed()
    if target.step_id is not None and target.step_id in board.defs:
        refresh_step(unit, board, episode, board.defs[target.step_id], at)
    return cancelled


def refresh_step(unit: Unit, board: rules.Board, episode: Episode, defn: ChainStep, at) -> None:
    """After a cancellation or rejection: the step keeps only live messages, or is open again."""
    unit.flush()  # the entries as the batch left them
    live = (EpisodeMessage.objects.filter(episode=episode, step=defn).exclude(status="C")
            .exclude(effect=EpisodeMessage.Effect.CANCELLED).exclude(apprec_status="2")
            .order_by("-at", "-id").values_list("pk", "apprec_status").first())
    state = board.states[defn.id]
    if live is None:
        board.unfulfil(defn, at)
    elif state.state in rules.FULFILLED and state.entry_id != live[0]:
        state.entry_id = live[0]
        board.changed[defn.id] = state


DISCHARGED = "utskrevet"


def _save_episode(unit: Unit, episode: Episode, board: rules.Board, flagged: bool, live_delta: int, at) -> None:
    episode.live_messages = max(0, episode.live_messages + live_delta)
    if flagged:
        episode.flagged_messages += 1
    if episode.live_messages == 0:
        episode.state, episode.close_reason = Episode.State.CANCELLED, "alle meldinger er kansellert"
    elif episode.state == Episode.State.CANCELLED:
        episode.state, episode.close_reason = Episode.State.OPEN, ""
    settle(episode, board, at)
    unit.save_episode(episode)


def settle(episode: Episode, board: rules.Board, at) -> None:
    """Episode state from its steps: discharged, closed once nothing is outstanding, summary."""
    episode.discharged_at = board.discharged_at
    if (episode.state == Episode.State.CLOSED and episode.close_reason == DISCHARGED
            and board.discharged_at is None):
        # LOG_UTSKREVET was cancelled or rejected after all: the stay goes on.
        episode.state, episode.closed_at, episode.close_reason = Episode.State.OPEN, None, ""
    if episode.state == Episode.State.OPEN and board.closable():
        board.close()
        episode.state, episode.closed_at, episode.close_reason = Episode.State.CLOSED, at, DISCHARGED
    summarise(episode, board)
    episode.updated_at = at


def summarise(episode: Episode, board: rules.Board) -> None:
    active = episode.state == Episode.State.OPEN
    episode.next_due_at = board.next_due_at() if active else None
    episode.overdue_steps = board.overdue_count() if active else 0


def _parties(episode: Episode, defn: ChainStep | None, a: Arrival) -> list[EpisodeParty]:
    """The sender, receiver and copy receivers as parties of the episode (saved by the caller)."""
    def side(party: kith.Party, role: str | None) -> str:
        if role:
            return SIDE_OF_ROLE[role]
        return "hospital" if _org(party) == episode.hospital_org_her_id else "municipality"

    rows = [(a.sender, defn.sender_role if defn else None), (a.receiver, defn.receiver_role if defn else None)]
    rows += [(c, defn.receiver_role if defn else None) for c in a.copies]
    parties = [EpisodeParty(episode=episode, her_id=p.her_id, organisation_her_id=_org(p), side=side(p, role),
                            role=role or "") for p, role in rows if p.her_id]
    if not episode.municipality_org_her_id:
        episode.municipality_org_her_id = next(
            (p.organisation_her_id for p in parties if p.side == "municipality"), "")
    return parties
