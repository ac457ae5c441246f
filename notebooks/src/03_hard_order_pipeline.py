# %% tags=["nbval-skip"]
# On a hosted Jupyter without apidebug_nb, this installs it; elsewhere it does nothing.
try:
    import apidebug_nb  # noqa: F401
except ImportError:
    get_ipython().run_line_magic("pip", 'install --quiet "apidebug_nb==0.1.0"')

# %% [markdown]
# # Lab 03: the order pipeline (hard)
#
# Orders are failing across the pipeline. `order_service` calls the API gateway and
# the auth service; the gateway routes to inventory, which dispatches to shipping.
# Two services are yours, five problems hide behind one another, and you have 40 steps.
#
# ## Learning objectives
#
# By the end of this lab you can:
#
# 1. work through a multi-service incident methodically, keeping track of which
#    failures may hide others;
# 2. diagnose expired credentials and missing token refresh, a dispatch mode the
#    callee refuses, and a missing circuit breaker or idempotency key;
# 3. follow one request hop by hop through a trace, and find problems in a service that
#    is *not* the one raising the alert;
# 4. plan an efficient sequence of inspections and fixes and judge it with the grade.

# %% [markdown]
# ## Concepts you need
#
# * **Token lifecycle.** Service tokens expire. A token signed with a key the issuer no
#   longer accepts gets `401` with `WWW-Authenticate: Bearer ... error="invalid_token"`;
#   the fix is the client's own key reference, never a token copied from the issuer. A
#   client without **refresh** keeps using a token past its expiry, so some of its
#   requests get `401` with `error_description="token expired"`. A robust client
#   refreshes a little before expiry (the auth service publishes how early, and no
#   later than half the token's lifetime).
# * **Sync vs async dispatch.** A synchronous call holds a worker until the callee
#   answers; a callee built for a queue refuses it: `405 Method Not Allowed`, with an
#   `Allow` header naming what it does accept. A queue (async dispatch) decouples the
#   two, if the callee supports it.
# * **Cascades through relays.** A service that gets a failure from its upstream
#   answers its own caller `502 Bad Gateway` (`504` for an upstream timeout); a
#   gateway relays its upstream's status. So a `502` at the edge may come from three
#   hops down: a **trace** of one test request shows every hop and marks the first
#   that failed.
# * **Idempotency keys.** A retried request must be recognisable as the same one, so
#   the server does not perform it twice: the client sends a unique key in the header
#   the server names.
# * **Circuit breaker.** After repeated failures a client stops calling a failing
#   upstream for a while instead of piling retries onto it.
# * **Chains of masks.** A request stops at the first check it fails, on the first hop
#   that fails. A retired URL (`410`, checked first) hides the token; a rejected token
#   (`401`) hides the missing refresh, the timeout and everything behind the gateway;
#   the refused dispatch (`405` from shipping) hides the timeout and duplicate
#   reservations. Fixing the first problem of a chain is how you see the next one.

# %%
import textwrap

import apidebug_nb as adb
from apidebug_nb import act, graph_text, picture, try_fix

scenario = adb.load_scenario("hard")
print(scenario.title, "|", scenario.max_steps, "steps")
print(textwrap.fill(scenario.description, 92))
for name in scenario.services:
    service = scenario.service(name)
    print(f"  {name:<18} {'yours' if service.editable else 'not yours':<10} {service.role}")

# %% [markdown]
# ## Your turn: the dashboard
#
# Plan before you click: which services are yours? Which alerts could be caused by the
# same root? Keep a note of what you have ruled out. Your clicks only change this
# dashboard.
#
# Your dashboard opens **variant 2** of the incident (`seed=2`). The lab's worked example
# solves the canonical incident; its fixes would give yours away, so it is in the
# instructor's copy of this lab.

# %%
dash = adb.Dashboard("hard", seed=2)
dash

# %% [markdown]
# ## Self-check: try a fix without spending a step
#
# `try_fix` applies a patch to a fresh copy of the incident. The sample answer takes a
# key id from another variant without reading which key ids your auth service accepts:
# read the feedback, then try yours.

# %%
try_fix("hard", "order_service", {"auth.key_id": "ord-key-7f3a9c"}, seed=2)

# %% [markdown]
# ## Walk-through
#
# This lab's worked example solves the canonical incident, whose fixes your variant shares
# (every variant of the pipeline draws from the same five-of-seven pool), so it sits in
# the instructor's copy of this lab (`notebooks/instructor/03_hard_order_pipeline.ipynb`).
# At the end of this lab, *Show the walk-through* plays the solution of your own incident,
# when you ask for it.

# %% [markdown] tags=["solution"]
# ## Walk-through in code
#
# The canonical incident on its own episode `walk`. First the overview.

# %% tags=["solution"]
walk = adb.Episode(scenario)
obs, info = walk.reset()
print("alerts:", *obs.alerts, sep="\n  ")
print(graph_text(walk))

# %% [markdown] tags=["solution"]
# One alert: every order fails with `410` at `order_service`. Both services of yours
# carry a `?`: a failure in front of them may hide more. Inventory and shipping are
# `degraded` without any error of their own: no order reaches them. Read the failing
# service's log and the contract of what it calls first.

# %% tags=["solution"]
act(walk, adb.Action.inspect_logs("order_service"))
act(walk, adb.Action.inspect_config("api_gateway"))

# %% [markdown] tags=["solution"]
# Each order first gets a token from the auth service (`201`), then calls the gateway
# at `/api/v1`, which the gateway has retired. The route is the first thing the
# gateway checks, so every order stops there: nothing behind it can be observed until
# the address is right.

# %% tags=["solution"]
act(
    walk, adb.Action.submit_fix("order_service", {"gateway_url": "https://gateway.internal/api/v2"})
)
act(walk, adb.Action.inspect_logs("order_service"))

# %% [markdown] tags=["solution"]
# After the reload the orders reach the next check and fail it: `401` with
# `error="invalid_token"`. The token problem was there all along, behind the `410`:
# order_service asks for its tokens with a signing key the auth service has retired.
# The auth service's config lists the key ids it accepts and the retired ones (never a
# key or a token itself: the client keeps its own key material).

# %% tags=["solution"]
act(walk, adb.Action.inspect_config("auth_service"))
act(walk, adb.Action.submit_fix("order_service", {"auth": {"key_id": "ord-key-7f3a9c"}}))

# %% [markdown] tags=["solution"]
# Orders now get past the gateway. A test request shows how far: its trace lists every
# hop and marks the first that failed. `show` prints the step; the trace is also data
# (`obs.trace`, one span per hop), and `plot_trace` draws it as a waterfall whose text
# twin is `trace_text`.

# %% tags=["solution"]
from apidebug_nb import show
from apidebug_nb.views.trace_plot import plot_trace, trace_text

obs = walk.step(adb.Action.inspect_endpoint("order_service"))[0]
show(obs)
print(
    "answer:",
    obs.response["status"],
    obs.response["body"],
    "| request id:",
    obs.response["request_id"],
)

# %% tags=["solution"]
import matplotlib.pyplot as plt

waterfall = picture(plot_trace, trace_text(obs.trace), obs.trace)
plt.close("all")  # the picture keeps its own copy of the drawing
waterfall

# %% [markdown] tags=["solution"]
# Shipping refused the synchronous `POST /shipments` with `405` and `Allow: GET`;
# inventory, which is yours too, answered the gateway `502`, and the gateway relayed
# it to `order_service`. Inventory's log, and the contract of what it calls:

# %% tags=["solution"]
act(walk, adb.Action.inspect_logs("inventory_service"))
act(walk, adb.Action.inspect_config("shipping_service"))
act(walk, adb.Action.submit_fix("inventory_service", {"dispatch_mode": "async"}))

# %% [markdown] tags=["solution"]
# With the whole path open, look again at `order_service`: its newest lines, from the
# step after the dispatch fix, show what was still hidden.

# %% tags=["solution"]
act(walk, adb.Action.inspect_logs("order_service"))

# %% [markdown] tags=["solution"]
# Most orders now succeed (`201 Created`), but two kinds still fail, each only a share.
# Some time out after 3 s: the slow orders, which never got that far while shipping
# refused them. And a few get `401` with `error_description="token expired"`; they
# have been in the log since the token fix, between the `502` lines. Two problems.
# The gateway's contract says processing can take up to 8000 ms; the timeout must cover
# that with a margin (a fifth more), and all attempts with their backoffs must still fit
# order_service's own `deadline_s`. The auth service's `min_refresh_before_expiry_s` (120) is the
# contract for refreshing the token before it expires.

# %% tags=["solution"]
act(walk, adb.Action.submit_fix("order_service", {"timeout_s": 10}))
act(
    walk,
    adb.Action.submit_fix(
        "order_service", {"auth": {"refresh": {"enabled": True, "before_expiry_s": 300}}}
    ),
)
print(graph_text(walk))

# %% tags=["solution"]
from apidebug_nb import picture, plot_grade, plot_health_timeline, timeline_text

picture(plot_health_timeline, timeline_text(walk), walk)

# %% tags=["solution"]
grade = walk.grade()
picture(plot_grade, grade.render_text(), grade)

# %% [markdown] tags=["solution"]
# Five of five. Reading every contract and sending a test request cost a little
# efficiency against the reference solver, but every fix landed the first time, each
# after the evidence for it had appeared.

# %% [markdown]
# ## Practice: another variant
#
# Each seed gives a **variant** with other problems from the same pool and other values,
# so you cannot copy answers from a neighbour. Once your dashboard is finished, press
# **Start again: new variant** in it (or run `dash.start_again(new_variant=True)`) for the
# next one; **Start again: same incident** replays yours. `try_fix` takes the variant's
# seed too: `try_fix("hard", service, patch, seed=...)`.

# %% [markdown]
# ## Self-check: concepts
#
# * **Q1.** After you replace the retired key, a share of orders still gets `401`
#   with `error_description="token expired"`. The auth service requires refreshing at
#   least 120 s before expiry. Which setting fixes it? **A** `auth.refresh` enabled with
#   `before_expiry_s` 60, **B** `auth.refresh` enabled with `before_expiry_s` 300,
#   **C** a longer `timeout_s`.
# * **Q2.** Inventory logs `POST /shipments -> 405 Method Not Allowed; Allow: GET` and
#   answers the gateway `502`. Where is the fix? **A** shipping's supported modes,
#   **B** inventory's `dispatch_mode`, **C** order_service's timeout.
# * **Q3.** Why fix the retired gateway URL before the timeout? **A** the timeout is
#   hidden while every request is refused with `410`, so its evidence appears only after,
#   **B** the order of fixes changes the final score's fix dimension, **C** the
#   simulator refuses a timeout fix first.

# %%
quiz = adb.Quiz.for_lesson("03_hard_order_pipeline")  # the answer key lives in the package

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

Walkthrough("hard", seed=2)

# %% [markdown]
# ## Debrief: every problem in this lab's pool
#
# **Spoilers.** Read this after you have solved the incident (or when you are stuck
# for good). The canonical incident uses only some of the problems below; a seeded
# variant (`adb.load_scenario("hard", seed=...)`) draws others from the same pool.
# For each one the library gives the root cause, why it broke, and what a
# professional checks next time; the *contract* line is the rule that must hold.
# The *shows at* line names the hop and the pipeline stage where its requests fail:
# while every request stops at an earlier stage (on that hop or on an earlier one),
# the problem stays hidden.

# %%
from apidebug_nb.model.pipeline import FAILURES

pool = adb.task_pool("hard")
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
# 1. Draw (on paper) the chains of masks you met. Which problem would you look for
#    after fixing each one?
# 2. Two services were yours. How did you decide, for each alert, which of them to
#    change?
# 3. Which inspections in the walk-through could you have skipped, and which were
#    essential to get fixes right first time?
# 4. Circuit breakers, idempotency keys and token refresh do not fix a failure; they
#    limit the damage of the next one. Which of them does your own code base use?
#
# *Your notes:*
#
# ## Next
#
# **04_grading_and_agents**: how the grade works, and how scripted agents play the
# same incidents.
