"""The fix editor: key path, JSON value, whole patch and Submit, in one widget model.

With separate core widgets (a Text, a Textarea and a Button) a click can reach the
kernel before the text it should submit: ipywidgets holds back a text widget's
state update while an earlier one is unacknowledged, but sends a button's click
at once. Measured under load, about one fast submit in ten applied the previous
value. Here the order holds by construction instead of by timing:

- the front end (``fix_editor.js``) writes the three texts *and* a new submit
  count into this one model and sends them in a single state message;
- the kernel acts when the count changes; ``set_state`` sets every trait of a
  message before any observer runs, so the texts read then are the ones that
  travelled with the count, whatever the order of keys in the message;
- the kernel echoes the count it took as ``handled``; until then the front end
  ignores further presses, so two submits are never merged into one message.

Without a front end (tests, scripts) :meth:`FixEditor.press_submit` does what a
click does: set the texts and count up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

_HERE = Path(__file__).resolve().parent

#: The CSS classes of the editor's parts in the browser (set by ``fix_editor.js``).
PART_CLASSES = ("adb-fix-key", "adb-fix-value", "adb-fix-patch", "adb-btn-submit")

#: ``(key, value, patch)`` as typed, from one submit.
SubmitHandler = Callable[[str, str, str], Any]


class FixEditor(anywidget.AnyWidget):
    """A fix editor whose Submit always carries the text on screen.

    Args:
        on_submit: called with ``(key, value, patch)`` once per submit.

    >>> seen = []
    >>> editor = FixEditor(on_submit=lambda *texts: seen.append(texts))
    >>> editor.press_submit(key="timeout_s", value="30")
    >>> seen, editor.handled
    ([('timeout_s', '30', '')], 1)
    """

    _esm = (_HERE / "fix_editor.js").read_text(encoding="utf-8")
    _css = (_HERE / "fix_editor.css").read_text(encoding="utf-8")

    key = t.Unicode("").tag(sync=True)
    value = t.Unicode("").tag(sync=True)
    patch = t.Unicode("").tag(sync=True)
    #: Counted up by the front end, in the same message as the texts.
    submits = t.Int(0).tag(sync=True)
    #: The last submit count the kernel took (the front end waits for it).
    handled = t.Int(0).tag(sync=True)
    disabled = t.Bool(False).tag(sync=True)
    #: The service a submit changes, named above the fields.
    target = t.Unicode("").tag(sync=True)
    #: Why Submit cannot be used for ``target`` (shown beside it); empty when it can.
    blocked_reason = t.Unicode("").tag(sync=True)

    key_label = t.Unicode("Key path").tag(sync=True)
    value_label = t.Unicode("JSON value").tag(sync=True)
    patch_label = t.Unicode("or patch").tag(sync=True)
    submit_label = t.Unicode("Submit fix").tag(sync=True)
    submit_tooltip = t.Unicode(
        "Apply the change to the selected service's config (costs a step). "
        "Ctrl+Enter in a field submits too."
    ).tag(sync=True)
    key_placeholder = t.Unicode("e.g. timeout or headers.Authorization").tag(sync=True)
    # Examples of JSON forms only: no value that fixes a built-in incident.
    value_placeholder = t.Unicode('e.g. 30   "text"   true   null   {"key": 1}').tag(sync=True)
    patch_placeholder = t.Unicode(
        'a whole JSON merge patch, e.g. {"timeout": 30, "headers": {"Authorization": "..."}}'
    ).tag(sync=True)

    def __init__(self, on_submit: SubmitHandler | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._on_submit = on_submit
        self.observe(self._submitted, names="submits")

    @property
    def submit_enabled(self) -> bool:
        """Whether Submit can be pressed (not disabled, nothing blocking the target)."""
        return not self.disabled and not self.blocked_reason

    def target_text(self) -> str:
        """The line above the fields: which service a submit changes, or why it cannot.

        >>> FixEditor(target="payment_client").target_text()
        'Fix for: payment_client'
        >>> FixEditor(target="vendor", blocked_reason="vendor is external.").target_text()
        'Fix for: vendor. Submit is off: vendor is external.'
        """
        text = f"Fix for: {self.target}" if self.target else "Fix for: (no service selected)"
        return f"{text}. Submit is off: {self.blocked_reason}" if self.blocked_reason else text

    def labels(self) -> dict[str, str]:
        """Every control's accessible name (its visible label)."""
        return {
            "key": self.key_label,
            "value": self.value_label,
            "patch": self.patch_label,
            "submit": self.submit_label,
        }

    def press_submit(
        self, *, key: str | None = None, value: str | None = None, patch: str | None = None
    ) -> None:
        """What pressing Submit does: set the given texts, then count a submit.

        The texts and the count change inside one ``hold_sync``, as one state
        message does when it arrives from the browser.
        """
        if self.disabled or self.blocked_reason:
            return  # as a disabled button: nothing is sent
        with self.hold_trait_notifications():
            if key is not None:
                self.key = key
            if value is not None:
                self.value = value
            if patch is not None:
                self.patch = patch
            self.submits = self.submits + 1

    def _submitted(self, change: dict[str, Any]) -> None:
        if change["new"] <= self.handled:
            return  # a count the kernel took already (or a reset)
        # Acknowledge first: the front end accepts the next press once this arrives,
        # and it arrives before anything the handler shows.
        self.handled = change["new"]
        if self._on_submit is not None and not self.disabled:
            self._on_submit(self.key, self.value, self.patch)
