# %% tags=["nbval-skip"]
# On a hosted Jupyter without apidebug_nb, this installs it; elsewhere it does nothing.
try:
    import apidebug_nb  # noqa: F401
except ImportError:
    get_ipython().run_line_magic("pip", 'install --quiet "apidebug_nb==0.1.0"')

# %% [markdown]
# # Lab 01: the payment gateway (easy)
#
# Checkout payments fail. Your payment client calls a vendor's payment gateway. The
# gateway is fine; the client breaks its contract in two ways. You have 15 steps.
#
# ## Learning objectives
#
# By the end of this lab you can:
#
# 1. recognise authentication (`401`), media type (`415`), timeout and retired
#    version (`410`) failures from logs, endpoint answers and their headers;
# 2. explain why fixing one problem can reveal the next: a request stops at the first
#    check it fails;
# 3. compare a client's config with a provider's contract to find the setting to
#    change, and pick a value that satisfies the contract;
# 4. read the simulator's feedback on a fix ("right setting, but ...") and use hints
#    sparingly;
# 5. read your grade and say what would raise it.

# %% [markdown]
# ## Concepts you need
#
# * **One request, one failure.** The gateway checks each request in a fixed order, as
#   a real server does: the route (URL and version), then the credentials, then the
#   body's media type, then it does the work. A request stops at the first check it
#   fails, so a `401` hides whatever is wrong with the body: that problem shows only
#   once the credentials are right.
# * **Authentication scheme.** Providers say *how* to present a credential. With the
#   `Bearer` scheme the request carries a header `Authorization: Bearer <key>`;
#   having the key in the config is not enough if it is never sent. A `401` answer
#   carries a `WWW-Authenticate` header naming the scheme the provider expects.
# * **Content-Type.** The header that labels the body. A provider parses only the
#   types it lists; anything else gets `415 Unsupported Media Type`, with an `Accept`
#   header listing what it does parse.
# * **Timeouts and processing time.** A client timeout shorter than the provider's
#   worst-case processing time abandons the slow requests, which the provider still
#   completes: the client reports failure, the provider logs that the caller had gone
#   (`client_gone`). Only part of the traffic fails. Mind units (`ms` vs `s`).
# * **API versions.** Providers retire old versions; a retired base URL answers
#   `410 Gone`. The provider's config lists the current and the deprecated URLs.

# %%
import textwrap

import apidebug_nb as adb
from apidebug_nb import act, graph_text, try_fix

scenario = adb.load_scenario("easy")
print(scenario.title, "|", scenario.max_steps, "steps")
print(textwrap.fill(scenario.description, 92))

# %% [markdown]
# ## Your turn: the dashboard
#
# Solve the incident in the dashboard below. Suggested routine: **look** (logs of the
# failing service, then its config and the gateway's config), **compare** with the
# contract, **fix** one thing at a time, **look again**: the log keeps every old line,
# so read the lines after your fix. Your clicks only change this dashboard: the
# walk-through further down uses its own episode.
#
# Your dashboard opens **variant 4** of the incident (`seed=4`): the worked example
# further down solves the canonical incident, with other problems or other values, so it
# teaches the method without giving your answers away.

# %%
dash = adb.Dashboard("easy", seed=4)
dash

# %% [markdown]
# Whenever you want a text summary of where your dashboard stands (useful with a
# screen reader), run `print(dash.render_text())`.
#
# ## Self-check: try a fix without spending a step
#
# `try_fix(task, service, patch)` applies a patch to a **fresh copy** of the incident
# and prints the simulator's feedback. Your dashboard is not touched. The stored output
# shows a sample answer that is *not* right yet: read the feedback, then replace the
# patch with yours.

# %%
try_fix("easy", "payment_client", {"headers.Content-Type": "application/xml"}, seed=4)

# %% [markdown]
# ## Walk-through in code
#
# For those who prefer code (and so that every step here is checked automatically),
# the same incident solved step by step on **its own episode**, `walk`. It does not
# touch your dashboard.

# %%
walk = adb.Episode(scenario)
obs, info = walk.reset()
print(obs.message)
print("alerts:", *obs.alerts, sep="\n  ")
print(graph_text(walk))

# %% [markdown]
# One alert: every payment fails with `401`. Start with the failing service's logs. The
# start-up lines quote the config it loaded; then each step of traffic shows one
# example line per outcome, with its `trace=` and `req=` ids, and a count of the
# others ("... 39 more like this in this step").

# %%
act(walk, adb.Action.inspect_logs("payment_client"))

# %% [markdown]
# `authorization=absent` at start-up, then only `401`, and the answer's
# `WWW-Authenticate: Bearer` names the scheme the gateway wants. A test request shows
# the same from the outside: the answer, and the trace of each hop it took, with the
# failing one marked.

# %%
act(walk, adb.Action.inspect_endpoint("payment_client"))

# %% [markdown]
# The gateway answered the client `401`, so the client could only tell checkout that
# the payment failed (`502`). Now the contract: the gateway's config says which scheme
# and media types it accepts.

# %%
act(walk, adb.Action.inspect_config("payment_gateway"))
act(walk, adb.Action.inspect_config("payment_client"))

# %% [markdown]
# The gateway wants `Bearer` credentials; the client has an `api_key` but no
# `Authorization` header. First a common mistake: sending the key without the scheme.

# %%
act(walk, adb.Action.submit_fix("payment_client", {"headers.Authorization": "sk_live_51hq7xa9"}))

# %% [markdown]
# Right setting, wrong form: the contract is *scheme, a space, then the key*.

# %%
act(
    walk,
    adb.Action.submit_fix("payment_client", {"headers.Authorization": "Bearer sk_live_51hq7xa9"}),
)
act(walk, adb.Action.inspect_logs("payment_client"))

# %% [markdown]
# The log is a record: the old `401` lines stay, and `config reloaded` marks the fix.
# The requests after it get past authentication and meet the next check: `415
# Unsupported Media Type`, with `Accept: application/json`. This problem was there all
# along, hidden behind the `401`. The body is labelled `text/plain`; the gateway
# accepts only `application/json`.

# %%
act(
    walk, adb.Action.submit_fix("payment_client", {"headers": {"Content-Type": "application/json"}})
)
print(graph_text(walk))

# %% [markdown]
# Incident over. The health timeline shows how each service's state changed step by
# step, with fixes marked; the grade explains itself dimension by dimension.

# %%
from apidebug_nb import picture, plot_grade, plot_health_timeline, timeline_text

picture(plot_health_timeline, timeline_text(walk), walk)

# %%
grade = walk.grade()
picture(plot_grade, grade.render_text(), grade)

# %% [markdown]
# The reference solver, a careful engineer, needs 5 steps: look, fix, look again, read the
# gateway's contract, fix. The walk-through also sent a test request, read both configs
# and made one wrong first attempt at `Authorization`, which cost some efficiency;
# looking before every fix kept strategy and diagnosis full.
#
# ## Hints
#
# Stuck? `hint()` gives the next of three levels for the first open problem: *where to
# look*, *which setting*, *what must hold*. None gives the value. Each hint lowers the
# score a little, so ask only when you need it. A separate episode again:

# %%
hinted = adb.Episode(scenario)
hinted.reset()
for _ in range(3):
    act(hinted, adb.Action.hint())

# %% [markdown]
# ## Practice: another variant
#
# Each seed gives a **variant** with other problems from the same pool and other values,
# so you cannot copy answers from a neighbour. Once your dashboard is finished, press
# **Start again: new variant** in it (or run `dash.start_again(new_variant=True)`) for the
# next one; **Start again: same incident** replays yours. `try_fix` takes the variant's
# seed too: `try_fix("easy", service, patch, seed=...)`.

# %% [markdown]
# ## Saving your progress
#
# A dashboard can save its transcript after every action and be resumed after a
# kernel restart, reaching the identical state. Here into a temporary folder, so
# nothing is left behind:

# %% tags=["nbval-ignore-output"]
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as folder:
    progress = Path(folder) / "progress.json"
    saved = adb.Dashboard("easy", autosave=progress)
    saved.inspect_logs("payment_client")
    saved.submit_fix("payment_client", {"headers.Authorization": "Bearer sk_live_51hq7xa9"})
    resumed = adb.Dashboard.resume(progress)
    same_state = resumed.render_text() == saved.render_text()

# %%
print("resumed at the same state:", same_state)
print(resumed.render_text())

# %% [markdown]
# ## Self-check: concepts
#
# Put a letter between the quotes and run the cell: every option's feedback explains it.
#
# * **Q1.** Some requests fail with `timed out after 8s` on the client while the gateway
#   logs the same `req=` id as `finished after the caller had gone (client_gone)`. Which
#   is broken?
#   **A** the gateway is too slow, **B** the client's timeout is shorter than the
#   gateway's processing time, **C** the network.
# * **Q2.** A gateway's `max_processing_ms` is 30000, and the client makes up to three
#   attempts that must all fit its `deadline_s` of 120. Which client `timeout` (in
#   seconds) satisfies the contract? **A** 30, **B** 40, **C** 30000.
# * **Q3.** A fix resolves the `401`, but the endpoint still answers `415`. What next?
#   **A** undo the first fix, **B** ask for a hint right away, **C** compare the
#   Content-Type you send with the gateway's accepted list.

# %%
quiz = adb.Quiz.for_lesson("01_easy_payment_gateway")  # the answer key lives in the package

# %%
quiz.check("Q1", "")
quiz.check("Q2", "")
quiz.check("Q3", "")

# %% [markdown]
# ## Stuck for good? The walk-through of your incident
#
# **Spoilers.** The button below plays the reference solution of *your* variant step by step, with what each step shows. Nothing of it is stored in this notebook: it is written only when you press the button.

# %%
from apidebug_nb.views.walkthrough import Walkthrough

Walkthrough("easy", seed=4)

# %% [markdown]
# ## Debrief: every problem in this lab's pool
#
# **Spoilers.** Read this after you have solved the incident (or when you are stuck
# for good). The canonical incident uses only some of the problems below; a seeded
# variant (`adb.load_scenario("easy", seed=...)`) draws others from the same pool.
# For each one the library gives the root cause, why it broke, and what a
# professional checks next time; the *contract* line is the rule that must hold.
# The *shows at* line names the hop and the pipeline stage where its requests fail:
# while every request stops at an earlier stage (on that hop or on an earlier one),
# the problem stays hidden.

# %%
from apidebug_nb.model.pipeline import FAILURES

pool = adb.task_pool("easy")
for n, issue in enumerate(pool, start=1):
    failure = FAILURES[issue.failure]
    if failure.stage == "send":
        answer = "the request is never sent"
    elif failure.stage == "consume":
        answer = "the caller mishandles the answer"
    elif failure.status is None:
        answer = "no answer"
    else:
        answer = f"answer {failure.status}" + (
            ", but a wrong outcome" if failure.wrong_outcome else ""
        )
    caller, callee = issue.hop
    print(f"{n}. {issue.title}")
    print(f"   {issue.category}, {issue.severity}; fixed in {issue.service}")
    print(f"   shows at: the {failure.stage} stage of {caller} -> {callee} ({answer})")
    print(textwrap.indent(textwrap.fill(issue.explanation, 92), "   "))
    print("   Contract:", issue.hints.contract)
    print()

# %% [markdown]
# ## Reflection
#
# 1. Which log line or header pointed you to each problem fastest? Was it on the client
#    or on the gateway?
# 2. The first `Authorization` attempt was "right setting, wrong form". Where in the
#    gateway's config is the form documented?
# 3. Why does the simulator refuse fixes on `payment_gateway`, and what does that
#    mirror in a real vendor integration?
# 4. What would you do differently to reach the reference solver's 5 steps?
#
# *Your notes:*
#
# ## Next
#
# **02_medium_webhook_chain**: three services, and failures that hide other failures.
