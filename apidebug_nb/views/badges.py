"""Where the graph's "?" badges go: on a failure that may hide something, never on the hiding place.

A problem no request reaches yet is *masked* by an earlier failure. The badge
says "something may hide behind this failure", so it sits where that failure
is: on the service of a visible problem that masks it, or on that problem's
callee.
It never sits on the masked problem's own service while the problem is
hidden: that would give its place away before any evidence does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apidebug_nb.episode.episode import Episode


def badge_services(episode: Episode) -> set[str]:
    """The services that get a "?" badge in ``episode``'s present state.

    >>> import apidebug_nb as adb
    >>> ep = adb.Episode(adb.load_scenario("easy")); _ = ep.reset()
    >>> sorted(ep.masked_services()), sorted(badge_services(ep))
    (['payment_client'], ['payment_gateway'])
    """
    statuses = episode.statuses
    issues = episode.sim.issues
    masked = [iid for iid, status in statuses.items() if status == "masked"]
    hiding_places = {issues[iid].service for iid in masked}
    badges: set[str] = set()
    for iid in masked:
        for blocker_id in issues[iid].depends_on:
            if statuses.get(blocker_id) != "active":
                continue  # only a failure that shows can carry the badge
            blocker = issues[blocker_id]
            for candidate in (blocker.service, *blocker.hop):
                if candidate and candidate not in hiding_places:
                    badges.add(candidate)
                    break
    return badges
