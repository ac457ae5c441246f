# %% tags=["nbval-skip"]
# On a hosted Jupyter without apidebug_nb, this installs it; elsewhere it does nothing.
try:
    import apidebug_nb  # noqa: F401
except ImportError:
    get_ipython().run_line_magic("pip", 'install --quiet "apidebug_nb==0.1.0"')

# %% [markdown]
# # Instructor guide: scenarios, variants and class grading
#
# For instructors and teaching assistants. Everything here also exists as the
# `apidebug-nb` command line (`apidebug-nb --help`).
#
# ## Learning objectives
#
# By the end of this guide you can:
#
# 1. author a small scenario as a data file and validate it, reading the error when it
#    is wrong;
# 2. generate practice scenarios and hand each student a variant of a built-in task;
# 3. grade a folder of transcripts by replay (never by the claimed number);
# 4. read a class summary and spot who needs help.

# %%
import json
import tempfile
import textwrap
from pathlib import Path

import apidebug_nb as adb

workdir = tempfile.TemporaryDirectory()  # everything this guide writes goes here
folder = Path(workdir.name)

# %% [markdown]
# ## 1. Authoring a scenario as data
#
# A scenario is plain data (YAML, TOML or JSON) in format 2: services with configs and
# an `editable` flag, call edges, **flows** (the requests that enter the system: a name,
# the entry service, how many per step, and the hops they travel) and issues. Each
# issue's `check` is a **rule**, data again, never code: here `eq` (two values equal)
# and `ge` (at least, against another service's setting with a unit `factor`). The
# issue is resolved exactly when its rule holds. An issue also names the `hop` it
# breaks and a `failure` kind (`missing_credentials`, `timeout`, ...), which fixes the
# pipeline stage, the status and the headers; `share` says which part of the traffic
# fails (here: the requests slower than the timeout). You never write symptoms: every
# log line, endpoint answer and alert is derived from the simulated requests, and so is
# which issue hides which (a request stopped with `401` at authentication never reaches
# the point where it could time out). YAML is read with `yaml.safe_load`, so nothing in
# a file can run code.

# %%
scenario_yaml = """
format: 2
id: cache-api
title: Product API behind a cache
description: >-
  The storefront shows errors for every product page. The storefront (yours)
  calls the product API (another team's).
max_steps: 12
services:
  - name: storefront
    role: storefront (ours)
    editable: true
    config:
      api_url: https://products.internal/v2
      api_token: ""
      timeout_s: 1
  - name: product_api
    role: product API (another team's)
    editable: false
    config:
      base_url: https://products.internal/v2
      shared_token: tok_products_91
      p50_processing_ms: 600
      max_processing_ms: 2500
edges:
  - [storefront, product_api]
flows:
  - name: GET /products/42
    entry: storefront
    requests: 30
    hops:
      - {caller: storefront, callee: product_api, method: GET, path: /products/42}
issues:
  - id: cache.token
    service: storefront
    title: Storefront sends no API token
    category: authentication
    severity: critical
    check: {eq: [storefront.api_token, {ref: product_api.shared_token}]}
    reference_fix: {api_token: tok_products_91}
    hop: [storefront, product_api]
    failure: missing_credentials
    explanation: >-
      The storefront's token was empty, so the product API refused every call.
      Next time: on a 401, compare the credential you send with the provider's.
    hints:
      nudge: The product API refuses the storefront's calls. What does it need to know who is calling?
      setting: The setting is storefront.api_token.
      contract: The token must be the product API's shared_token.
  - id: cache.timeout
    service: storefront
    title: Timeout below the product API's processing time
    category: networking
    severity: error
    check: {ge: [storefront.timeout_s, {ref: product_api.max_processing_ms, factor: 0.001}]}
    reference_fix: {timeout_s: 5}
    hop: [storefront, product_api]
    failure: timeout
    share: {slow: [storefront.timeout_s, product_api.p50_processing_ms, product_api.max_processing_ms]}
    explanation: >-
      Once authenticated, requests took up to 2.5 s but the storefront waited 1 s.
      Next time: set timeouts from the provider's worst case, not its average.
    hints:
      nudge: Requests now get through, but the storefront gives up on some. Compare how long each side waits.
      setting: The setting is storefront.timeout_s.
      contract: The timeout must be at least the product API's max_processing_ms in seconds.
"""
path = folder / "cache_api.yaml"
path.write_text(scenario_yaml)
custom = adb.load_scenario_file(path)
print(custom.id, "|", custom.title, "|", len(custom.issues), "issues")
print("hidden by (derived):", {i.id: list(i.depends_on) for i in custom.issues})
print("reference solver:", [(a.kind, a.service, a.changes) for a in adb.oracle_actions(custom)])

# %% [markdown]
# Validation runs on load: unknown services and edges, duplicate ids, a missing flow, a
# hop no flow travels or a stage no request reaches, a reference fix that does not
# satisfy its own check, a check the broken config already satisfies, hints that leak
# the answer, unknown placeholders, declared masks the pipeline does not produce. Here
# is one deliberate
# error: the reference fix for the timeout is too small (2 s against 2.5 s). The
# error names the file, the issue, the field and the rule.

# %%
broken = scenario_yaml.replace("reference_fix: {timeout_s: 5}", "reference_fix: {timeout_s: 2}")
(folder / "broken.yaml").write_text(broken)
try:
    adb.load_scenario_file(folder / "broken.yaml")
except adb.ScenarioError as error:
    print(textwrap.fill(str(error), 92))
    print("rule:", error.rule, "| issue:", error.issue, "| field:", error.field)

# %% [markdown]
# A custom scenario plays exactly like a built-in one, in an episode or a dashboard:

# %%
trial = adb.Episode(custom)
trial.reset()
for action in adb.oracle_actions(custom):
    trial.step(action)
print(trial.grade().render_text())

# %%
adb.Dashboard(custom)

# %% [markdown]
# ## 2. Generated practice and per-student variants
#
# `generate_scenario(n_services, n_issues, seed)` builds a random topology with
# issues drawn from contract templates: endless practice, always solvable.

# %%
practice = adb.generate_scenario(4, 3, seed=1)
print(practice.id, "|", practice.max_steps, "steps")
print("calls:", ", ".join(f"{a} -> {b}" for a, b in sorted(practice.graph.edges)))
print("issues:", *(f"{i.id} ({i.category})" for i in practice.issues), sep="\n  ")

# %% [markdown]
# For an assessment, give every student a different **variant** of a task: same
# learning goals, different problem subsets and values, so answers cannot be copied.
# `assign_variants(students, task, salt)` derives each student's seed from their id and
# a private course salt (a new salt gives new variants next term); the roster CSV is
# what you hand out and what grading checks against.

# %%
from apidebug_nb.instructor.variants import read_roster_csv, write_roster_csv

students = ["ada", "grace", "linus", "margaret", "alan"]
variants = adb.assign_variants(students, "medium", salt="intro-to-apis-2026")
for student, seed in variants.items():
    issues = ", ".join(i.id for i in adb.load_scenario("medium", seed=seed).issues)
    print(f"{student:<9} medium-{seed:<11} {issues}")
roster_csv = write_roster_csv(variants, "medium", folder / "roster.csv")
roster = read_roster_csv(roster_csv)

# %% [markdown]
# The same from a terminal: `apidebug-nb variants --task medium --salt intro-to-apis-2026
# --csv roster.csv ada grace linus margaret alan`.
#
# ## 3. Grading a folder of transcripts by replay
#
# Students hand in the transcript their dashboard autosaves (or `ep.transcript()`
# saved as JSON). To show the workflow we simulate five hand-ins: a careful student,
# one who let the baseline agent play, one who tried a wrong fix and stopped early, one
# who fixed everything without looking and then edited the claimed score, and one who
# played the canonical incident instead of their variant.

# %%
submissions = folder / "submissions"
submissions.mkdir()


def hand_in(student, episode, edit=None, seconds_apart=20.0):
    # These hand-ins are played by code: give each one a pace, a person's by default
    start = 1_780_000_000.0
    episode.action_times = [start + seconds_apart * n for n in range(episode.steps)]
    transcript = episode.transcript()
    if edit:
        edit(transcript)
    (submissions / f"{student}.json").write_text(json.dumps(transcript))


def played(student, scenario, actions):
    ep = adb.Episode(scenario, learner_id=student)
    ep.reset()
    for action in actions:
        ep.step(action)
    return ep


medium = {student: adb.load_scenario("medium", seed=seed) for student, seed in variants.items()}
reference = {student: adb.oracle_actions(sc) for student, sc in medium.items()}
# ada: careful and complete
hand_in("ada", played("ada", medium["ada"], reference["ada"]))
# grace: let the baseline agent play
hand_in(
    "grace",
    adb.play(adb.BaselineAgent(), adb.Episode(medium["grace"], learner_id="grace")),
    seconds_apart=0.05,  # a script's pace
)
# linus: a rate just under the old one (a common misconception), one real fix, then stopped
near_miss = adb.Action.submit_fix("webhook_sender", {"send_rate_per_s": 45})
hand_in("linus", played("linus", medium["linus"], [near_miss] + reference["linus"][:2]))
# margaret: fixed everything without looking, then edited the claimed score
blind = [a for a in reference["margaret"] if a.kind == "submit_fix"]
hand_in(
    "margaret",
    played("margaret", medium["margaret"], blind),
    edit=lambda t: t["claimed"].update(score=1.0),
)
# alan: played the canonical incident instead of his own variant
hand_in(
    "alan",
    played("alan", adb.load_scenario("medium"), adb.oracle_actions(adb.load_scenario("medium"))),
)
print(sorted(p.name for p in submissions.iterdir()))

# %% [markdown]
# `grade_transcripts(folder, roster)` replays every file; the score is always the
# replay's. Each row carries flags when a file needs a look: `tampered` (the claim
# disagrees with the replay, or any field was edited: a digest binds the learner id,
# the times, the package version and the finished flag too), `truncated`
# (unfinished), `wrong-variant`, `scenario-mismatch` (not the scenario you hand out),
# `invalid`, `duplicate`, `unknown-learner`, `missing`, and `check: scripted?`.
#
# **What grading by replay can and cannot prove (the threat model).**
#
# * *Replay proves what was done.* The score is recomputed from the actions, on a
#   scenario you trust: a built-in task is rebuilt from its task and seed, and a
#   scenario file is matched by content hash against your own files
#   (`apidebug-nb grade DIR --scenarios lab.yaml`). A transcript that carries a
#   cut-down or edited scenario is flagged `scenario-mismatch` and not graded.
# * *Variants stop copying.* Each student's seed gives other contract values, so a
#   classmate's transcript replays as the wrong variant.
# * *Nothing stops a student from running the reference solver locally* on their own
#   variant and handing in its transcript: replay proves the actions, not who chose
#   them.
# * *The flag and the timings help you decide.* Play at machine speed (a median of
#   under a second between actions: nobody reads a log that fast) is flagged
#   `check: scripted?`. It is not a fail: the CSV and the report show the seconds
#   between actions, and the next step is a conversation, not a zero. Below, grace
#   let the baseline agent play, and her row says so.

# %%
from apidebug_nb.instructor.classroom import summarise

rows = adb.grade_transcripts(submissions, roster)
for row in rows:
    score = "-" if row["score"] is None else f"{row['score']:.2f}"
    claimed = "-" if row["claimed_score"] is None else f"{row['claimed_score']:.2f}"
    print(f"{row['learner_id']:<9} replayed {score:>5}  claimed {claimed:>5}  {row['status']}")
    for reason in row["reasons"]:
        print(textwrap.fill(reason, 88, initial_indent="    - ", subsequent_indent="      "))

# %% [markdown]
# The command line gives the same table (and can write a CSV and the HTML report):
# `apidebug-nb grade submissions --roster roster.csv --csv grades.csv --report report.html`.

# %%
from apidebug_nb.cli import main as apidebug_nb_cli

exit_code = apidebug_nb_cli(["grade", str(submissions), "--roster", str(roster_csv)])

# %% [markdown]
# ## 4. A class summary
#
# `summarise(rows)` gives the class-level numbers: scores of the replayed files, how
# often each problem was solved (hardest first: what to teach again), the fixes that
# most often had no effect (common misconceptions) and the flagged files.

# %%
summary = summarise(rows)
print(f"{summary['graded']} graded of {summary['files']} files; status: {summary['status']}")
print(f"mean {summary['mean_score']:.2f}, median {summary['median_score']:.2f}")
print("problems, hardest first:")
for entry in summary["per_issue"]:
    print(f"  {entry['solved']}/{entry['attempts']} solved  {entry['title']}")
print("fixes without effect:", summary["fixes_without_effect"] or "none")
print("flagged:", ", ".join(f"{r['learner_id']} ({r['status']})" for r in summary["flagged"]))

# %% [markdown]
# The class report is one self-contained HTML file (charts with text alternatives and
# tables) that you can open in a browser or share with colleagues:

# %%
import re

from apidebug_nb.views.class_report import write_class_report

report = write_class_report(rows, folder / "report.html", title="Webhooks, week 3")
html = report.read_text()
print("sections:", re.findall(r"<h2>(.*?)</h2>", html))

# %% [markdown]
# ## Self-check
#
# * **Q1.** Your new scenario fails to load with "a check already satisfied by the
#   broken config". What is wrong? **A** the YAML syntax, **B** the issue would be
#   resolved from the start, so the learner has nothing to fix, **C** the hints leak
#   the answer.
# * **Q2.** Why derive each student's variant from a seed instead of editing values
#   by hand? **A** seeds are shorter to type, **B** a seed gives a reproducible,
#   validated, solvable variant that replay-grading can rebuild, **C** hand-edited
#   scenarios cannot be graded.
# * **Q3.** A transcript verifies as "ok". What does that prove? **A** the claimed
#   grade and observations match a replay of its actions, **B** the student worked
#   alone, **C** the student used no hints.

# %%
quiz = adb.Quiz.for_lesson("05_instructor_guide")  # the answer key lives in the package

# %%
quiz.check("Q1", "")
quiz.check("Q2", "")
quiz.check("Q3", "")

# %% [markdown]
# ## Reflection
#
# 1. Which real incident from your own experience would make a good scenario? Write
#    down its services, the broken contract, and what would mask it.
# 2. What would you tell a student whose fix dimension is full but whose diagnosis is
#    low?
# 3. How would you use the class means per dimension to plan the next session?

# %%
workdir.cleanup()
