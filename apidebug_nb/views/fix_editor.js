// The fix editor's front end: three labelled fields and a Submit button in ONE widget model.
//
// Submit writes the text of every field and a new submit count into the model and
// sends them with a single save_changes(): one state message, so the kernel never
// sees a submit count without the text that was on screen when it was pressed.
// While a submit is unacknowledged (submits > handled) further presses are ignored,
// so two submits can never be merged into one message by the widget throttle.

let nextId = 0;

function field(el, part, labelText, input) {
  const id = `adb-fix-${part}-${nextId++}`;
  const row = document.createElement("div");
  row.className = `adb-fix-row adb-fix-${part}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = labelText;
  label.className = "adb-fix-label";
  input.id = id;
  input.className = "adb-fix-input";
  input.setAttribute("aria-label", labelText);
  row.append(label, input);
  el.append(row);
  return input;
}

function render({ model, el }) {
  el.classList.add("adb-fix-editor-view");
  // Which service a submit changes; on an external one, why Submit is off.
  const target = document.createElement("div");
  target.className = "adb-fix-target";
  target.setAttribute("role", "status");
  el.append(target);
  const key = document.createElement("input");
  key.type = "text";
  key.spellcheck = false;
  key.autocomplete = "off";
  field(el, "key", model.get("key_label"), key);
  const value = document.createElement("textarea");
  value.rows = 2;
  value.spellcheck = false;
  field(el, "value", model.get("value_label"), value);
  const patch = document.createElement("textarea");
  patch.rows = 3;
  patch.spellcheck = false;
  field(el, "patch", model.get("patch_label"), patch);

  const submit = document.createElement("button");
  submit.type = "button";
  submit.className = "adb-btn-submit jupyter-button mod-primary";
  submit.textContent = model.get("submit_label");
  submit.title = model.get("submit_tooltip");
  const reason = document.createElement("span");
  reason.className = "adb-fix-blocked";
  reason.id = `adb-fix-blocked-${nextId++}`;
  submit.setAttribute("aria-describedby", reason.id);
  const actions = document.createElement("div");
  actions.className = "adb-fix-actions";
  actions.append(submit, reason);
  el.append(actions);

  const inputs = { key, value, patch };
  const placeholders = { key: "key_placeholder", value: "value_placeholder", patch: "patch_placeholder" };

  function inFlight() {
    return model.get("submits") > model.get("handled");
  }

  // Text flows from the model into a field only when the model's text changes (the
  // kernel set it), never on other updates: what the learner is typing stays put.
  function showText(name) {
    const input = inputs[name];
    if (input.value !== model.get(name)) input.value = model.get(name);
  }

  function blocked() {
    return model.get("disabled") || model.get("blocked_reason") !== "";
  }

  function show() {
    for (const [name, input] of Object.entries(inputs)) {
      input.placeholder = model.get(placeholders[name]);
      input.disabled = model.get("disabled");
    }
    const name = model.get("target");
    const why = model.get("blocked_reason");
    target.textContent = `Fix for: ${name || "(no service selected)"}`;
    reason.textContent = why ? `Submit is off: ${why}` : "";
    submit.disabled = blocked();
    // aria-busy, not disabled: a disabled button would drop the keyboard focus.
    submit.setAttribute("aria-busy", inFlight() ? "true" : "false");
    submit.classList.toggle("adb-busy", inFlight());
  }

  function press() {
    if (blocked() || inFlight()) return;
    model.set("key", key.value);
    model.set("value", value.value);
    model.set("patch", patch.value);
    model.set("submits", model.get("submits") + 1);
    model.save_changes(); // text and count travel together, in one message
    show();
  }

  submit.addEventListener("click", press);
  for (const input of Object.values(inputs)) {
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        press();
      }
    });
  }
  const textHandlers = {};
  for (const name of Object.keys(inputs)) {
    textHandlers[name] = () => showText(name);
    model.on(`change:${name}`, textHandlers[name]);
    showText(name);
  }
  const states = ["disabled", "submits", "handled", "target", "blocked_reason"];
  for (const name of states) model.on(`change:${name}`, show);
  show();
  return () => {
    for (const [name, handler] of Object.entries(textHandlers)) model.off(`change:${name}`, handler);
    for (const name of states) model.off(`change:${name}`, show);
  };
}

export default { render };
