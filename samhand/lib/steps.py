"""What a worker step returns: how much work it did (an int). A step that also knows it took all
there was (a claim that came back short of its batch) returns ``Drained(n)``: the worker then
does not turn again at once to find nothing, it waits for the next wake-up, which comes at once
if new work was announced meanwhile."""

from __future__ import annotations


class Drained(int):
    """``n`` items done, and nothing more was waiting."""

    __slots__ = ()


def wants_another_turn(results: list[int]) -> bool:
    """After a turn with these step results: whether some step may have left work behind."""
    return any(r and not isinstance(r, Drained) for r in results)
