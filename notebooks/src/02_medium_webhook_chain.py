# %% tags=["nbval-skip"]
# On a hosted Jupyter without apidebug_nb, this installs it; elsewhere it does nothing.
try:
    import apidebug_nb  # noqa: F401
except ImportError:
    get_ipython().run_line_magic("pip", 'install --quiet "apidebug_nb==0.1.0"')

# %% [markdown]
# # Lab 02: the webhook chain (medium)
#
# Customers stopped getting order notifications. Your webhook sender posts events to
# another team's receiver, which forwards them to the notification service. Three
# problems, 25 steps, and at first you can see only one of them.
#
# ## Learning objectives
#
# By the end of this lab you can:
#
# 1. explain **masking** (a request stopped by one failure never reaches the check
#    that would show another problem) and **cascades** (a failure degrading the
#    services that depend on it, or starving those behind it);
# 2. choose a fix order from the evidence, and recognise new symptoms that appear
#    after a fix;
# 3. configure rate limits, retries with backoff, webhook signatures, target paths
#    and content encodings to meet a receiver's contract;
# 4. recognise a **regression**: a later change that reopens a fixed problem.

# %% [markdown]
# ## Concepts you need
#
# * **Rate limits and 429.** A receiver accepts so many requests per second from each
#   sender and answers the *excess* with `429 Too Many Requests` and a `Retry-After`
#   header; the requests under the limit still get through.
# * **Retries with backoff.** Even under the limit, a busy receiver sheds a few
#   requests with `503 Service Unavailable` and `Retry-After`. A robust sender retries
#   such answers (and 429s) a bounded number of times, waits at least `Retry-After`,
#   and otherwise backs off exponentially with random jitter, so that many senders do
#   not retry in lockstep; a sender that does not retry at all silently drops events.
# * **Webhook signatures.** The sender signs each body with its signing key (HMAC) and
#   names the key by its id; the receiver lists the key ids it accepts, recomputes the
#   signature and rejects a mismatch with `401`. Neither side ever copies the other's
#   secret: the fix is always the sender's own setting.
# * **Paths and encodings.** The target path must be the route the receiver listens
#   on (`404` otherwise); a compressed body must use an encoding it can decode (`415`).
# * **Masking.** The receiver checks each request in order: the route, then the
#   signature, then the rate limit, then the body. A request refused at one check
#   never reaches the next. While every event is refused with `401`, nothing gets as
#   far as the rate limit, so neither the throttling nor what the sender does after a
#   `429` or `503` can be observed. The graph marks such a service with a `?` badge.
# * **Cascade.** Health blames a `4xx` on the caller that sent the bad request and a
#   `5xx` or a timeout on the callee. So the receiver that answers `401` stays
#   `healthy`, while the notification service behind it, starved of events, shows
#   `degraded` although nothing is wrong with its own config.

# %%
import textwrap

import apidebug_nb as adb
from apidebug_nb import act, graph_text, show, try_fix

scenario = adb.load_scenario("medium")
print(scenario.title, "|", scenario.max_steps, "steps")
print(textwrap.fill(scenario.description, 92))

# %% [markdown]
# ## Your turn: the dashboard
#
# Look at the graph first: which services are degraded only because of a cascade? Then
# follow the evidence. After each fix, re-read the logs: new symptoms may surface.
# Your clicks only change this dashboard.
#
# Your dashboard opens **variant 36** of the incident (`seed=36`): the worked example
# further down solves the canonical incident, with other problems or other values, so it
# teaches the method without giving your answers away.

# %%
dash = adb.Dashboard("medium", seed=36)
dash

# %% [markdown]
# ## Self-check: try a fix without spending a step
#
# `try_fix` applies a patch to a fresh copy of the incident. The sample answer below
# lowers the rate, but not enough: read the feedback, then try yours.

# %%
try_fix("medium", "webhook_sender", {"send_rate_per_s": 25}, seed=36)

# %% [markdown]
# ## Walk-through in code
#
# The canonical incident, solved on its own episode `walk` (your dashboard is not
# touched). Watch the `?` badge and the problem states.

# %%
walk = adb.Episode(scenario)
obs, info = walk.reset()
print(obs.message)
print("alerts:", *obs.alerts, sep="\n  ")
print(graph_text(walk))

# %% [markdown]
# The sender is in `error`; the receiver is `healthy` (a `4xx` counts against the
# caller that sent the bad request) and the notification service is `degraded`: no
# events reach it. That is the cascade, not its own fault. `webhook_sender` carries the
# `?` badge: something there may be hidden. Evidence first, from both ends of the
# first call:

# %%
act(walk, adb.Action.inspect_logs("webhook_sender"))
act(walk, adb.Action.inspect_logs("webhook_receiver"))

# %% [markdown]
# One symptom, seen from both sides with the same `trace=` and `req=` ids: the
# receiver cannot verify `X-Signature` and answers `401` with
# `error="invalid_signature"`. The receiver's config holds the contract, and the
# sender's config shows what it signs with.

# %%
act(walk, adb.Action.inspect_config("webhook_receiver"))
act(walk, adb.Action.inspect_config("webhook_sender"))

# %% [markdown]
# The sender signs with an empty key id, while the receiver lists the key ids it
# accepts (never a secret: each side keeps its own key material). The sender also
# offers 50 events/s against a limit of 20, but no event gets past the signature check,
# so nothing has been throttled yet: fix what the evidence shows first, then look again.

# %%
act(walk, adb.Action.submit_fix("webhook_sender", {"signing": {"key_id": "whk_3f9ac1d2"}}))
print(graph_text(walk))

# %% [markdown]
# "New symptoms may have surfaced." The `?` badge is gone and the notification service
# gets events again. Read the sender's log after the `config reloaded` line:

# %%
act(walk, adb.Action.inspect_logs("webhook_sender"))

# %% [markdown]
# Two problems, both hidden behind the `401` until now. Some events get `201 Created`,
# the excess gets `429 Too Many Requests` (the rate limit), and the receiver's
# occasional `503` ends in `event dropped ...: retry policy max_retries=0` (the retry
# policy). The rate first: it must not exceed the receiver's `rate_limit_per_s`.

# %%
act(walk, adb.Action.submit_fix("webhook_sender", {"send_rate_per_s": 20}))
act(walk, adb.Action.inspect_logs("webhook_sender"))

# %% [markdown]
# No more `429` after the reload, but events are still dropped after a `503`. The
# sender's retry policy (no retries, no backoff, no jitter, `Retry-After` ignored) breaks
# the receiver's `delivery_contract`: between `min_retries` and `max_retries` attempts,
# retrying after 429 and honouring its `Retry-After`, with a backoff that grows
# exponentially and is spread by jitter so that senders do not retry in lockstep. Lists
# are replaced whole by a merge patch, so give the full `retry_on` list.

# %%
RETRY_FIX = {
    "retry": {
        "max_retries": 3,
        "backoff_s": 2,
        "multiplier": 2,
        "jitter": "full",
        "honour_retry_after": True,
        "retry_on": [429, 502, 503],
    }
}
act(
    walk,
    adb.Action.submit_fix("webhook_sender", RETRY_FIX),
)
print(graph_text(walk))

# %% [markdown]
# All three fixed, and the cascade has healed: the notification service is healthy
# again without any change of its own. The timeline shows it.

# %%
from apidebug_nb import picture, plot_grade, plot_health_timeline, timeline_text

picture(plot_health_timeline, timeline_text(walk), walk)

# %%
grade = walk.grade()
picture(plot_grade, grade.render_text(), grade)

# %% [markdown]
# ## Masking, step by step
#
# `issue_status()` shows each problem's state in the ideal order: `masked` (hidden
# behind another), `active` or `resolved`. On a fresh episode:

# %%
order = adb.Episode(scenario)
order.reset()
print("at the start:     ", order.issue_status())
order.step(adb.Action.submit_fix("webhook_sender", {"signing": {"key_id": "whk_3f9ac1d2"}}))
print("after the key id: ", order.issue_status())

# %% [markdown]
# What if you fix the retry policy *while it is still masked*? The fix works (state is
# derived from the configs, so order never breaks the system), but you could not have
# seen evidence for it: the grade's strategy dimension notes a fix made blind.

# %%
blind = adb.Episode(scenario)
blind.reset()
show(blind.step(adb.Action.inspect_logs("webhook_sender"))[0])
for patch in (
    RETRY_FIX,
    {"send_rate_per_s": 20},
    {"signing": {"key_id": "whk_3f9ac1d2"}},
):
    blind.step(adb.Action.submit_fix("webhook_sender", patch))
print(blind.grade().render_text())

# %% [markdown]
# ## Regressions
#
# Because every problem's state is derived from the current configs, a later change can
# **reopen** a fixed problem. The message says so, and the timeline marks it.

# %%
regress = adb.Episode(scenario)
regress.reset()
regress.step(adb.Action.submit_fix("webhook_sender", {"signing": {"key_id": "whk_3f9ac1d2"}}))
act(regress, adb.Action.submit_fix("webhook_sender", {"send_rate_per_s": 20}))
act(regress, adb.Action.submit_fix("webhook_sender", {"send_rate_per_s": 40}))
print("events:", regress.events)
print(timeline_text(regress))

# %% [markdown]
# ## Practice: another variant
#
# Each seed gives a **variant** with other problems from the same pool and other values,
# so you cannot copy answers from a neighbour. Once your dashboard is finished, press
# **Start again: new variant** in it (or run `dash.start_again(new_variant=True)`) for the
# next one; **Start again: same incident** replays yours. `try_fix` takes the variant's
# seed too: `try_fix("medium", service, patch, seed=...)`.

# %% [markdown]
# ## Self-check: concepts
#
# * **Q1.** At the start, `notification_service` is `degraded`. What do you change in
#   its config? **A** raise its capacity, **B** nothing: it is starved of events by a
#   failure in front of it, **C** point it at the sender directly.
# * **Q2.** Why were the rate limit and the retry problem invisible at first? **A** the
#   receiver refused every event at its signature check, so none reached the rate
#   limit, **B** they only happen at night, **C** the receiver hides its logs.
# * **Q3.** After fixing the rate, you set `send_rate_per_s` to 40 "to catch up on the
#   backlog". What happens? **A** nothing, the problem stays fixed, **B** the rate
#   problem reopens (a regression), **C** the change is refused.

# %%
quiz = adb.Quiz.for_lesson("02_medium_webhook_chain")  # the answer key lives in the package

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

Walkthrough("medium", seed=36)

# %% [markdown]
# ## Debrief: every problem in this lab's pool
#
# **Spoilers.** Read this after you have solved the incident (or when you are stuck
# for good). The canonical incident uses only some of the problems below; a seeded
# variant (`adb.load_scenario("medium", seed=...)`) draws others from the same pool.
# For each one the library gives the root cause, why it broke, and what a
# professional checks next time; the *contract* line is the rule that must hold.
# The *shows at* line names the hop and the pipeline stage where its requests fail:
# while every request stops at an earlier stage (on that hop or on an earlier one),
# the problem stays hidden.

# %%
from apidebug_nb.model.pipeline import FAILURES

pool = adb.task_pool("medium")
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
# 1. How did you decide which problem to fix first? What would have happened with the
#    opposite order?
# 2. Which service was degraded only by the cascade? How could you tell from the
#    evidence, not only from the graph?
# 3. "Catching up on a backlog" by raising the send rate is a common real-world
#    regression. What would protect a team from it?
# 4. Which receiver settings did you treat as the contract, and where would you find
#    them for a real webhook provider?
#
# *Your notes:*
#
# ## Next
#
# **03_hard_order_pipeline**: five services, two of them yours, and chains of masks.
