"""Who acts on the node outside the API: the CLI and the simulator act for named parties."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LocalActor:
    """Quacks like an ApiClient for services that only ask who may act for which HER-ids."""

    system: str
    parties: set[str] = field(default_factory=set)
    pk: None = None

    def her_ids(self) -> set[str]:
        return set(self.parties)
