"""Simulated EPR systems for the demo parties: they start episodes, answer what they receive
with AppRecs (mostly OK, now and then E35 "patient not in our system") and send the
municipality's replies, all through the public API like a vendor's integration."""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field

from samhand.directory.models import CommunicationParty, Organisation

from .chain import Address, Episode, new_episode
from .epr import ApiError, EprClient

log = logging.getLogger("samhand.simulator")


def _address(party: CommunicationParty) -> Address:
    return Address(party.her_id, party.name, party.organisation.her_id, party.organisation.name)


@dataclass
class Directory:
    hospital_departments: list[Address]
    municipalities: list[tuple[Address, Address]]  # (nursing, case handling)

    @classmethod
    def load(cls, her_ids: set[str]) -> "Directory":
        """Hospital departments this simulator acts for; municipal services anywhere in the
        directory (with two nodes they live on the other one)."""
        parties = list(CommunicationParty.objects.select_related("organisation").filter(active=True))
        hospital = [_address(p) for p in parties
                    if p.organisation.kind == Organisation.Kind.HOSPITAL and p.her_id in her_ids]
        municipalities = []
        for org_her_id in sorted({p.organisation.her_id for p in parties
                                  if p.organisation.kind == Organisation.Kind.MUNICIPALITY}):
            services = {p.service_type: _address(p) for p in parties if p.organisation.her_id == org_her_id}
            if {"nursing", "case_handling"} <= services.keys():
                municipalities.append((services["nursing"], services["case_handling"]))
        return cls(hospital, municipalities)


@dataclass
class Simulator:
    base_url: str
    api_keys: dict[str, str]  # HER-id -> key of the EPR system acting for it
    rng: random.Random = field(default_factory=random.Random)
    negative_share: float = 0.03
    max_open_episodes: int = 12
    episodes: dict[str, Episode] = field(default_factory=dict)  # conversation ref -> episode
    stats: dict[str, int] = field(default_factory=lambda: {"sent": 0, "received": 0, "apprecs": 0, "errors": 0})

    def __post_init__(self) -> None:
        self.directory = Directory.load(set(self.api_keys))
        # One client per EPR system, serving all the HER-ids its key acts for.
        systems: dict[str, list[str]] = {}
        for her_id, key in self.api_keys.items():
            systems.setdefault(key, []).append(her_id)
        self.systems = [(EprClient(self.base_url, key), sorted(her_ids)) for key, her_ids in systems.items()]

    def client_for(self, her_id: str) -> EprClient:
        return EprClient(self.base_url, self.api_keys[her_id])

    def _send(self, her_id: str, xml: bytes) -> None:
        try:
            self.client_for(her_id).send(xml)
            self.stats["sent"] += 1
        except ApiError as exc:
            self.stats["errors"] += 1
            log.warning("simulated EPR for %s: send refused: %s", her_id, exc)

    def start_episode(self) -> Episode | None:
        if not self.directory.hospital_departments or not self.directory.municipalities:
            return None
        nursing, case_handling = self.rng.choice(self.directory.municipalities)
        episode = new_episode(self.rng, self.rng.choice(self.directory.hospital_departments), nursing, case_handling)
        self.advance(episode)
        self.episodes[episode.conversation] = episode
        return episode

    def advance(self, episode: Episode) -> None:
        sender, xml = episode.hospital_step()
        self._send(sender, xml)

    def handle_inboxes(self) -> int:
        handled = 0
        for client, her_ids in self.systems:
            for entry in client.inbox(her_ids):
                handled += 1
                self._handle(client, entry)
        return handled

    def _handle(self, client: EprClient, entry: dict) -> None:
        if entry["isAppRec"]:
            client.mark_read(entry["id"])  # positive receipts are never shown to a person (HITS 1168)
            self.stats["apprecs"] += 1
            return
        client.document(entry["id"])  # the EPR imports the document
        client.mark_read(entry["id"])
        self.stats["received"] += 1
        if self.rng.random() < self.negative_share:
            client.apprec(entry["id"], "2", [{"code": "E35", "text": "Pasienten finnes ikke i mottakers system"}])
            return
        client.apprec(entry["id"], "1")
        episode = self.episodes.get(entry.get("conversationRef") or "")
        if episode is not None and entry["receiverHerId"] in (episode.nursing.her_id, episode.case_handling.her_id):
            reply = episode.answer_to(entry["type"], entry.get("msgId"))
            if reply is not None:
                self._send(*reply)

    def tick(self) -> None:
        open_episodes = [e for e in self.episodes.values() if not e.done]
        if len(open_episodes) < self.max_open_episodes and self.rng.random() < 0.5:
            self.start_episode()
        elif open_episodes:
            self.advance(self.rng.choice(open_episodes))
        for conversation in [c for c, e in self.episodes.items() if e.done]:
            del self.episodes[conversation]
        self.handle_inboxes()

    def run(self, stop: threading.Event, *, interval: float = 2.0, max_ticks: int | None = None) -> None:
        ticks = 0
        while not stop.is_set() and (max_ticks is None or ticks < max_ticks):
            try:
                self.tick()
            except (ApiError, OSError) as exc:
                log.warning("simulator tick failed: %s", exc)
            ticks += 1
            stop.wait(interval)
        log.info("simulator stopped: %s", self.stats)


def wait_for_server(base_url: str, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base_url.rstrip('/')}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{base_url} did not come up within {timeout:.0f} s")
