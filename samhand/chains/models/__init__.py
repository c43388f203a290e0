"""Models of the chains app, split by concern: the message-type registry, the chain definition
(versions with their approval record and steps) and the patient episodes tracked against it."""

from .definition import SIDE_OF_ROLE, Chain, ChainStep, ChainVersion, Role
from .episode import Episode, EpisodeMessage, EpisodeParty, EpisodeStep
from .registry import MessageType, MessageTypeVersion

__all__ = [
    "SIDE_OF_ROLE", "Chain", "ChainStep", "ChainVersion", "Episode", "EpisodeMessage", "EpisodeParty", "EpisodeStep",
    "MessageType", "MessageTypeVersion", "Role",
]
