"""Small cell suppression for published tables of people.

A count of fewer than ``threshold`` people (default 5) but more than none could identify
someone, so it is not shown (*primary* suppression, shown as ``<5``). A hidden count can
still be worked out when it is the only one hidden among cells whose total is known: the
total less the others. So in every group of cells with a known sum, one hidden cell
never stands alone; the smallest other cell of the group is hidden too (*secondary*
suppression, shown as ``*``), preferring a non-zero cell, and if no other cell is left,
the group's total. A total that is itself below the threshold hides the whole group.

Zeros are shown: "nobody" identifies no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_THRESHOLD", "Suppression", "suppress"]

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Suppression:
    primary: frozenset[int]  # indices of cells below the threshold
    secondary: frozenset[int]  # indices hidden so that the primary ones cannot be derived
    total_hidden: bool  # the overall total is hidden too

    def hidden(self, index: int) -> bool:
        return index in self.primary or index in self.secondary


def suppress(
    counts: Sequence[int],
    groups: Sequence[Sequence[int]] = (),
    threshold: int = DEFAULT_THRESHOLD,
) -> Suppression:
    """Which of ``counts`` to hide.

    The cells always form one group whose total is shown; ``groups`` names further
    groups of cell indices whose sum can be worked out (for example the categories
    a share of complainants is computed over, when shares are shown).
    """
    total = sum(counts)
    everything = list(range(len(counts)))
    if 0 < total < threshold:
        nonzero = frozenset(i for i in everything if counts[i])
        return Suppression(nonzero, frozenset(everything) - nonzero, True)
    primary = frozenset(i for i in everything if 0 < counts[i] < threshold)
    hidden = set(primary)
    total_hidden = False
    # The narrower groups first: a cell hidden for one of them usually settles the whole.
    all_groups = [*(list(g) for g in groups), everything]
    whole = len(all_groups) - 1
    settled: set[int] = set()  # groups whose sum was made unknowable from outside
    changed = True
    while changed:
        changed = False
        for number, group in enumerate(all_groups):
            alone = [i for i in group if i in hidden]
            if len(alone) != 1 or number in settled:
                continue
            others = [i for i in group if i not in hidden]
            if not others and number != whole:
                # The group's sum is the total less the cells outside it: hide one of those.
                others = [i for i in everything if i not in hidden]
                settled.add(number)
            if others:
                hidden.add(min(others, key=lambda i: (counts[i] == 0, counts[i], i)))
                changed = True
            elif number == whole and not total_hidden:
                total_hidden = True
    return Suppression(primary, frozenset(hidden - primary), total_hidden)
