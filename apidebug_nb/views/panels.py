"""What the dashboard's panels say, as HTML and as plain text.

Pure functions of an episode (and the dashboard's selection), so a resumed
dashboard shows exactly what the original showed. Styles are inline: the
panels need no stylesheet or front-end extension. Status is always in words
or tags as well as colour.
"""

from __future__ import annotations

import base64
import html
import json
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apidebug_nb.views.badges import badge_services
from apidebug_nb.views.palette import HEALTH_STYLES, LEVEL_COLOURS, OKABE_ITO
from apidebug_nb.views.trace_plot import trace_text

if TYPE_CHECKING:
    from apidebug_nb.episode.actions import Action
    from apidebug_nb.episode.episode import Episode
    from apidebug_nb.episode.observation import Observation

MONO = "font-family: ui-monospace, DejaVu Sans Mono, Menlo, Consolas, monospace;"
NEW_TAG = "NEW"
MESSAGE_STYLES = {
    "info": ("#F3F6FA", OKABE_ITO["blue"], "Result"),
    "ok": ("#EEF7F2", OKABE_ITO["bluish_green"], "Fixed"),
    "error": ("#FBF0EA", OKABE_ITO["vermillion"], "Problem"),
}


def status_words(episode: Episode, finished_early: bool = False) -> str:
    """The episode's status in words.

    >>> import apidebug_nb as adb
    >>> ep = adb.Episode(adb.load_scenario("easy")); _ = ep.reset()
    >>> status_words(ep)
    'in progress'
    """
    if episode.terminated:
        return "solved: every problem is fixed"
    if episode.truncated:
        return "over: no steps left"
    if finished_early:
        return f"finished early and graded at step {episode.steps}"
    return "in progress"


def header_lines(episode: Episode, finished_early: bool = False) -> list[str]:
    sc = episode.scenario
    resolved = sum(1 for s in episode.statuses.values() if s == "resolved")
    return [
        f"{sc.title} ({sc.id})",
        (
            f"Step {episode.steps} of {sc.max_steps} · {episode.steps_left} steps left · "
            f"resolved {resolved}/{len(episode.statuses)} · "
            f"status: {status_words(episode, finished_early)}"
        ),
    ]


def header_html(episode: Episode, finished_early: bool = False) -> str:
    title, line = header_lines(episode, finished_early)
    return (
        f"<div style='font-size:1.25em;font-weight:bold'>{html.escape(title)}</div>"
        f"<div style='font-size:1.05em'>{html.escape(line)}</div>"
    )


def _pairs(episode: Episode) -> list[tuple[Action, Observation]]:
    """Each action with the observation it produced (observation 0 is the reset)."""
    return list(zip(episode.actions, episode.observations[1:], strict=False))


def last_of(episode: Episode, kind: str) -> tuple[int, Action, Observation] | None:
    """The last accepted action of ``kind`` with its step and observation."""
    for step, (action, obs) in reversed(list(enumerate(_pairs(episode), start=1))):
        if action.kind == kind and obs.accepted:
            return step, action, obs
    return None


@dataclass(frozen=True)
class LogView:
    """The lines of the last log inspection, with those new since the look before."""

    service: str | None
    step: int
    lines: tuple[str, ...]
    new: tuple[bool, ...]
    previous_step: int | None  # the step of the look before, if any


def log_view(episode: Episode) -> LogView:
    """The latest logs shown, marking lines absent from that service's previous look."""
    pairs = _pairs(episode)
    latest = last_of(episode, "inspect_logs")
    if latest is None:
        return LogView(None, 0, (), (), None)
    step, action, obs = latest
    previous = None
    for k in range(step - 2, -1, -1):
        a, o = pairs[k]
        if a.kind == "inspect_logs" and o.accepted and a.service == action.service:
            previous = (k + 1, o)
            break
    if previous is None:
        return LogView(action.service, step, tuple(obs.logs), (False,) * len(obs.logs), None)
    seen = Counter(previous[1].logs)
    new = []
    for line in obs.logs:
        if seen[line] > 0:
            seen[line] -= 1
            new.append(False)
        else:
            new.append(True)
    return LogView(action.service, step, tuple(obs.logs), tuple(new), previous[0])


def split_level(line: str) -> tuple[str, str, str]:
    """``(timestamp, LEVEL, text)`` of a rendered log line.

    >>> split_level("2026-03-14 09:00:01 ERROR POST /orders -> 410 Gone")
    ('2026-03-14 09:00:01', 'ERROR', 'POST /orders -> 410 Gone')
    """
    parts = line.split(maxsplit=3)
    if len(parts) < 3:
        return "", "", line
    return f"{parts[0]} {parts[1]}", parts[2], parts[3] if len(parts) > 3 else ""


def log_caption(view: LogView) -> str:
    if view.service is None:
        return "No logs yet: pick a service and press Inspect logs."
    n_new = sum(view.new)
    head = f"Logs of {view.service} (step {view.step}, {len(view.lines)} lines)"
    if view.previous_step is None:
        return f"{head}: your first look at these logs."
    if n_new == 0:
        return f"{head}: nothing new since your look at step {view.previous_step}."
    return f"{head}: {n_new} {NEW_TAG} since your look at step {view.previous_step}."


def stale_note(episode: Episode, kind: str) -> str:
    """What changed since the panel of ``kind`` was filled; empty while it is current.

    ``kind`` is ``"inspect_logs"`` (new log lines since), ``"inspect_config"``
    (a fix changed that service's config since) or ``"inspect_endpoint"`` (a fix
    changed some config since, so the answer may differ now).

    >>> import apidebug_nb as adb
    >>> ep = adb.Episode(adb.load_scenario("easy")); _ = ep.reset()
    >>> _ = ep.step(adb.Action.inspect_config("payment_client"))
    >>> stale_note(ep, "inspect_config")
    ''
    >>> _ = ep.step(adb.Action.submit_fix("payment_client", {"timeout": 9}))
    >>> stale_note(ep, "inspect_config")
    'As of step 1: the config changed since (step 2). Show config again to see it.'
    """
    latest = last_of(episode, kind)
    if latest is None:
        return ""
    step, action, obs = latest
    if kind == "inspect_logs":
        lines = episode.log_lines(action.service_name)
        if obs.logs and lines[-len(obs.logs) :] == list(obs.logs):
            return ""
        return f"As of step {step}: new lines since. Inspect logs again to read them."
    for later, (a, o) in enumerate(_pairs(episode)[step:], start=step + 1):
        if a.kind != "submit_fix" or not o.accepted:
            continue
        if kind == "inspect_config" and a.service == action.service:
            return (
                f"As of step {step}: the config changed since (step {later}). "
                "Show config again to see it."
            )
        if kind == "inspect_endpoint":
            return (
                f"As of step {step}: a config changed since (step {later}). "
                "Test the endpoint again to see the answer now."
            )
    return ""


def _stale_html(episode: Episode, kind: str) -> str:
    note = stale_note(episode, kind)
    if not note:
        return ""
    return (
        f"<div class='adb-stale' role='note' style='background:#FFF4D6;"
        f"border-left:4px solid {OKABE_ITO['orange']};padding:2px 6px;margin:2px 0'>"
        f"<b>Older look.</b> {html.escape(note)}</div>"
    )


def logs_html(episode: Episode) -> str:
    """The log viewer: level tag and colour per line, new lines tagged NEW."""
    view = log_view(episode)
    rows = [
        f"<div style='font-weight:bold;margin-bottom:4px'>{html.escape(log_caption(view))}</div>",
        _stale_html(episode, "inspect_logs"),
    ]
    for line, is_new in zip(view.lines, view.new, strict=True):
        when, level, text = split_level(line)
        colour = LEVEL_COLOURS.get(level, LEVEL_COLOURS["INFO"])
        weight = "bold" if level in ("ERROR", "CRITICAL", "WARN", "WARNING") else "normal"
        new = (
            f"<span style='background:{OKABE_ITO['sky_blue']};color:#000;font-weight:bold;"
            f"padding:0 3px;margin-right:4px'>{NEW_TAG}</span>"
            if is_new
            else ""
        )
        rows.append(
            f"<div class='adb-log-line adb-log-{html.escape(level.lower() or 'plain')}' "
            f"style='{MONO}color:{colour};font-weight:{weight};white-space:pre-wrap'>"
            f"{new}{html.escape(when)} [{html.escape(level)}] {html.escape(text)}</div>"
        )
    return "".join(rows)


def logs_text(episode: Episode) -> str:
    """Plain-text log viewer (the NEW tag in front of new lines)."""
    view = log_view(episode)
    lines = [log_caption(view)]
    if note := stale_note(episode, "inspect_logs"):
        lines.append(note)
    for line, is_new in zip(view.lines, view.new, strict=True):
        lines.append(f"{NEW_TAG + ' ' if is_new else '    '}{line}")
    return "\n".join(lines)


def _json_block(value: object) -> str:
    """Indented JSON; long lines scroll sideways, a URL is never broken mid-string."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return f"<pre style='{MONO}margin:0;white-space:pre;overflow-x:auto'>{html.escape(text)}</pre>"


def config_html(episode: Episode, selected: str | None = None) -> str:
    latest = last_of(episode, "inspect_config")
    if latest is None:
        return "<b>Config</b>: none shown yet. Pick a service and press Show config."
    step, action, obs = latest
    editable = episode.sim.editable[action.service_name]
    note = "yours to edit" if editable else "external: read only (its config is the contract)"
    notes = []
    if selected is not None and selected != action.service_name:
        notes.append(f"Not the selected service ({selected}).")
    logs_of = log_view(episode).service
    if logs_of is not None and logs_of != action.service_name:
        notes.append(f"The logs beside are of {logs_of}.")
    other = "".join(
        f"<div class='adb-config-note' style='font-style:italic'>{html.escape(n)}</div>"
        for n in notes
    )
    return (
        f"<div style='font-weight:bold'>Config of {html.escape(action.service_name)} "
        f"(step {step}; {note})</div>{other}{_stale_html(episode, 'inspect_config')}"
        f"{_json_block(obs.config)}"
    )


def response_html(episode: Episode) -> str:
    latest = last_of(episode, "inspect_endpoint")
    if latest is None:
        return "<b>Endpoint test</b>: none yet. Pick a service and press Test endpoint."
    step, action, obs = latest
    status = obs.response.get("status") if obs.response else None
    verdict = "OK" if isinstance(status, int) and status < 400 else "FAILED"
    shown = "no answer" if status is None else f"HTTP {status}"
    waterfall = html.escape(trace_text(obs.trace))
    return (
        f"<div style='font-weight:bold'>Test request through {html.escape(action.service_name)} "
        f"(step {step}): {shown} {verdict}</div>{_stale_html(episode, 'inspect_endpoint')}"
        f"{_json_block(obs.response)}"
        f"<div style='font-weight:bold;margin-top:4px'>Trace, hop by hop</div>"
        f"<pre aria-label='trace waterfall' style='{MONO}margin:0;white-space:pre'>"
        f"{waterfall}</pre>"
    )


def message_html(text: str, kind: str = "info") -> str:
    """The message area; lines after the first (a quoted input and its caret) in monospace.

    >>> html_text = message_html("bad JSON.\\n{1 2}\\n   ^", "error")
    >>> html_text.split("</b> ")[1].split("<pre")[0]
    'bad JSON.'
    >>> html_text.split("'>")[-1]
    '{1 2}\\n   ^</pre></div>'
    """
    background, border, tag = MESSAGE_STYLES[kind]
    first, _, rest = text.partition("\n")
    block = (
        f"<pre class='adb-caret' style='{MONO}margin:4px 0 0 0;white-space:pre;overflow-x:auto'>"
        f"{html.escape(rest)}</pre>"
        if rest
        else ""
    )
    return (
        f"<div role='status' style='background:{background};border-left:6px solid {border};"
        f"padding:6px 10px'><b>{tag}:</b> {html.escape(first)}{block}</div>"
    )


def image_html(png: bytes, alt: str, label: str) -> str:
    """An inline PNG whose alt text is its text twin (what a screen reader reads).

    >>> image_html(b"x", "A -> B", "the graph")
    '<img src="data:image/png;base64,eA==" alt="A -&gt; B" title="the graph (its text twin is the alt text)" style="max-width:100%;height:auto">'
    """
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
        f'title="{html.escape(label)} (its text twin is the alt text)" '
        f'style="max-width:100%;height:auto">'
    )


def message_kind(obs: Observation, resolved_now: bool) -> str:
    if not obs.accepted:
        return "error"
    return "ok" if resolved_now else "info"


def alerts_lines(episode: Episode) -> list[str]:
    return list(episode.observations[-1].alerts) if episode.observations else []


def alerts_html(episode: Episode) -> str:
    alerts = alerts_lines(episode)
    if not alerts:
        return "<b>Alerts</b>: none. ✓"
    items = "".join(f"<li>⚠ {html.escape(a)}</li>" for a in alerts)
    return f"<b>Alerts ({len(alerts)})</b><ul style='margin:2px 0'>{items}</ul>"


def help_messages(episode: Episode) -> list[str]:
    """Every hint and reveal message so far, in order."""
    return [
        f"Step {step}: {obs.message}"
        for step, (action, obs) in enumerate(_pairs(episode), start=1)
        if action.kind in ("hint", "reveal") and obs.accepted
    ]


def hints_html(episode: Episode) -> str:
    messages = help_messages(episode)
    if not messages:
        return "<b>Hints</b>: none used. Hint costs a step and a little score."
    items = "".join(f"<li>{html.escape(m)}</li>" for m in messages)
    return f"<b>Hints and reveals</b><ol style='margin:2px 0'>{items}</ol>"


def explanations_html(episode: Episode) -> str:
    """Each issue: its title and explanation once fixed or revealed, else a plain note."""
    outcomes = {i.id: i.outcome for i in episode.grade().issues}
    rows = []
    for iid in episode.sim.order:
        issue = episode.sim.issues[iid]
        outcome = outcomes.get(iid, "unresolved")
        rows.append(
            f"<li><b>{html.escape(issue.title)}</b> [{html.escape(outcome)}]: "
            f"{html.escape(issue.explanation)}</li>"
        )
    return f"<b>What was wrong</b><ul>{''.join(rows)}</ul>"


def services_lines(episode: Episode, selected: str | None) -> list[str]:
    """One line per service: glyph, name, health in words, yours/external, flags."""
    health = episode.health_history[-1]
    masked = badge_services(episode)
    width = max(len(s) for s in episode.scenario.services)
    lines = []
    for name in episode.scenario.services:
        style = HEALTH_STYLES[health[name]]
        flags = ["yours" if episode.sim.editable[name] else "external"]
        if name in masked:
            flags.append("? a problem may hide behind its failure")
        if name == selected:
            flags.append("selected")
        lines.append(f"  {style.glyph} {name:<{width}}  {style.label:<8}  {', '.join(flags)}")
    return lines
