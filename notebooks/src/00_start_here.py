# %% tags=["nbval-skip"]
# On a hosted Jupyter without apidebug_nb, this installs it; elsewhere it does nothing.
try:
    import apidebug_nb  # noqa: F401
except ImportError:
    get_ipython().run_line_magic("pip", 'install --quiet "apidebug_nb==0.1.0"')

# %% [markdown]
# # Start here: debugging broken API integrations
#
# Welcome. In these labs you play the engineer on call: something between a few
# services is broken, customers notice, and you have a limited number of steps to
# find out what and fix it. Everything is simulated, so you can experiment freely.
#
# **How to use a notebook:** run the cells from top to bottom with *Shift+Enter*.
# Code cells that print something already show their output; running them again
# gives the same result. Nothing here needs a network connection.
#
# ## Learning objectives
#
# By the end of this notebook you can:
#
# 1. explain what an **API integration** is and what its **contract** is;
# 2. read a **service graph**: who calls whom, which services are yours, which are healthy;
# 3. read the three kinds of evidence: **logs**, **configs** and **endpoint answers**;
# 4. submit a **fix** as a JSON merge patch and read the feedback;
# 5. use the **dashboard** that the next labs are built around.

# %%
import json
import textwrap

import apidebug_nb as adb
from apidebug_nb import act

print("apidebug_nb", adb.__version__, "| built-in tasks:", ", ".join(adb.TASKS))

# %% [markdown]
# ## 1. Integrations and contracts
#
# An **API integration** is one program (the *caller*) sending requests to another
# (the *callee*): a checkout calling a payment provider, a webhook sender posting to a
# receiver. The callee publishes what it needs; that is its **contract**:
#
# | the callee requires...                      | if the caller breaks it, you typically see                     |
# |---------------------------------------------|----------------------------------------------------------------|
# | its current URL and API version              | `404 Not Found`, `410 Gone`                                    |
# | credentials in the right scheme, still valid | `401 Unauthorized` with a `WWW-Authenticate` header             |
# | a signature it can verify                    | `401` with `error="invalid_signature"`                          |
# | a request rate within its limit              | `429 Too Many Requests` for the excess, with `Retry-After`      |
# | a body type and encoding it can read         | `415 Unsupported Media Type` with `Accept`, `400`               |
# | time to do the work                          | no answer: the caller gives up ("timed out"), its caller gets `504` |
#
# A callee checks each request in this order, like a real server: the **route** (URL,
# path, version), the **credentials**, its **admission** (rate limit, load), the
# **body** (media type, encoding), then it does the **work** (in time, or the caller
# gives up). A request stops at the first check it fails. So one request never shows
# two failures, and a problem further down the list stays hidden until the ones in
# front of it are fixed.
#
# In these labs the callee's **config is its contract**, and each caller's **config**
# must satisfy it. An incident is a set of **broken contracts**. You may only edit the
# services your team owns; a vendor's or another team's service is the contract you
# must meet, so the fix always goes on the calling side.
#
# Here is a tiny system with one broken contract: `edge_000` (yours) calls
# `vendor_001` (not yours).

# %%
tiny = adb.generate_scenario(2, 1, seed=2)
print(tiny.title)
for name in tiny.services:
    service = tiny.service(name)
    owner = "yours, editable" if service.editable else "not yours"
    print(f"  {name}: {owner}")
print("calls:", ", ".join(f"{a} -> {b}" for a, b in sorted(tiny.graph.edges)))

# %% [markdown]
# The caller keeps its settings for each upstream it calls under `upstreams`. Compare
# the two configs side by side: which setting of `edge_000` has a counterpart in
# `vendor_001`'s config?

# %%
configs = tiny.configs()
print("edge_000 -> vendor_001 settings:")
print(json.dumps(configs["edge_000"]["upstreams"]["vendor_001"], indent=2))
print("vendor_001 (the contract):")
print(json.dumps(configs["vendor_001"], indent=2))

# %% [markdown]
# Pairs to compare: `base_url` with `base_url` (an address in `retired_base_urls` answers
# `410 Gone`), `auth.key_id` with `auth.accepted_key_ids` and `auth.audience` with
# `auth.audience`, `signing` with `signing` (same algorithm and header, a `key_id` among
# its `accepted_key_ids`), `content_type` with `accepted_content_types`, `encoding` with
# `accepted_encodings`, `send_rate_per_s` with `rate_limit_per_s` (above zero, at most the
# limit), `retry` with `retry_contract`, `breaker` with `breaker_max_failures`, and
# `timeout_s` with `max_processing_ms` (mind the units!) *and* with the caller's own
# `deadline_s`: every attempt, retries included, must fit in it.
#
# Notice what the provider never shows: a token or a secret. It publishes the *ids* of
# the keys it accepts, its issuer and audience; each side keeps its secrets in its own
# store, and the caller's fix is its own key reference, never a value copied from the
# other side. One pair disagrees. You will confirm it from the evidence below instead
# of guessing.
#
# ## 2. Reading a service graph
#
# Calls flow from left to right, in **layers**: layer 1 calls layer 2, and so on.
# Each service shows its health as a **word and a glyph**, never by colour alone:
# `healthy`, `degraded` (some of its requests fail, or a failure elsewhere starves it
# of traffic) or `error` (half of its requests or more fail).
# `yours` services can be edited; `external` ones cannot. A `?` badge means a
# failure there may be hiding another problem (you will meet this in lab 01).
#
# An `Episode` is one attempt at an incident: it holds the current configs, the clock
# and your steps. `reset()` starts it and returns the first observation.

# %%
ep = adb.Episode(tiny)
obs, info = ep.reset()
print(obs.message)
print("alerts:", obs.alerts)

# %% [markdown]
# Every picture in these labs comes with a **text twin** that says the same in words
# (screen readers and plain-text front ends get the twin). `picture(draw, text, ...)`
# shows both: the drawing where images display, the words everywhere else.

# %%
from apidebug_nb import graph_text, picture, plot_service_graph

picture(plot_service_graph, graph_text(ep), ep)

# %% [markdown]
# The same reading works for bigger systems. This is the graph of the hard lab:
# five services in four layers, two of them yours.

# %%
hard_tour = adb.Episode(adb.load_scenario("hard"))
hard_tour.reset()
print(graph_text(hard_tour))

# %% [markdown]
# ## 3. Evidence: logs, configs and endpoints
#
# Every action costs **one step** of a limited budget, and the simulated clock moves
# on. Three actions look without changing anything:
#
# * `inspect_logs(service)`: the service's log, oldest first. It is a record: nothing
#   is ever removed, a fix adds a `config reloaded` line and the requests after it
#   show what changed. A line reads `timestamp LEVEL service trace=... req=... event`,
#   with the time in UTC to the millisecond (`2026-03-14T09:04:01.139Z`). The `INFO`
#   lines at start-up quote the config the service actually loaded. Each step is a
#   window of traffic: one example line per outcome, then a count of the others
#   (`... 27 more like this in this step`). One request keeps its `trace=` id on every
#   service it passes, so you can follow it from caller to callee.
# * `inspect_config(service)`: the current config.
# * `inspect_endpoint(service)`: send one traced test request through the service.
#   You see its answer (status, headers, body, request and trace ids) and its trace:
#   every hop it took, with its status and time, the first failing hop marked.
#
# Two functions of the library print what a step revealed as text:
# `act(episode, action)` takes the step and prints it, `show(obs)` prints an
# observation you already have.

# %%
act(ep, adb.Action.inspect_logs("edge_000"))
act(ep, adb.Action.inspect_endpoint("edge_000"))
act(ep, adb.Action.inspect_logs("vendor_001"))

# %% [markdown]
# Some requests succeed (`201 Created`), the others time out: the caller waits 1 s, and
# the provider, whose contract says work can take up to `max_processing_ms`, logs the
# same `req=` ids as finished after the caller had gone (`client_gone`). The test
# request's trace shows the same from the outside: no answer on the hop to
# `vendor_001`, so `edge_000` answered its own caller `504`. Symptoms describe *what
# an engineer sees*, never the diagnosis: connecting the timeout in the log with the
# number in the contract is your job.
#
# ## 4. Fixing: JSON merge patches
#
# A fix is a **JSON merge patch** (RFC 7396) against one service's config: objects
# merge key by key, any other value replaces, and `null` (`None` in Python) deletes a
# key. Dotted keys are shorthand for nesting, so these two patches are the same:
#
# ```python
# {"upstreams": {"vendor_001": {"timeout_s": 2}}}
# {"upstreams.vendor_001.timeout_s": 2}
# ```
#
# After every fix the simulator re-checks every contract. Watch the feedback when the
# setting is right but the value is not enough yet:

# %%
act(ep, adb.Action.submit_fix("edge_000", {"upstreams.vendor_001.timeout_s": 2}))
act(ep, adb.Action.submit_fix("vendor_001", {"max_processing_ms": 500}))

# %% [markdown]
# The first fix touched the right setting, so the message says so without giving the
# value away. The second was refused: `vendor_001` is not yours. Both cost a step and
# a refused fix changes nothing. The contract has two sides: the timeout must cover
# the provider's `max_processing_ms` (4000 ms) converted to seconds, plus a fifth, so at
# least 4.8 s; and all of `edge_000`'s attempts (two retries, with backoffs of 0.5 s and
# 1 s) must fit its `deadline_s` of 40 s, so at most about 12.8 s. A timeout of 86400 s
# would never do. Ten seconds fits both:

# %%
act(ep, adb.Action.submit_fix("edge_000", {"upstreams.vendor_001.timeout_s": 10}))
print(graph_text(ep))

# %% [markdown]
# Once a problem is fixed its explanation is unlocked, and the episode can be graded.
# The grade rewards results first, then the process: looking before fixing, not
# wasting steps, and not leaning on hints (lab 04 explains it in full).

# %%
for item in ep.explanations():
    print(item["title"])
    print(textwrap.fill(item["explanation"], 92))
print()
print(ep.grade().render_text())

# %% [markdown]
# ## 5. A guided tour of the dashboard
#
# The dashboard puts all of this on one screen: a header (incident, steps left,
# problems fixed), a service picker, the action buttons, the log and config viewers,
# a fix editor, the message area, the live service graph, hints, and a finish panel
# with your grade and the explanations.
#
# **Try it:** run the next cell, pick `edge_000`, press *Inspect logs*, then *Show config*, then
# type a fix in the editor (for example key `upstreams.vendor_001.timeout_s`, value
# `10`) and submit it. Malformed JSON is caught in the editor and costs no step.
# Your clicks only change this dashboard; no later cell depends on them.

# %%
dash = adb.Dashboard(adb.generate_scenario(2, 1, seed=2))
dash

# %% [markdown]
# Every button has a twin in code, which is handy for scripts and for checking your
# understanding. Here the twins drive a **second** dashboard, `tour`, so whatever you
# clicked above stays as it is. The cell after it prints the second dashboard's state as
# plain text.

# %% tags=["nbval-ignore-output"]
tour = adb.Dashboard(adb.generate_scenario(2, 1, seed=2))
tour.inspect_logs("edge_000")
tour.inspect_config("edge_000")
tour.submit_fix("edge_000", {"upstreams.vendor_001.timeout_s": 10})
tour

# %%
print(tour.render_text())

# %% [markdown]
# ## Self-check
#
# Put a letter between the quotes in each call and run the cell; every option gives
# feedback, so wrong answers teach too.
#
# * **Q1.** A caller's log shows `-> 401 Unauthorized; WWW-Authenticate: Bearer`. Which
#   part of the contract do you check first? **A** the URL and version, **B** the credentials and their
#   scheme, **C** the timeout.
# * **Q2.** Service `vendor_001` is external and its `rate_limit_per_s` is 20; yours
#   sends 40 per second. Where does the fix go? **A** raise the vendor's limit,
#   **B** lower your send rate, **C** both.
# * **Q3.** A patch `{"retry": {"backoff_s": 2}}` is applied to a config whose `retry`
#   block is `{"max_retries": 3, "backoff_s": 0}`. What is `retry` afterwards?
#   **A** `{"backoff_s": 2}`, **B** `{"max_retries": 3, "backoff_s": 2}`, **C** the
#   patch is refused.

# %%
quiz = adb.Quiz.for_lesson("00_start_here")  # the answer key lives in the package

# %%
quiz.check("Q1", "")
quiz.check("Q2", "")
quiz.check("Q3", "")

# %% [markdown]
# ## Reflection
#
# Take two minutes and write your answers in the cell below (double-click to edit).
#
# 1. In your own words: why is the fix always on the caller's side in these labs? When
#    would that not be true in real life?
# 2. The first fix attempt (`timeout_s: 2`) was "right setting, wrong value". What
#    evidence would have let you pick the right value the first time?
# 3. Which of the three kinds of evidence (logs, config, endpoint) told you the most
#    here, and which would you look at first next time?
# 4. Why can a fix make a *new* error appear in a log? Is that bad news?
#
# *Your notes:*
#
# ## Next
#
# Open **01_easy_payment_gateway**: a checkout that cannot take payments.
