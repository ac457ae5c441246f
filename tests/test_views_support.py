"""Helpers shared by the picture and dashboard tests (no tests here)."""

from __future__ import annotations

from matplotlib.axes import Axes

import apidebug_nb as adb


def played(task: str = "hard", n_oracle: int = 0, seed: int | None = None) -> adb.Episode:
    """An episode of ``task`` after the reference solver's first ``n_oracle`` actions."""
    sc = adb.load_scenario(task, seed)
    ep = adb.Episode(sc)
    ep.reset()
    for action in adb.oracle_actions(sc)[:n_oracle]:
        ep.step(action)
    return ep


def drawn_artists(fig) -> list:
    """Every visible artist that is drawn (an Axes turned off draws no axis or spines)."""
    out = []

    def walk(artist):
        if not artist.get_visible():
            return
        out.append(artist)
        children = artist.get_children()
        if isinstance(artist, Axes) and not artist.axison:
            hidden = {artist.xaxis, artist.yaxis, *artist.spines.values()}
            children = [c for c in children if c not in hidden]
        for child in children:
            walk(child)

    walk(fig)
    return out[1:]


def artists_outside(fig) -> list[str]:
    """Drawn artists whose extent leaves the figure (1 px tolerance)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    bad = []
    for artist in drawn_artists(fig):
        if isinstance(artist, Axes):
            continue  # its patch is the full figure by construction
        try:
            ext = artist.get_window_extent(renderer)
        except (TypeError, NotImplementedError, RuntimeError):
            continue
        if ext.width == 0 and ext.height == 0:
            continue
        if ext.x0 < box.x0 - 1 or ext.y0 < box.y0 - 1 or ext.x1 > box.x1 + 1 or ext.y1 > box.y1 + 1:
            bad.append(f"{artist!r} gid={artist.get_gid()} extent={ext.bounds}")
    return bad
