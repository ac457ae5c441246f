"""The dashboard: one scenario, every action one click away, the graph healing live.

A plain class composing core ipywidgets and one small anywidget (the fix
editor, whose front end needs no build step), inline PNGs only, so it works in
JupyterLab, Notebook 7, VS Code and Voilà. Every
button has a programmatic twin (:meth:`Dashboard.inspect_logs`, ...) so
notebooks and tests drive it without a browser, and :meth:`render_text`
gives a deterministic plain-text summary of what the panels show.

>>> import apidebug_nb as adb
>>> dash = adb.Dashboard("easy")
>>> dash.episode.steps
0
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as W

from apidebug_nb.episode.actions import Action
from apidebug_nb.episode.episode import Episode
from apidebug_nb.episode.observation import Observation
from apidebug_nb.errors import ApiDebugError, TranscriptError
from apidebug_nb.grading.transcript import replay
from apidebug_nb.input_files import read_file_text
from apidebug_nb.input_limits import InputError, Limits, loads_json_text
from apidebug_nb.scenarios.catalogue import TASKS, load_scenario
from apidebug_nb.scenarios.records import Scenario
from apidebug_nb.views import figures, panels
from apidebug_nb.views.fix_editor import FixEditor
from apidebug_nb.views.fix_input import FixInputError, parse_changes, parse_fix_form
from apidebug_nb.views.grade_plot import plot_grade
from apidebug_nb.views.graph_raster import graph_png
from apidebug_nb.views.graph_text import graph_text
from apidebug_nb.views.timeline_plot import plot_health_timeline

T = TypeVar("T")

#: The first line of the dashboard's stored (plain-text) form.
STORED_NOTE = "Run this cell to start the dashboard. Until then, its state in words:"

#: What Reveal and Finish ask before they act: (question, confirm label, confirm tooltip).
CONFIRM = {
    "reveal": (
        "Reveal the fix of the first visible problem? It then earns no fix credit, "
        "and the reveal costs a step. This cannot be undone.",
        "Yes, reveal",
        "Show the fix (costs a step; that problem then earns no fix credit).",
    ),
    "finish": (
        "Finish and grade now? The dashboard stops taking actions; you can then start "
        "again on the same incident or a new variant.",
        "Yes, finish and grade",
        "Stop here and see the grade and every problem's explanation.",
    ),
}

BUTTONS = (
    # (name, label, tooltip, css class)
    ("logs", "Inspect logs", "Read the selected service's logs (costs a step).", "adb-btn-logs"),
    (
        "config",
        "Show config",
        "Show the selected service's config (costs a step).",
        "adb-btn-config",
    ),
    (
        "endpoint",
        "Test endpoint",
        "Send a test request through the selected service (costs a step).",
        "adb-btn-endpoint",
    ),
    (
        "hint",
        "Hint",
        "Get the next hint for the first visible problem (costs a step).",
        "adb-btn-hint",
    ),
    (
        "reveal",
        "Reveal",
        "Show the fix for the first visible problem: it then earns no fix credit (costs a step).",
        "adb-btn-reveal",
    ),
)


class Dashboard:
    """An interactive debugging session over one scenario.

    Args:
        scenario: a :class:`~apidebug_nb.scenarios.records.Scenario`, or a task name
            such as ``"easy"``.
        learner_id: stored in the transcript.
        autosave: a path; after every action the transcript is written there
            (atomically), so :meth:`resume` can rebuild the session. If the file
            already holds progress on the same scenario (and learner), the
            dashboard resumes it; any other existing file is refused with a
            message, never overwritten.
        seed: with a task name, which variant to load (``None``: the canonical one).

    Attributes:
        episode: the :class:`~apidebug_nb.episode.episode.Episode` being played.
        widget: the root ipywidgets container (also shown by displaying the dashboard).
    """

    def __init__(
        self,
        scenario: Scenario | str,
        *,
        learner_id: str | None = None,
        autosave: str | os.PathLike[str] | None = None,
        seed: int | None = None,
    ):
        if isinstance(scenario, str):
            scenario = load_scenario(scenario, seed)
        elif not isinstance(scenario, Scenario):
            raise TypeError(
                f"Dashboard needs a Scenario or a task name such as 'easy', "
                f"got {type(scenario).__name__}"
            )
        if autosave is not None and _holds_something(Path(autosave)):
            episode = _resume_onto(Path(autosave), scenario, learner_id)
            self._setup(episode, autosave, resumed_from=Path(autosave))
            return
        episode = Episode(scenario, learner_id=learner_id)
        episode.reset()
        self._setup(episode, autosave)

    @classmethod
    def resume(cls, path: str | os.PathLike[str], *, autosave: bool = True) -> Dashboard:
        """Rebuild a dashboard from an autosaved transcript, in the identical state.

        Args:
            path: the file written by ``autosave``.
            autosave: keep saving to the same file (the default).

        Raises:
            TranscriptError: the file is missing, unreadable, or not a valid transcript.
        """
        path = Path(path)
        episode = _replay_file(path)
        dash = cls.__new__(cls)
        dash._setup(episode, path if autosave else None, resumed_from=path)
        return dash

    # -- construction -------------------------------------------------------------
    def _setup(
        self,
        episode: Episode,
        autosave: str | os.PathLike[str] | None,
        resumed_from: Path | None = None,
    ) -> None:
        self.episode = episode
        self.autosave = Path(autosave) if autosave is not None else None
        self._finished_early = False
        self._message = (episode.observations[-1].message, "info")
        self._note = f"Resumed from {resumed_from} at step {episode.steps}." if resumed_from else ""
        self._selected = self._initial_selection()
        self._finish_drawn_at: int | None = None
        self._pending: str | None = None  # "reveal" or "finish" while it awaits confirmation
        self._build()
        self._refresh()

    def _initial_selection(self) -> str:
        for action in reversed(self.episode.actions):
            if action.service is not None and action.service in self.episode.sim.editable:
                return action.service
        return self.episode.scenario.services[0]

    def _build(self) -> None:
        self._header = _html("adb-header")
        self._picker = W.Dropdown(
            options=_picker_options(self.episode),
            value=self._selected,
            description="Service",
            tooltip="The service the buttons act on",
            style={"description_width": "initial"},
        )
        self._picker.add_class("adb-service-picker")
        self._picker.observe(self._on_pick, names="value")

        self._buttons: dict[str, W.Button] = {}
        handlers: dict[str, Callable[[], Any]] = {
            "logs": lambda: self.inspect_logs(self._selected),
            "config": lambda: self.inspect_config(self._selected),
            "endpoint": lambda: self.inspect_endpoint(self._selected),
            "hint": self.hint,
            "reveal": lambda: self._ask("reveal"),
        }
        for name, label, tooltip, css in BUTTONS:
            button = W.Button(description=label, tooltip=tooltip)
            button.add_class(css)
            button.on_click(_callback(handlers[name]))
            self._buttons[name] = button

        # One widget model carries the texts and the submit together (see fix_editor):
        # Submit applies exactly what the fields showed, however slow the kernel.
        self._fix_editor = FixEditor(on_submit=self._submit_from_form)
        self._fix_editor.add_class("adb-fix-editor")
        finish = W.Button(
            description="Finish and grade",
            tooltip="Stop here and see your grade and what was wrong.",
        )
        finish.add_class("adb-btn-finish")
        finish.on_click(_callback(lambda: self._ask("finish")))
        self._buttons["finish"] = finish

        # Reveal and Finish cannot be undone: a click only asks, a second click confirms.
        self._confirm_text = _html("adb-confirm-text")
        self._confirm_yes = W.Button(description="Yes", tooltip="Confirm", button_style="warning")
        self._confirm_yes.add_class("adb-btn-confirm")
        self._confirm_yes.on_click(_callback(self._confirmed))
        self._confirm_no = W.Button(
            description="Cancel", tooltip="Keep going: nothing happens, no step is used."
        )
        self._confirm_no.add_class("adb-btn-cancel")
        self._confirm_no.on_click(_callback(self.cancel))
        self._confirm = W.VBox(
            [self._confirm_text, W.HBox([self._confirm_yes, self._confirm_no])],
            layout=W.Layout(display="none", border="2px solid #E69F00", padding="4px"),
        )
        self._confirm.add_class("adb-confirm")

        again_same = W.Button(
            description="Start again: same incident",
            tooltip="A fresh attempt at this incident (this grade stays as it was).",
        )
        again_same.add_class("adb-btn-again-same")
        again_same.on_click(_callback(lambda: self.start_again(new_variant=False)))
        again_new = W.Button(
            description="Start again: new variant",
            tooltip="A fresh attempt at another variant of this task: other problems, other values.",
        )
        again_new.add_class("adb-btn-again-new")
        again_new.on_click(_callback(lambda: self.start_again(new_variant=True)))
        self._again_buttons = {"same": again_same, "new": again_new}

        self._message_box = _html("adb-message")
        self._alerts = _html("adb-alerts")
        self._hints = _html("adb-hints")
        self._logs = _html("adb-logs")
        self._config = _html("adb-config")
        self._response = _html("adb-response")
        # An HTML <img>, not an Image widget: only HTML carries the alt text (the text twin).
        self._graph = W.HTML(layout=W.Layout(max_width="100%"))
        self._graph.add_class("adb-graph")

        # align_self: a picture is never stretched past its own width in a wide page
        self._grade_image = W.Image(
            format="png", layout=W.Layout(max_width="100%", height="auto", align_self="flex-start")
        )
        self._grade_image.add_class("adb-grade-chart")
        self._timeline_image = W.Image(
            format="png", layout=W.Layout(max_width="100%", height="auto", align_self="flex-start")
        )
        self._timeline_image.add_class("adb-timeline")
        self._grade_text = _html("adb-grade-text")
        self._explanations = _html("adb-explanations")
        self._finish_panel = W.VBox(
            [
                W.HTML("<h3 style='margin:4px 0'>Your grade</h3>"),
                self._grade_image,
                self._grade_text,
                W.HTML("<h3 style='margin:4px 0'>How the system healed</h3>"),
                self._timeline_image,
                self._explanations,
                W.HBox([again_same, again_new], layout=W.Layout(flex_flow="row wrap")),
            ],
            layout=W.Layout(display="none", border="1px solid #8C8C8C", padding="6px"),
        )
        self._finish_panel.add_class("adb-finish")

        fix_help = _html("adb-fix-help")
        fix_help.show(
            "<b>Fix a service</b>: the editor below names the service it changes (the one "
            "picked above). A key path and a JSON value, or a whole JSON patch (not both); "
            "<code>null</code> deletes a key."
        )
        actions = W.VBox(
            [
                self._picker,
                W.HBox(
                    [self._buttons[n] for n, *_ in BUTTONS], layout=W.Layout(flex_flow="row wrap")
                ),
                fix_help,
                self._fix_editor,
                finish,
                self._confirm,
                self._message_box,
                self._alerts,
                self._hints,
            ],
            layout=W.Layout(flex="1 1 420px", min_width="320px"),
        )
        graph_box = W.VBox([self._graph], layout=W.Layout(flex="2 1 480px"))
        viewers = W.HBox(
            [
                W.VBox([self._logs], layout=W.Layout(flex="3 1 420px")),
                W.VBox([self._config, self._response], layout=W.Layout(flex="2 1 300px")),
            ],
            layout=W.Layout(flex_flow="row wrap"),
        )
        self.widget = W.VBox(
            [
                self._header,
                W.HBox([actions, graph_box], layout=W.Layout(flex_flow="row wrap")),
                viewers,
                self._finish_panel,
            ]
        )
        self.widget.add_class("adb-dashboard")

    # -- display ---------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live widget, with the dashboard's text twin as its plain-text form.

        Front ends without widgets (and stored notebook outputs) show the
        state in words instead of a repr of the widget tree, under a line saying
        that running the cell starts the live dashboard.
        """
        text = f"{STORED_NOTE}\n{self.render_text()}"
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):  # (data, metadata)
            data, metadata = bundle
            return {**data, "text/plain": text}, metadata
        if bundle is None:
            return {"text/plain": text}
        return {**bundle, "text/plain": text}

    def __repr__(self) -> str:
        return self.render_text()

    # -- programmatic twins ------------------------------------------------------------------
    def inspect_logs(self, service: str) -> Observation | None:
        """Read ``service``'s logs (one step); returns the observation."""
        return self._act(lambda: Action.inspect_logs(service), service)

    def inspect_config(self, service: str) -> Observation | None:
        """Show ``service``'s config (one step)."""
        return self._act(lambda: Action.inspect_config(service), service)

    def inspect_endpoint(self, service: str) -> Observation | None:
        """Send a test request through ``service`` (one step)."""
        return self._act(lambda: Action.inspect_endpoint(service), service)

    def submit_fix(self, service: str, changes: Mapping[str, Any] | str) -> Observation | None:
        """Apply a JSON merge patch to ``service``'s config (one step).

        ``changes`` is a dict or JSON text. Text that is not valid JSON, or not
        a JSON object, is reported in the message area and costs no step
        (returns ``None``).
        """
        try:
            parsed = parse_changes(changes)
        except FixInputError as exc:
            self._say(str(exc), "error")
            return None
        return self._act(lambda: Action.submit_fix(service, parsed), service)

    def hint(self) -> Observation | None:
        """The next hint for the first visible problem (one step)."""
        return self._act(Action.hint, None)

    def reveal(self, issue: str | None = None) -> Observation | None:
        """Show a problem's fix and explanation; it then earns no fix credit (one step)."""
        return self._act(lambda: Action.reveal(issue), None)

    def select(self, service: str) -> None:
        """Select ``service`` in the picker (no step); the graph marks it."""
        if service not in self.episode.sim.editable:
            raise ValueError(
                f"unknown service {service!r}; services are: "
                f"{', '.join(self.episode.scenario.services)}"
            )
        self._picker.value = service

    @property
    def selected(self) -> str:
        """The selected service."""
        return self._selected

    def finish(self) -> None:
        """Stop here: show the grade, the timeline and every problem's explanation.

        The dashboard stops accepting actions (the explanations name every fix);
        :meth:`start_again` begins a new attempt. The Finish button asks for
        confirmation first; this programmatic twin does not.
        """
        self._pending = None
        self._finished_early = not self.episode.done
        self._refresh()

    def start_again(self, new_variant: bool = False) -> None:
        """Begin a fresh attempt, on the same incident or on another variant of its task.

        The finished attempt is left as it was graded; with ``autosave`` the
        file then holds the new attempt.

        Args:
            new_variant: load the next variant of the task (seed + 1; the
                canonical incident counts as seed 0) instead of the same one.

        Raises:
            ValueError: ``new_variant`` for a scenario that is not a built-in task.
        """
        sc = self.episode.scenario
        if new_variant:
            if not _has_variants(sc):
                raise ValueError(
                    f"scenario {sc.id!r} is not a built-in task, so it has no other variants"
                )
            assert sc.task is not None
            sc = load_scenario(sc.task, (sc.seed or 0) + 1)
        episode = Episode(sc, learner_id=self.episode.learner_id)
        episode.reset()
        self.episode = episode
        self._finished_early = False
        self._pending = None
        self._finish_drawn_at = None
        self._message = (
            f"A new attempt at {sc.title} ({sc.id}). {episode.observations[-1].message}",
            "info",
        )
        self._note = ""
        self._selected = self._initial_selection()
        self._picker.unobserve(self._on_pick, names="value")
        self._picker.options = _picker_options(episode)
        self._picker.value = self._selected
        self._picker.observe(self._on_pick, names="value")
        self._finish_panel.layout.display = "none"
        self._save()
        self._refresh()

    def cancel(self) -> None:
        """Answer "Cancel" to a pending Reveal or Finish: nothing happens, no step is used."""
        if self._pending is not None:
            self._pending = None
            self._say("Cancelled: nothing was revealed or graded, and no step was used.", "info")
            self._show_confirm()

    @property
    def pending(self) -> str | None:
        """``"reveal"`` or ``"finish"`` while that button awaits confirmation, else ``None``."""
        return self._pending

    def render_text(self) -> str:
        """What the dashboard shows, as deterministic plain text."""
        ep = self.episode
        title, line = panels.header_lines(ep, self._finished_early)
        lines = [title, line, f"Selected: {self._selected}", "Services:"]
        lines += panels.services_lines(ep, self._selected)
        lines.append(f"Message: {self._message[0]}")
        alerts = panels.alerts_lines(ep)
        lines.append("Alerts:" if alerts else "Alerts: none")
        lines += [f"  - {a}" for a in alerts]
        if self._finish_shown:
            lines.append(ep.grade().render_text())
        return "\n".join(lines)

    # -- internals --------------------------------------------------------------------------
    @property
    def _finish_shown(self) -> bool:
        return self.episode.done or self._finished_early

    def _ask(self, what: str) -> None:
        """Reveal or Finish pressed: show what it would do and wait for Yes or Cancel."""
        if self._finish_shown:
            return
        self._pending = what
        self._show_confirm()

    def _confirmed(self) -> None:
        what, self._pending = self._pending, None
        if what == "reveal":
            self.reveal()
        elif what == "finish":
            self.finish()
        self._show_confirm()

    def _show_confirm(self) -> None:
        if self._pending is None or self._finish_shown:
            self._confirm.layout.display = "none"
            return
        question, yes, tooltip = CONFIRM[self._pending]
        self._confirm_text.show(f"<b>{panels.html.escape(question)}</b>")
        self._confirm_yes.description = yes
        self._confirm_yes.tooltip = tooltip
        self._confirm.layout.display = "flex"

    def _act(self, make: Callable[[], Action], service: str | None) -> Observation | None:
        if self._finished_early:
            self._say(
                "This attempt is finished and graded; press Start again (or call "
                "start_again()) to play again.",
                "error",
            )
            return None
        if self.episode.done:
            self._say(
                f"The episode is over ({panels.status_words(self.episode)}); "
                "press Start again (or call start_again()) to play again.",
                "error",
            )
            return None
        try:
            action = make()
        except ApiDebugError as exc:  # e.g. a service that is not a string
            self._say(str(exc), "error")
            return None
        before = len(self.episode.events)
        try:
            obs, *_ = self.episode.step(action)
        except ApiDebugError as exc:
            self._say(str(exc), "error")
            return None
        except Exception as exc:
            self._say(f"Internal error: {type(exc).__name__}: {exc}", "error")
            raise
        self._pending = None  # another action answers a pending question with "no"
        fixed_now = any(e["event"] == "fixed" for e in self.episode.events[before:])
        self._message = (obs.message, panels.message_kind(obs, fixed_now))
        self._note = ""
        if service in self.episode.sim.editable and service != self._selected:
            self._picker.value = service  # follow what was acted on (redraws once)
        self._save()
        self._refresh()
        return obs

    def _submit_from_form(self, key: str, value: str, patch: str) -> Observation | None:
        """Submit pressed: ``key``, ``value`` and ``patch`` are the texts it carried."""
        if not self.episode.sim.editable[self._selected]:
            self._say(f"{_external_reason(self._selected)} No step was used.", "error")
            return None
        try:
            changes = parse_fix_form(key, value, patch)
        except FixInputError as exc:
            self._say(str(exc), "error")
            return None
        return self.submit_fix(self._selected, changes)

    def _say(self, text: str, kind: str) -> None:
        self._message = (text, kind)
        self._message_box.show(panels.message_html(text, kind))

    def _save(self) -> None:
        if self.autosave is None:
            return
        try:
            write_atomically(self.autosave, json.dumps(self.episode.transcript(), indent=1))
        except (OSError, ValueError, TypeError) as exc:  # a full disk, or a bug: say so
            self._message = (
                f"{self._message[0]} (Could not save progress to {self.autosave}: {exc}.)",
                "error",
            )

    def _on_pick(self, change: Mapping[str, Any]) -> None:
        self._selected = change["new"]
        self._show_graph()
        self._show_target()
        self._config.show(panels.config_html(self.episode, self._selected))

    def _show_graph(self) -> None:
        self._graph.value = panels.image_html(
            graph_png(self.episode, self._selected),
            graph_text(self.episode, self._selected),
            "the service graph",
        )

    def _show_target(self) -> None:
        editor = self._fix_editor
        editor.target = self._selected
        editable = self.episode.sim.editable[self._selected]
        editor.blocked_reason = "" if editable else _external_reason(self._selected)

    def _refresh(self) -> None:
        ep = self.episode
        self._header.show(panels.header_html(ep, self._finished_early))
        text, kind = self._message
        if self._note:
            text = f"{text} ({self._note})"
        self._message_box.show(panels.message_html(text, kind))
        self._alerts.show(panels.alerts_html(ep))
        self._hints.show(panels.hints_html(ep))
        self._logs.show(panels.logs_html(ep))
        self._config.show(panels.config_html(ep, self._selected))
        self._response.show(panels.response_html(ep))
        self._show_graph()
        self._show_target()
        locked = self._finish_shown
        for button in self._buttons.values():
            button.disabled = locked
        self._fix_editor.disabled = locked
        self._confirm_yes.disabled = self._confirm_no.disabled = locked
        self._again_buttons["new"].disabled = not _has_variants(ep.scenario)
        self._show_confirm()
        if locked:
            self._show_finish()

    def _show_finish(self) -> None:
        ep = self.episode
        if self._finish_drawn_at != ep.steps:
            grade = ep.grade()
            self._grade_image.value = figures.png_bytes(figures.root_figure(plot_grade(grade)))
            self._timeline_image.value = figures.png_bytes(
                figures.root_figure(plot_health_timeline(ep))
            )
            self._grade_text.show(
                f"<pre style='{panels.MONO}white-space:pre-wrap;line-height:1.35;margin:0'>"
                f"{panels.html.escape(grade.render_text())}</pre>"
            )
            self._explanations.show(panels.explanations_html(ep))
            self._finish_drawn_at = ep.steps
        self._finish_panel.layout.display = "flex"


def _picker_options(episode: Episode) -> list[tuple[str, str]]:
    return [
        (name if episode.sim.editable[name] else f"{name} (external)", name)
        for name in episode.scenario.services
    ]


def _has_variants(scenario: Scenario) -> bool:
    return scenario.task is not None and scenario.task in TASKS


def _external_reason(service: str) -> str:
    return (
        f"{service} is external: its config is the contract, read only. "
        "Pick one of your services to fix."
    )


class _Panel(W.HTML):
    """An HTML panel with readable line spacing (ipywidgets' default is 28 px per line)."""

    def show(self, content: str) -> None:
        self.value = f"<div style='line-height:1.35'>{content}</div>"


def _html(css: str) -> _Panel:
    widget = _Panel()
    widget.add_class(css)
    return widget


def _callback(fn: Callable[[], T]) -> Callable[[W.Button], T]:
    """A button handler calling ``fn``; errors propagate so the front end shows them too."""

    def handler(_button: W.Button) -> T:
        return fn()

    return handler


# -- autosave files: resume, or refuse; never overwrite --------------------------------------

MAX_PROGRESS_BYTES = 20_000_000  # thousands of steps fit in far less
PROGRESS_LIMITS = Limits(
    what="the progress file",
    max_depth=64,
    max_items=2_000_000,
    max_text=100_000,
    max_key=1_000,
    max_json_chars=MAX_PROGRESS_BYTES,
)


def _holds_something(path: Path) -> bool:
    """Whether ``path`` exists as anything but an empty regular file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return path.is_symlink()  # a dangling link: refused, not followed
    except OSError:
        return True
    return not (stat.S_ISREG(info.st_mode) and info.st_size == 0)


def _replay_file(path: Path) -> Episode:
    """The episode an autosaved file holds, or a TranscriptError saying why not."""
    if not path.exists() and not path.is_symlink():
        raise TranscriptError(
            f"cannot resume: {str(path)!r} does not exist (was autosave set to this path?)"
        )
    try:
        text = read_file_text(path, MAX_PROGRESS_BYTES)
        data = loads_json_text(text, PROGRESS_LIMITS)
    except json.JSONDecodeError as exc:
        raise TranscriptError(
            f"cannot resume from {str(path)!r}: it is not valid JSON ({exc.msg} at line "
            f"{exc.lineno}); it may have been cut short or edited"
        ) from None
    except InputError as exc:
        raise TranscriptError(f"cannot resume from {str(path)!r}: {exc}") from None
    try:
        return replay(data)
    except ApiDebugError as exc:
        raise TranscriptError(f"cannot resume from {str(path)!r}: {exc}") from None


def _resume_onto(path: Path, scenario: Scenario, learner_id: str | None) -> Episode:
    """Resume ``path`` if it is progress on ``scenario`` by ``learner_id``; else refuse."""
    how = (
        f"To continue that work use Dashboard.resume({str(path)!r}); to start fresh, give "
        "another autosave path (or move the file away). The file was not changed."
    )
    try:
        episode = _replay_file(path)
    except TranscriptError as exc:
        raise TranscriptError(
            f"autosave file {str(path)!r} already exists and is not resumable progress "
            f"({exc}). Give another autosave path, or move the file away; it was not changed."
        ) from None
    if episode.scenario.content_hash() != scenario.content_hash():
        raise TranscriptError(
            f"autosave file {str(path)!r} holds {episode.steps} steps on scenario "
            f"{episode.scenario.id!r}, not {scenario.id!r}. {how}"
        )
    if episode.learner_id != learner_id:
        raise TranscriptError(
            f"autosave file {str(path)!r} holds the progress of learner "
            f"{episode.learner_id!r}, not {learner_id!r}. {how}"
        )
    return episode


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``.

    A crash mid-write leaves the previous file intact, never half a transcript.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
