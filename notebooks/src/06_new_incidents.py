# %% tags=["nbval-skip"]
# On a hosted Jupyter without apidebug_nb, this installs it; elsewhere it does nothing.
try:
    import apidebug_nb  # noqa: F401
except ImportError:
    get_ipython().run_line_magic("pip", 'install --quiet "apidebug_nb==0.1.0"')

# %% [markdown]
# # Lab 06: six incidents from production
#
# Labs 01 to 03 taught the pipeline on one story each. This lab opens the rest of the
# catalogue: six short incidents of the kind an on-call engineer meets in a real week.
# Some fail a *share* of requests, some fail before any HTTP status exists, one answers
# `200` every time and is still wrong, and in one the broken service is not yours to fix
# at all.
#
# ## Learning objectives
#
# By the end of this lab you can:
#
# 1. read a **partial failure**: a log that counts both outcomes, and an alert that says
#    how many requests of how many failed;
# 2. recognise failures **without a status** (DNS, TCP and TLS at the connect stage) and
#    read an `x509:` or `i/o timeout` error to the end;
# 3. find a **wrong outcome behind `200 OK`** in the caller's own log, where no error is
#    ever raised;
# 4. decide **whose fault** a failure is: yours to fix, or the callee's, where the right
#    move is mitigation on your side (retries with jitter and a budget, a breaker, a
#    fallback) and a report to its owners;
# 5. reject fixes that only look like fixes: a wider tolerance window, a cache that lives
#    for a day, a threshold nobody will ever reach.

# %% [markdown]
# ## Concepts you need
#
# * **Partial failures.** A fault that fails 30 % of requests leaves 70 % working. The log
#   shows one example line per outcome and counts the rest (`... 27 more like this`): read
#   the counts, not only the first error you see.
# * **The connect stage.** Before any HTTP exchange, the client resolves a name, opens a
#   connection and verifies the server's certificate. A failure there has no status code:
#   the caller logs `connect: ...` and the service in front of it answers `502`.
# * **Wrong outcomes.** Some bugs never fail a request: pages skip rows, a reconciliation
#   is off by a few. The evidence is in the log of whoever *uses* the answers.
# * **Client or server fault.** A `4xx` means the caller sent something wrong; a `5xx`,
#   a timeout or a connect error points at the callee. When the callee is someone else's
#   and it is failing on its own side, nothing you submit to it will be accepted: protect
#   your service and tell its owners.

# %%
import textwrap

import apidebug_nb as adb
from apidebug_nb import act
from apidebug_nb.scenarios.catalogue import task_level, task_spec

for task in adb.TASKS[3:]:
    spec = task_spec(task)
    level, skills = task_level(task)
    print(f"{task}: {spec.title} ({level}; {spec.per_episode} problems, {spec.max_steps} steps)")
    print(textwrap.indent(textwrap.fill("trains: " + ", ".join(skills), 88), "    "))

# %% [markdown]
# ## Worked example: a retry storm you cannot fix at the source
#
# After a long GC pause, inventory (another team's service) sheds load with `503` and
# `Retry-After`. The cart is yours. This example plays a *seeded variant* on its own
# episode `walk`; the dashboard further down is a different incident.

# %%
walk = adb.Episode(adb.load_scenario("retry_storm", seed=3))
obs, info = walk.reset()
print("alerts:", *obs.alerts, sep="\n  ")
print("health:", obs.health)

# %% [markdown]
# A share fails, the rest works: a partial failure. The cart's log counts both outcomes.

# %%
obs = walk.step(adb.Action.inspect_logs("cart_service"))[0]
for line in obs.logs[-4:]:
    print(textwrap.shorten(line.split(maxsplit=3)[3], 150))

# %% [markdown]
# Inventory is the one shedding load. What happens if we try to change it?

# %%
act(walk, adb.Action.submit_fix("inventory_service", {"retry_after_s": 0}))

# %% [markdown]
# Refused, and for a reason worth remembering: the fault is on its owners' side, so the
# remedy is on ours. Each variant breaks two of the cart's four protections; the hints
# name them without giving values. Here are this variant's problems and what the
# contract asks (these are the hint texts an engineer could also ask for):

# %%
for issue in walk.scenario.issues:
    print("-", issue.hints.contract)

# %% [markdown]
# ## Self-check: a fix that only looks like one
#
# A retry budget of 100 % sounds generous: every failed call may be retried once. Try it
# on a fresh copy of the canonical incident (no step is spent), read the feedback, and
# decide why the contract refuses it before you read on.

# %%
from apidebug_nb import try_fix

try_fix("retry_storm", "cart_service", {"retry.budget_percent": 100})

# %% [markdown]
# ## Worked example: every request answers 200
#
# The reconciliation job pages through the ledger. No request fails; the alert is about
# wrong counts, and the evidence is in the job's own log.

# %%
pages = adb.Episode(adb.load_scenario("pagination_drift", seed=5))
obs, info = pages.reset()
print("alerts:", *obs.alerts, sep="\n  ")
obs = pages.step(adb.Action.inspect_logs("reconciler"))[0]
warned = [line for line in obs.logs if " WARN " in line]
print(textwrap.shorten(warned[-1].split(maxsplit=3)[3], 200))

# %% [markdown]
# ## Your turn: the dashboard
#
# Paid orders stopped shipping: a partner's signed webhooks are refused by your handler.
# Two problems, one behind the other. Start from the graph: which service is shown as
# failing, and is that where the fault is? Then read both ends of the failing call.

# %%
dash = adb.Dashboard("webhook_skew")
dash

# %% [markdown]
# ## Reflection questions
#
# 1. In the webhook incident, the partner shows as failing and your handler as healthy.
#    Why does health blame that side for a `401`, and what in the logs tells you the
#    fault is yours?
# 2. After the signature verifies, events are refused as stale. Why is widening the
#    tolerance window not a fix, even though it would make the errors stop?
# 3. In the retry storm, which of the cart's settings make the outage *longer*, and
#    which only make it *visible* to customers?
# 4. A share of the CA rotation's pods fail and the others do not. What would you compare
#    between two pods first?
# 5. Why can the pagination incident run for weeks before anyone notices, and what alert
#    would have caught it on the first day?

# %% [markdown]
# ## Stuck for good? The walk-through of your incident
#
# Solve the dashboard first. The control below plays the reference solution of the
# dashboard's incident, step by step with what each step showed, then its grade; nothing
# is shown until you press it.

# %%
from apidebug_nb.views.walkthrough import Walkthrough

Walkthrough("webhook_skew")
