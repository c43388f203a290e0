"""Models of the chains app, split by concern: the chain definition (versions with their approval
record and steps) and the patient episodes tracked against it. The message-type registry is
reference data in the directory (below the exchange)."""

from .definition import SIDE_OF_ROLE, Chain, ChainStep, ChainVersion, Role
from .episode import Episode, EpisodeMessage, EpisodeParty, EpisodeStep

__all__ = [
    "SIDE_OF_ROLE", "Chain", "ChainStep", "ChainVersion", "Episode", "EpisodeMessage", "EpisodeParty", "EpisodeStep",
    "Role",
]
