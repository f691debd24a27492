"""Pacing: is the presenter ahead of or behind the deck's time budget?

A deck sets its budget with ``### target:: 45m`` (``Deck.target``, in
seconds).  Being on slide ``k`` of ``n`` is on time while the elapsed
time lies between the planned start of slide ``k`` and of slide ``k+1``
(``target * (k-1)/n`` .. ``target * k/n``): one slide's worth of slack.
Before that window the presenter is ahead, after it behind, by the
distance to the window (under half a minute counts as on time).
"""

from __future__ import annotations


def short(seconds: float) -> str:
    """``2m``, ``45s`` or ``1h05m``: rounded, for a toolbar."""
    whole = int(round(abs(seconds)))
    if whole < 60:
        return f"{whole}s"
    minutes = int(round(whole / 60))
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h{minutes % 60:02d}m"


def drift(elapsed: float, position: int, total: int, target: float) -> float:
    """Seconds behind (positive) or ahead (negative); 0 on time."""
    if total <= 0 or target <= 0:
        return 0.0
    k = min(max(position, 1), total)
    window_start = target * (k - 1) / total
    window_end = target * k / total
    if elapsed > window_end:
        return elapsed - window_end
    if elapsed < window_start:
        return elapsed - window_start
    return 0.0


def pace(
    elapsed: float, position: int, total: int, target: float | None
) -> str:
    """``2m behind``, ``3m ahead``, ``on time``, or "" with no target
    (or before the first slide)."""
    if not target or position < 1 or total < 1:
        return ""
    off = drift(elapsed, position, total, target)
    # a dead band, so the toolbar doesn't flicker between ahead and on
    # time: half a minute, less for a deck with very short slides
    if abs(off) < min(30.0, target / total / 4):
        return "on time"
    if off > 0:
        return f"{short(off)} behind"
    return f"{short(off)} ahead"


def clock(seconds: float) -> str:
    """``MM:SS``, or ``H:MM:SS`` past an hour."""
    whole = max(int(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def budget(elapsed: float, target: float | None) -> str:
    """``12:30 / 45:00``, or just the elapsed time with no target."""
    if not target:
        return clock(elapsed)
    return f"{clock(elapsed)} / {clock(target)}"
