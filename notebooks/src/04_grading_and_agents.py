# %% tags=["nbval-skip"]
# On a hosted Jupyter without apidebug_nb, this installs it; elsewhere it does nothing.
try:
    import apidebug_nb  # noqa: F401
except ImportError:
    get_ipython().run_line_magic("pip", 'install --quiet "apidebug_nb==0.1.0"')

# %% [markdown]
# # Lab 04: grading, agents and transcripts
#
# Every episode is graded from its action list alone. This lab opens the rubric,
# compares the reference solver with scripted agents (and one you write), and shows
# how transcripts let an instructor re-grade any episode by replay.
#
# ## Learning objectives
#
# By the end of this lab you can:
#
# 1. state the four grade dimensions and why process credit is **gated by results**;
# 2. predict the grade of a strategy (doing nothing, only looking, fixing blind,
#    revealing answers) before running it;
# 3. write a small agent with `reset()` and `act(observation)` and compare it with the
#    baseline;
# 4. record a transcript, replay it, and detect a tampered claim.

# %%
import json

import apidebug_nb as adb
from apidebug_nb import BaselineAgent, InspectOnlyAgent, RandomPatchAgent, picture, play, plot_grade

# %% [markdown]
# ## 1. The rubric
#
# | dimension  | weight | what it measures |
# |------------|--------|------------------|
# | fix        | 0.40   | problems resolved (and not revealed) at the end, out of all |
# | strategy   | 0.25   | share of fixes not made blind (the problem was visible and its evidence seen), times the mean of: few fixes that changed nothing, few repeated looks without change, few rejected actions |
# | diagnosis  | 0.20   | share of fixes preceded, after the problem surfaced, by a look at evidence of *that* problem and, where its contract lives elsewhere, at that contract |
# | efficiency | 0.15   | 1 at the careful engineer's step count (see the evidence, read the contract, fix), 0 at the step budget |
#
# The process dimensions are **multiplied by the fix result**:
#
# `score = 0.40·fix + fix·(0.25·strategy + 0.20·diagnosis + 0.15·efficiency) − hint penalty`
#
# So a perfect process that fixes nothing scores 0: there is no credit for looking
# busy. The reference solver scores 1.0.

# %%
scenario = adb.load_scenario("medium")


def run(actions):
    """A fresh episode on the medium incident after ``actions``."""
    ep = adb.Episode(scenario)
    ep.reset()
    for action in actions:
        ep.step(action)
    return ep


reference = run(adb.oracle_actions(scenario))
print(reference.grade().render_text())

# %% [markdown]
# ## 2. Predict, then run
#
# Before running the next cell, predict each strategy's score: **doing nothing**;
# **only looking** (a dozen inspections); **fixing blind** (the right fixes, no
# inspection at all); **revealing** each answer as soon as its problem is visible, and
# applying it.

# %%
fixes = [a for a in adb.oracle_actions(scenario) if a.kind == "submit_fix"]
looks = [adb.Action.inspect_logs(s) for s in scenario.services] * 4
# issue_status() lists the problems in the order the reference solver fixes them;
# a hidden problem cannot be revealed, so reveal each one just before its fix.
in_order = list(run([]).issue_status())
reveal_then_fix = [
    a
    for issue_id, fix in zip(in_order, fixes, strict=True)
    for a in (adb.Action.reveal(issue_id), fix)
]
strategies = {
    "doing nothing": run([]),
    "only looking": run(looks),
    "fixing blind": run(fixes),
    "revealing": run(reveal_then_fix),
    "reference solver": reference,
}
print(f"{'strategy':<18}{'score':>7}{'fix':>7}{'strat.':>7}{'diag.':>7}{'eff.':>7}")
for name, ep in strategies.items():
    g = ep.grade()
    d = g.dimensions
    print(
        f"{name:<18}{g.score:>7.2f}{d['fix']:>7.2f}{d['strategy']:>7.2f}{d['diagnosis']:>7.2f}{d['efficiency']:>7.2f}"
    )

# %% [markdown]
# Doing nothing and only looking both score 0, however tidy their process: the
# process dimensions count only through `fix`. Fixing blind earns the full fix
# dimension but neither diagnosis nor strategy: only its short path earns efficiency. Revealing every answer and
# applying it scores 0: a revealed problem earns no fix credit. Each dimension
# explains itself:

# %%
blind = strategies["fixing blind"].grade()
picture(plot_grade, blind.render_text(), blind)

# %% [markdown]
# **Check the formula yourself:** recompute the blind fixer's score from its
# dimensions and hint penalty.

# %%
d = blind.dimensions
recomputed = (
    0.40 * d["fix"]
    + d["fix"] * (0.25 * d["strategy"] + 0.20 * d["diagnosis"] + 0.15 * d["efficiency"])
    - blind.to_dict()["hint_penalty"]
)
print(f"recomputed {recomputed:.4f} vs grade {blind.score:.4f}")

# %% [markdown]
# ## 3. Agents
#
# The same incidents are a Gymnasium-style environment: `reset()` returns an
# observation, `step(action)` returns `(obs, reward, terminated, truncated, info)`.
# `play(agent, scenario)` runs an agent that sees **only observations**, never the
# scenario's rules or answers, just like you.
#
# * `BaselineAgent` reads every config and compares settings with the contracts using
#   generic heuristics (a value missing from an `accepted_*` list, a URL in a
#   `deprecated_*` list, a timeout below a `max_*_ms`, ...), asking for hints when stuck.
# * `RandomPatchAgent` submits random patches: a floor to beat.
# * `InspectOnlyAgent` only looks, and therefore always scores 0.
#
# ### Your agent
#
# Below is a small **runbook agent**: it reads the failing service's logs and config,
# then applies the runbook entry of each symptom it finds there, and looks again after
# every fix, because a fix can uncover the next symptom (on the canonical incident the
# `415` appears only once the `401` is fixed). Its runbook only knows `401` and `415`. Extend `RUNBOOK` (for example with `r"-> 410"` and `r"timed out"`)
# and see how its scores change on the variants. (For `410` the agent needs the
# gateway's current URL: let it read the gateway's config too.)

# %%
import re

RUNBOOK = {
    # a symptom in the logs (a regular expression) -> function(config) giving a merge patch
    r"-> 401": lambda config: {"headers.Authorization": f"Bearer {config['api_key']}"},
    r"-> 415": lambda config: {"headers.Content-Type": "application/json"},
}


class RunbookAgent:
    """Look at the failing service, then apply the runbook entry of each symptom it logs."""

    def reset(self):
        self.service = None
        self.config = None
        self.applied = set()
        self.looked = False

    def act(self, obs):
        if self.service is None:
            self.service = next(s for s, h in obs.health.items() if h == "error")
            return adb.Action.inspect_config(self.service)
        if self.config is None:
            self.config = obs.config
        if not self.looked:
            self.looked = True
            return adb.Action.inspect_logs(self.service)
        self.looked = False  # look again after every fix: new symptoms may appear
        logs = "\n".join(obs.logs)
        for symptom, remedy in RUNBOOK.items():
            if symptom not in self.applied and re.search(symptom, logs):
                self.applied.add(symptom)
                return adb.Action.submit_fix(self.service, remedy(self.config))
        return adb.Action.hint()  # nothing in the runbook: ask for help


ep = play(RunbookAgent(), adb.load_scenario("easy"))
print(ep.grade().render_text())

# %% [markdown]
# Now every agent on the easy task's canonical incident and four variants. The
# reference solver is the ceiling.

# %%
agents = {
    "baseline": BaselineAgent,
    "random": lambda: RandomPatchAgent(seed=0),
    "inspect-only": InspectOnlyAgent,
    "runbook (yours)": RunbookAgent,
}
seeds = [None, 4, 5, 6, 11]
print(f"{'agent':<18}" + "".join(f"{'seed ' + str(s):>10}" for s in seeds))
for name, make in agents.items():
    scores = [play(make(), adb.load_scenario("easy", seed=s)).grade().score for s in seeds]
    print(f"{name:<18}" + "".join(f"{x:>10.2f}" for x in scores))
oracle_scores = []
for s in seeds:
    sc = adb.load_scenario("easy", seed=s)
    ep = adb.Episode(sc)
    ep.reset()
    for action in adb.oracle_actions(sc):
        ep.step(action)
    oracle_scores.append(ep.grade().score)
print(f"{'reference solver':<18}" + "".join(f"{x:>10.2f}" for x in oracle_scores))

# %% [markdown]
# And the baseline across all three tasks (five variants each):

# %%
for task in adb.TASKS:
    scores = [
        play(BaselineAgent(), adb.load_scenario(task, seed=s)).grade().score for s in range(5)
    ]
    print(
        f"{task:<8}",
        " ".join(f"{x:.2f}" for x in scores),
        f"| mean {sum(scores) / len(scores):.2f}",
    )

# %% [markdown]
# ## 4. Transcripts, replay and verification
#
# Every episode records a **transcript**: the scenario (task and seed, or the full
# data of a custom scenario), the learner id, every action with the wall-clock time it
# was taken, and the grade the episode *claims*. Instructors never trust the claim:
# `replay(t)` rebuilds the episode from the actions and `verify(t)` checks that the
# claimed grade and observations match the replay.

# %%
t = reference.transcript()
print("keys:", sorted(t))
print("scenario:", t["scenario"], "| actions:", len(t["actions"]))
print("first action:", t["actions"][0]["action"])
print("claimed score:", t["claimed"]["score"])
text = json.dumps(t)  # a transcript is plain JSON: save it, mail it, upload it
print("replayed score:", adb.replay(json.loads(text)).grade().score)
print("verified:", adb.verify(json.loads(text)).ok)

# %% [markdown]
# A tampered transcript: someone edits the claimed score of the blind fixer to 1.0.

# %%
forged = strategies["fixing blind"].transcript()
forged["claimed"]["score"] = 1.0
check = adb.verify(forged)
print("verified:", check.ok)
print("replay score:", check.score, "| claimed:", check.claimed_score)
print(*check.reasons, sep="\n")

# %% [markdown]
# ## Self-check
#
# * **Q1.** An agent inspects every service perfectly, then runs out of steps without
#   fixing anything. Its score? **A** about 0.6 (strategy and diagnosis are perfect),
#   **B** 0, **C** 0.4.
# * **Q2.** Why are strategy, diagnosis and efficiency multiplied by `fix`? **A** to
#   make the numbers smaller, **B** so that process credit cannot be earned without
#   results, **C** because they are measured in percent.
# * **Q3.** A student's transcript claims 0.95; `verify` says the replay gives 0.62.
#   Which grade counts? **A** 0.95, **B** 0.62, **C** the average.

# %%
quiz = adb.Quiz.for_lesson("04_grading_and_agents")  # the answer key lives in the package

# %%
quiz.check("Q1", "")
quiz.check("Q2", "")
quiz.check("Q3", "")

# %% [markdown]
# ## Reflection
#
# 1. Which strategy's score surprised you in the prediction exercise, and why?
# 2. Your runbook agent encodes "symptom -> remedy" rules. Where do such rules break
#    down, compared with reading the contract?
# 3. The baseline never sees the scenario's rules, only observations. What does it do
#    that you did too, and what did you do that it cannot?
# 4. Why does a transcript store wall-clock times if the grade never uses them?
#
# *Your notes:*
