"""Build the teaching notebooks in ``notebooks/`` from the cell texts below.

The notebooks are written here as plain strings so that their text can be
reviewed and diffed like code; this script turns them into ``.ipynb`` files
without outputs. Store the outputs afterwards by executing each notebook::

    python docs/build_notebooks.py
    cd notebooks && jupyter nbconvert --to notebook --execute --inplace \
        --ExecutePreprocessor.store_widget_state=False *.ipynb

(Widget state is not stored: it would only repeat what the kernel rebuilds,
and it makes the files large and their diffs noisy.)

Then check them strictly with ``pytest notebooks/`` (nbval compares every
stored text output).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the version of this checkout, installed or not
from apidebug_nb._version import __version__  # noqa: E402

NOTEBOOK_DIR = ROOT / "notebooks"
#: Tag of a cell whose output nbval does not compare (kept out of the text learners read).
IGNORE_TAG = "nbval-ignore-output"


def md(text: str):
    return new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str):
    return new_code_cell(textwrap.dedent(text).strip("\n"))


#: Tag of the first cell of every lab: nbval skips it (the tests run in an environment
#: that has the package), and so does a local run, by its own try-import.
INSTALL_TAG = "nbval-skip"


def install_cell():
    """Install the package when this kernel lacks it (hosted Jupyter: a hub, Colab, Binder).

    The pinned version is the one whose outputs the notebook stores.
    """
    cell = new_code_cell(
        textwrap.dedent(
            f"""
            # On a hosted Jupyter without apidebug_nb, this installs it; elsewhere it does nothing.
            try:
                import apidebug_nb  # noqa: F401
            except ImportError:
                %pip install --quiet "apidebug_nb=={__version__}"
            """
        ).strip("\n")
    )
    cell.metadata["tags"] = [INSTALL_TAG]
    return cell


def ignored(text: str):
    """A cell whose output differs between executions (clicks captured by an Output widget)."""
    cell = new_code_cell(textwrap.dedent(text).strip("\n"))
    cell.metadata["tags"] = [IGNORE_TAG]
    return cell


# -- pieces several notebooks share --------------------------------------------------


def pool_debrief(task: str) -> list:
    return [
        md(
            f"""
            ## Debrief: every problem in this lab's pool

            **Spoilers.** Read this after you have solved the incident (or when you are stuck
            for good). The canonical incident uses only some of the problems below; a seeded
            variant (`adb.load_scenario("{task}", seed=...)`) draws others from the same pool.
            For each one the library gives the root cause, why it broke, and what a
            professional checks next time; the *contract* line is the rule that must hold.
            The *shows at* line names the hop and the pipeline stage where its requests fail:
            while every request stops at an earlier stage (on that hop or on an earlier one),
            the problem stays hidden.
            """
        ),
        code(
            f"""
            from apidebug_nb.model.pipeline import FAILURES

            pool = adb.task_pool("{task}")
            for n, issue in enumerate(pool, start=1):
                failure = FAILURES[issue.failure]
                if failure.stage == "send":
                    answer = "the request is never sent"
                elif failure.stage == "consume":
                    answer = "the caller mishandles the answer"
                elif failure.status is None:
                    answer = "no answer"
                else:
                    answer = f"answer {{failure.status}}" + (", but a wrong outcome" if failure.wrong_outcome else "")
                caller, callee = issue.hop
                print(f"{{n}}. {{issue.title}}")
                print(f"   {{issue.category}}, {{issue.severity}}; fixed in {{issue.service}}")
                print(f"   shows at: the {{failure.stage}} stage of {{caller}} -> {{callee}} ({{answer}})")
                print(textwrap.indent(textwrap.fill(issue.explanation, 92), "   "))
                print("   Contract:", issue.hints.contract)
                print()
            """
        ),
    ]


# -- 00 start here -------------------------------------------------------------------


def start_here() -> list:
    return [
        md(
            """
            # Start here: debugging broken API integrations

            Welcome. In these labs you play the engineer on call: something between a few
            services is broken, customers notice, and you have a limited number of steps to
            find out what and fix it. Everything is simulated, so you can experiment freely.

            **How to use a notebook:** run the cells from top to bottom with *Shift+Enter*.
            Code cells that print something already show their output; running them again
            gives the same result. Nothing here needs a network connection.

            ## Learning objectives

            By the end of this notebook you can:

            1. explain what an **API integration** is and what its **contract** is;
            2. read a **service graph**: who calls whom, which services are yours, which are healthy;
            3. read the three kinds of evidence: **logs**, **configs** and **endpoint answers**;
            4. submit a **fix** as a JSON merge patch and read the feedback;
            5. use the **dashboard** that the next labs are built around.
            """
        ),
        code(
            """
            import json
            import textwrap

            import apidebug_nb as adb
            from apidebug_nb import act

            print("apidebug_nb", adb.__version__, "| built-in tasks:", ", ".join(adb.TASKS))
            """
        ),
        md(
            """
            ## 1. Integrations and contracts

            An **API integration** is one program (the *caller*) sending requests to another
            (the *callee*): a checkout calling a payment provider, a webhook sender posting to a
            receiver. The callee publishes what it needs; that is its **contract**:

            | the callee requires...                      | if the caller breaks it, you typically see                     |
            |---------------------------------------------|----------------------------------------------------------------|
            | its current URL and API version              | `404 Not Found`, `410 Gone`                                    |
            | credentials in the right scheme, still valid | `401 Unauthorized` with a `WWW-Authenticate` header             |
            | a signature it can verify                    | `401` with `error="invalid_signature"`                          |
            | a request rate within its limit              | `429 Too Many Requests` for the excess, with `Retry-After`      |
            | a body type and encoding it can read         | `415 Unsupported Media Type` with `Accept`, `400`               |
            | time to do the work                          | no answer: the caller gives up ("timed out"), its caller gets `504` |

            A callee checks each request in this order, like a real server: the **route** (URL,
            path, version), the **credentials**, its **admission** (rate limit, load), the
            **body** (media type, encoding), then it does the **work** (in time, or the caller
            gives up). A request stops at the first check it fails. So one request never shows
            two failures, and a problem further down the list stays hidden until the ones in
            front of it are fixed.

            In these labs the callee's **config is its contract**, and each caller's **config**
            must satisfy it. An incident is a set of **broken contracts**. You may only edit the
            services your team owns; a vendor's or another team's service is the contract you
            must meet, so the fix always goes on the calling side.

            Here is a tiny system with one broken contract: `edge_000` (yours) calls
            `vendor_001` (not yours).
            """
        ),
        code(
            """
            tiny = adb.generate_scenario(2, 1, seed=2)
            print(tiny.title)
            for name in tiny.services:
                service = tiny.service(name)
                owner = "yours, editable" if service.editable else "not yours"
                print(f"  {name}: {owner}")
            print("calls:", ", ".join(f"{a} -> {b}" for a, b in sorted(tiny.graph.edges)))
            """
        ),
        md(
            """
            The caller keeps its settings for each upstream it calls under `upstreams`. Compare
            the two configs side by side: which setting of `edge_000` has a counterpart in
            `vendor_001`'s config?
            """
        ),
        code(
            """
            configs = tiny.configs()
            print("edge_000 -> vendor_001 settings:")
            print(json.dumps(configs["edge_000"]["upstreams"]["vendor_001"], indent=2))
            print("vendor_001 (the contract):")
            print(json.dumps(configs["vendor_001"], indent=2))
            """
        ),
        md(
            """
            Pairs to compare: `base_url` with `base_url`/`deprecated_base_urls`, `token` with
            `valid_tokens`, `content_type` with `accepted_content_types`, `timeout_s` with
            `max_processing_ms` (mind the units!), `send_rate_per_s` with `rate_limit_per_s`,
            `retry.max_retries` with `min_retries`, and so on. One pair disagrees. You will confirm it from
            the evidence below instead of guessing.

            ## 2. Reading a service graph

            Calls flow from left to right, in **layers**: layer 1 calls layer 2, and so on.
            Each service shows its health as a **word and a glyph**, never by colour alone:
            `healthy`, `degraded` (some of its requests fail, or a failure elsewhere starves it
            of traffic) or `error` (half of its requests or more fail).
            `yours` services can be edited; `external` ones cannot. A `?` badge means a
            failure there may be hiding another problem (you will meet this in lab 01).

            An `Episode` is one attempt at an incident: it holds the current configs, the clock
            and your steps. `reset()` starts it and returns the first observation.
            """
        ),
        code(
            """
            ep = adb.Episode(tiny)
            obs, info = ep.reset()
            print(obs.message)
            print("alerts:", obs.alerts)
            """
        ),
        md(
            """
            Every picture in these labs comes with a **text twin** that says the same in words
            (screen readers and plain-text front ends get the twin). `picture(draw, text, ...)`
            shows both: the drawing where images display, the words everywhere else.
            """
        ),
        code(
            """
            from apidebug_nb import graph_text, picture, plot_service_graph

            picture(plot_service_graph, graph_text(ep), ep)
            """
        ),
        md(
            """
            The same reading works for bigger systems. This is the graph of the hard lab:
            five services in four layers, two of them yours.
            """
        ),
        code(
            """
            hard_tour = adb.Episode(adb.load_scenario("hard"))
            hard_tour.reset()
            print(graph_text(hard_tour))
            """
        ),
        md(
            """
            ## 3. Evidence: logs, configs and endpoints

            Every action costs **one step** of a limited budget, and the simulated clock moves
            on. Three actions look without changing anything:

            * `inspect_logs(service)`: the service's log, oldest first. It is a record: nothing
              is ever removed, a fix adds a `config reloaded` line and the requests after it
              show what changed. A line reads `timestamp LEVEL service trace=... req=... event`,
              with the time in UTC to the millisecond (`2026-03-14T09:04:01.139Z`). The `INFO`
              lines at start-up quote the config the service actually loaded. Each step is a
              window of traffic: one example line per outcome, then a count of the others
              (`... 27 more like this in this step`). One request keeps its `trace=` id on every
              service it passes, so you can follow it from caller to callee.
            * `inspect_config(service)`: the current config.
            * `inspect_endpoint(service)`: send one traced test request through the service.
              You see its answer (status, headers, body, request and trace ids) and its trace:
              every hop it took, with its status and time, the first failing hop marked.

            Two functions of the library print what a step revealed as text:
            `act(episode, action)` takes the step and prints it, `show(obs)` prints an
            observation you already have.
            """
        ),
        code(
            """
            act(ep, adb.Action.inspect_logs("edge_000"))
            act(ep, adb.Action.inspect_endpoint("edge_000"))
            act(ep, adb.Action.inspect_logs("vendor_001"))
            """
        ),
        md(
            """
            Some requests succeed (`201 Created`), the others time out: the caller waits 1 s, and
            the provider, whose contract says work can take up to `max_processing_ms`, logs the
            same `req=` ids as finished after the caller had gone (`client_gone`). The test
            request's trace shows the same from the outside: no answer on the hop to
            `vendor_001`, so `edge_000` answered its own caller `504`. Symptoms describe *what
            an engineer sees*, never the diagnosis: connecting the timeout in the log with the
            number in the contract is your job.

            ## 4. Fixing: JSON merge patches

            A fix is a **JSON merge patch** (RFC 7396) against one service's config: objects
            merge key by key, any other value replaces, and `null` (`None` in Python) deletes a
            key. Dotted keys are shorthand for nesting, so these two patches are the same:

            ```python
            {"upstreams": {"vendor_001": {"timeout_s": 2}}}
            {"upstreams.vendor_001.timeout_s": 2}
            ```

            After every fix the simulator re-checks every contract. Watch the feedback when the
            setting is right but the value is not enough yet:
            """
        ),
        code(
            """
            act(ep, adb.Action.submit_fix("edge_000", {"upstreams.vendor_001.timeout_s": 2}))
            act(ep, adb.Action.submit_fix("vendor_001", {"max_processing_ms": 500}))
            """
        ),
        md(
            """
            The first fix touched the right setting, so the message says so without giving the
            value away. The second was refused: `vendor_001` is not yours. Both cost a step and
            a refused fix changes nothing. The contract says the timeout must cover the
            provider's `max_processing_ms` (4000 ms), converted to seconds:
            """
        ),
        code(
            """
            act(ep, adb.Action.submit_fix("edge_000", {"upstreams.vendor_001.timeout_s": 10}))
            print(graph_text(ep))
            """
        ),
        md(
            """
            Once a problem is fixed its explanation is unlocked, and the episode can be graded.
            The grade rewards results first, then the process: looking before fixing, not
            wasting steps, and not leaning on hints (lab 04 explains it in full).
            """
        ),
        code(
            """
            for item in ep.explanations():
                print(item["title"])
                print(textwrap.fill(item["explanation"], 92))
            print()
            print(ep.grade().render_text())
            """
        ),
        md(
            """
            ## 5. A guided tour of the dashboard

            The dashboard puts all of this on one screen: a header (incident, steps left,
            problems fixed), a service picker, the action buttons, the log and config viewers,
            a fix editor, the message area, the live service graph, hints, and a finish panel
            with your grade and the explanations.

            **Try it:** run the next cell, pick `edge_000`, press *Logs*, then *Config*, then
            type a fix in the editor (for example key `upstreams.vendor_001.timeout_s`, value
            `10`) and submit it. Malformed JSON is caught in the editor and costs no step.
            Your clicks only change this dashboard; no later cell depends on them.
            """
        ),
        code(
            """
            dash = adb.Dashboard(adb.generate_scenario(2, 1, seed=2))
            dash
            """
        ),
        md(
            """
            Every button has a twin in code, which is handy for scripts and for checking your
            understanding. Here the twins drive a **second** dashboard, `tour`, so whatever you
            clicked above stays as it is. The cell's own output depends on where the dashboard's
            message area is shown, so it is not compared; the cell after it prints a plain-text
            summary that is.
            """
        ),
        ignored(
            """
            tour = adb.Dashboard(adb.generate_scenario(2, 1, seed=2))
            tour.inspect_logs("edge_000")
            tour.inspect_config("edge_000")
            tour.submit_fix("edge_000", {"upstreams.vendor_001.timeout_s": 10})
            tour
            """
        ),
        code(
            """
            print(tour.render_text())
            """
        ),
        md(
            """
            ## Self-check

            Answer by changing the letter in each call and running the cell; every option gives
            feedback, so wrong answers teach too.

            * **Q1.** A caller's log shows `-> 401 Unauthorized; WWW-Authenticate: Bearer`. Which
              part of the contract do you check first? **A** the URL and version, **B** the credentials and their
              scheme, **C** the timeout.
            * **Q2.** Service `vendor_001` is external and its `rate_limit_per_s` is 20; yours
              sends 40 per second. Where does the fix go? **A** raise the vendor's limit,
              **B** lower your send rate, **C** both.
            * **Q3.** A patch `{"retry": {"backoff_s": 2}}` is applied to a config whose `retry`
              block is `{"max_retries": 3, "backoff_s": 0}`. What is `retry` afterwards?
              **A** `{"backoff_s": 2}`, **B** `{"max_retries": 3, "backoff_s": 2}`, **C** the
              patch is refused.
            """
        ),
        code(
            """
QUIZ = {
    "Q1": {
        "A": (False, "A wrong URL or retired version answers 404 or 410; 401 means the callee did not accept who you are."),
        "B": (True, "401 means missing, malformed or invalid credentials: compare the header and scheme you send with what the callee documents."),
        "C": (False, "A timeout shows up as the caller giving up ('timed out'), not as an answer from the callee."),
    },
    "Q2": {
        "A": (False, "An external service's config is its contract: you cannot change it, and the fix must be on your side."),
        "B": (True, "The caller adapts to the callee's published limit."),
        "C": (False, "Only the caller's side is yours; the vendor's limit is the contract you must meet."),
    },
    "Q3": {
        "A": (False, "A merge patch merges objects key by key; only a null value would delete max_retries."),
        "B": (True, "Objects merge: backoff_s is replaced, max_retries stays."),
        "C": (False, "The patch is a well-formed JSON object naming an existing block, so it is applied."),
    },
}
quiz = adb.Quiz(QUIZ)
"""
        ),
        code(
            """
            quiz.check("Q1", "B")
            quiz.check("Q2", "A")
            quiz.check("Q3", "B")
            """
        ),
        md(
            """
            ## Reflection

            Take two minutes and write your answers in the cell below (double-click to edit).

            1. In your own words: why is the fix always on the caller's side in these labs? When
               would that not be true in real life?
            2. The first fix attempt (`timeout_s: 2`) was "right setting, wrong value". What
               evidence would have let you pick the right value the first time?
            3. Which of the three kinds of evidence (logs, config, endpoint) told you the most
               here, and which would you look at first next time?
            4. Why can a fix make a *new* error appear in a log? Is that bad news?

            *Your notes:*

            ## Next

            Open **01_easy_payment_gateway**: a checkout that cannot take payments.
            """
        ),
    ]


# -- 01 easy -------------------------------------------------------------------------


def easy_lab() -> list:
    return [
        md(
            """
            # Lab 01: the payment gateway (easy)

            Checkout payments fail. Your payment client calls a vendor's payment gateway. The
            gateway is fine; the client breaks its contract in two ways. You have 15 steps.

            ## Learning objectives

            By the end of this lab you can:

            1. recognise authentication (`401`), media type (`415`), timeout and retired
               version (`410`) failures from logs, endpoint answers and their headers;
            2. explain why fixing one problem can reveal the next: a request stops at the first
               check it fails;
            3. compare a client's config with a provider's contract to find the setting to
               change, and pick a value that satisfies the contract;
            4. read the simulator's feedback on a fix ("right setting, but ...") and use hints
               sparingly;
            5. read your grade and say what would raise it.
            """
        ),
        md(
            """
            ## Concepts you need

            * **One request, one failure.** The gateway checks each request in a fixed order, as
              a real server does: the route (URL and version), then the credentials, then the
              body's media type, then it does the work. A request stops at the first check it
              fails, so a `401` hides whatever is wrong with the body: that problem shows only
              once the credentials are right.
            * **Authentication scheme.** Providers say *how* to present a credential. With the
              `Bearer` scheme the request carries a header `Authorization: Bearer <key>`;
              having the key in the config is not enough if it is never sent. A `401` answer
              carries a `WWW-Authenticate` header naming the scheme the provider expects.
            * **Content-Type.** The header that labels the body. A provider parses only the
              types it lists; anything else gets `415 Unsupported Media Type`, with an `Accept`
              header listing what it does parse.
            * **Timeouts and processing time.** A client timeout shorter than the provider's
              worst-case processing time abandons the slow requests, which the provider still
              completes: the client reports failure, the provider logs that the caller had gone
              (`client_gone`). Only part of the traffic fails. Mind units (`ms` vs `s`).
            * **API versions.** Providers retire old versions; a retired base URL answers
              `410 Gone`. The provider's config lists the current and the deprecated URLs.
            """
        ),
        code(
            """
            import textwrap

            import apidebug_nb as adb
            from apidebug_nb import act, graph_text, try_fix

            scenario = adb.load_scenario("easy")
            print(scenario.title, "|", scenario.max_steps, "steps")
            print(textwrap.fill(scenario.description, 92))
            """
        ),
        md(
            """
            ## Your turn: the dashboard

            Solve the incident in the dashboard below. Suggested routine: **look** (logs of the
            failing service, then its config and the gateway's config), **compare** with the
            contract, **fix** one thing at a time, **look again**: the log keeps every old line,
            so read the lines after your fix. Your clicks only change this dashboard: the
            walk-through further down uses its own episode.
            """
        ),
        code(
            """
            dash = adb.Dashboard("easy")
            dash
            """
        ),
        md(
            """
            Whenever you want a text summary of where your dashboard stands (useful with a
            screen reader), run `print(dash.render_text())`.

            ## Self-check: try a fix without spending a step

            `try_fix(task, service, patch)` applies a patch to a **fresh copy** of the incident
            and prints the simulator's feedback. Your dashboard is not touched. The stored output
            shows a sample answer that is *not* right yet: read the feedback, then replace the
            patch with yours.
            """
        ),
        code(
            """
try_fix("easy", "payment_client", {"headers.Content-Type": "application/xml"})
"""
        ),
        md(
            """
            ## Walk-through in code

            For those who prefer code (and so that every step here is checked automatically),
            the same incident solved step by step on **its own episode**, `walk`. It does not
            touch your dashboard.
            """
        ),
        code(
            """
            walk = adb.Episode(scenario)
            obs, info = walk.reset()
            print(obs.message)
            print("alerts:", *obs.alerts, sep="\\n  ")
            print(graph_text(walk))
            """
        ),
        md(
            """
            One alert: every payment fails with `401`. Start with the failing service's logs. The
            start-up lines quote the config it loaded; then each step of traffic shows one
            example line per outcome, with its `trace=` and `req=` ids, and a count of the
            others ("... 39 more like this in this step").
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_logs("payment_client"))
            """
        ),
        md(
            """
            `authorization=absent` at start-up, then only `401`, and the answer's
            `WWW-Authenticate: Bearer` names the scheme the gateway wants. A test request shows
            the same from the outside: the answer, and the trace of each hop it took, with the
            failing one marked.
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_endpoint("payment_client"))
            """
        ),
        md(
            """
            The gateway answered the client `401`, so the client could only tell checkout that
            the payment failed (`502`). Now the contract: the gateway's config says which scheme
            and media types it accepts.
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_config("payment_gateway"))
            act(walk, adb.Action.inspect_config("payment_client"))
            """
        ),
        md(
            """
            The gateway wants `Bearer` credentials; the client has an `api_key` but no
            `Authorization` header. First a common mistake: sending the key without the scheme.
            """
        ),
        code(
            """
            act(walk, adb.Action.submit_fix("payment_client", {"headers.Authorization": "sk_live_51hq7xa9"}))
            """
        ),
        md(
            """
            Right setting, wrong form: the contract is *scheme, a space, then the key*.
            """
        ),
        code(
            """
            act(walk, adb.Action.submit_fix("payment_client", {"headers.Authorization": "Bearer sk_live_51hq7xa9"}))
            act(walk, adb.Action.inspect_logs("payment_client"))
            """
        ),
        md(
            """
            The log is a record: the old `401` lines stay, and `config reloaded` marks the fix.
            The requests after it get past authentication and meet the next check: `415
            Unsupported Media Type`, with `Accept: application/json`. This problem was there all
            along, hidden behind the `401`. The body is labelled `text/plain`; the gateway
            accepts only `application/json`.
            """
        ),
        code(
            """
            act(walk, adb.Action.submit_fix("payment_client", {"headers": {"Content-Type": "application/json"}}))
            print(graph_text(walk))
            """
        ),
        md(
            """
            Incident over. The health timeline shows how each service's state changed step by
            step, with fixes marked; the grade explains itself dimension by dimension.
            """
        ),
        code(
            """
            from apidebug_nb import picture, plot_grade, plot_health_timeline, timeline_text

            picture(plot_health_timeline, timeline_text(walk), walk)
            """
        ),
        code(
            """
            grade = walk.grade()
            picture(plot_grade, grade.render_text(), grade)
            """
        ),
        md(
            """
            The reference solver needs 4 steps (look, fix, look again, fix). The walk-through also
            sent a test request, read both configs and made one wrong first attempt at
            `Authorization`, which cost some efficiency; looking before every fix kept strategy
            and diagnosis full.

            ## Hints

            Stuck? `hint()` gives the next of three levels for the first open problem: *where to
            look*, *which setting*, *what must hold*. None gives the value. Each hint lowers the
            score a little, so ask only when you need it. A separate episode again:
            """
        ),
        code(
            """
            hinted = adb.Episode(scenario)
            hinted.reset()
            for _ in range(3):
                act(hinted, adb.Action.hint())
            """
        ),
        md(
            """
            ## Practice: a variant

            Each seed gives a **variant** with other problems from the same pool and other
            values, so you cannot copy answers from a neighbour. Seed 11 has a retired URL and,
            hidden behind its `410`, a timeout. Solve it in a dashboard of its own:
            """
        ),
        code(
            """
            practice = adb.Dashboard(adb.load_scenario("easy", seed=11))
            practice
            """
        ),
        md(
            """
            To check a fix for the variant without spending steps there, pass the seed:
            `try_fix("easy", "payment_client", {...}, seed=11)`. The timeout is in **seconds**, the
            gateway's limit in **milliseconds**:
            """
        ),
        code(
            """
            try_fix("easy", "payment_client", {"timeout": 20}, seed=11)
            """
        ),
        md(
            """
            ## Saving your progress

            A dashboard can save its transcript after every action and be resumed after a
            kernel restart, reaching the identical state. Here into a temporary folder, so
            nothing is left behind:
            """
        ),
        ignored(
            """
            import tempfile
            from pathlib import Path

            with tempfile.TemporaryDirectory() as folder:
                progress = Path(folder) / "progress.json"
                saved = adb.Dashboard("easy", autosave=progress)
                saved.inspect_logs("payment_client")
                saved.submit_fix("payment_client", {"headers.Authorization": "Bearer sk_live_51hq7xa9"})
                resumed = adb.Dashboard.resume(progress)
                same_state = resumed.render_text() == saved.render_text()
            """
        ),
        code(
            """
            print("resumed at the same state:", same_state)
            print(resumed.render_text())
            """
        ),
        md(
            """
            ## Self-check: concepts

            Change the letters and re-run.

            * **Q1.** Some requests fail with `timed out after 8s` on the client while the gateway
              logs the same `req=` id as `finished after the caller had gone (client_gone)`. Which
              is broken?
              **A** the gateway is too slow, **B** the client's timeout is shorter than the
              gateway's processing time, **C** the network.
            * **Q2.** A gateway's `max_processing_ms` is 30000. Which client `timeout` (in
              seconds) satisfies the contract? **A** 30, **B** 25, **C** 30000.
            * **Q3.** A fix resolves the `401`, but the endpoint still answers `415`. What next?
              **A** undo the first fix, **B** ask for a hint right away, **C** compare the
              Content-Type you send with the gateway's accepted list.
            """
        ),
        code(
            """
QUIZ = {
    "Q1": {
        "A": (False, "The gateway finishes within its published maximum; it is the caller that stopped waiting."),
        "B": (True, "The caller gave up although the provider finished: its timeout must cover the provider's worst case."),
        "C": (False, "Both sides logged the same request id and the gateway completed it, so the network delivered it."),
    },
    "Q2": {
        "A": (True, "30000 ms is 30 s; the timeout must be at least that."),
        "B": (False, "25 s is below 30000 ms: the slowest payments would still be abandoned."),
        "C": (False, "The client's timeout is in seconds: 30000 s is over eight hours and hides real outages."),
    },
    "Q3": {
        "A": (False, "The 401 fix is right: the 415 was hidden behind it all along, and undoing the fix would hide it again."),
        "B": (False, "The evidence already points at the body's label; a hint costs score."),
        "C": (True, "A 415 names the media type: compare the header with accepted_content_types."),
    },
}
quiz = adb.Quiz(QUIZ)
"""
        ),
        code(
            """
            quiz.check("Q1", "B")
            quiz.check("Q2", "B")
            quiz.check("Q3", "C")
            """
        ),
        *pool_debrief("easy"),
        md(
            """
            ## Reflection

            1. Which log line or header pointed you to each problem fastest? Was it on the client
               or on the gateway?
            2. The first `Authorization` attempt was "right setting, wrong form". Where in the
               gateway's config is the form documented?
            3. Why does the simulator refuse fixes on `payment_gateway`, and what does that
               mirror in a real vendor integration?
            4. What would you do differently to reach the reference solver's 4 steps?

            *Your notes:*

            ## Next

            **02_medium_webhook_chain**: three services, and failures that hide other failures.
            """
        ),
    ]


# -- 02 medium -----------------------------------------------------------------------


def medium_lab() -> list:
    return [
        md(
            """
            # Lab 02: the webhook chain (medium)

            Customers stopped getting order notifications. Your webhook sender posts events to
            another team's receiver, which forwards them to the notification service. Three
            problems, 25 steps, and at first you can see only one of them.

            ## Learning objectives

            By the end of this lab you can:

            1. explain **masking** (a request stopped by one failure never reaches the check
               that would show another problem) and **cascades** (a failure degrading the
               services that depend on it, or starving those behind it);
            2. choose a fix order from the evidence, and recognise new symptoms that appear
               after a fix;
            3. configure rate limits, retries with backoff, webhook signatures, target paths
               and content encodings to meet a receiver's contract;
            4. recognise a **regression**: a later change that reopens a fixed problem.
            """
        ),
        md(
            """
            ## Concepts you need

            * **Rate limits and 429.** A receiver accepts so many requests per second from each
              sender and answers the *excess* with `429 Too Many Requests` and a `Retry-After`
              header; the requests under the limit still get through.
            * **Retries with backoff.** Even under the limit, a busy receiver sheds a few
              requests with `503 Service Unavailable` and `Retry-After`. A robust sender retries
              such answers (and 429s), waiting (backing off) between attempts; a sender that
              does not retry at all silently drops events.
            * **Webhook signatures.** The sender signs each body with a shared secret (HMAC); the
              receiver recomputes the signature and rejects a mismatch with `401`.
            * **Paths and encodings.** The target path must be the route the receiver listens
              on (`404` otherwise); a compressed body must use an encoding it can decode (`415`).
            * **Masking.** The receiver checks each request in order: the route, then the
              signature, then the rate limit, then the body. A request refused at one check
              never reaches the next. While every event is refused with `401`, nothing gets as
              far as the rate limit, so neither the throttling nor what the sender does after a
              `429` or `503` can be observed. The graph marks such a service with a `?` badge.
            * **Cascade.** Health blames a `4xx` on the caller that sent the bad request and a
              `5xx` or a timeout on the callee. So the receiver that answers `401` stays
              `healthy`, while the notification service behind it, starved of events, shows
              `degraded` although nothing is wrong with its own config.
            """
        ),
        code(
            """
            import textwrap

            import apidebug_nb as adb
            from apidebug_nb import act, graph_text, show, try_fix

            scenario = adb.load_scenario("medium")
            print(scenario.title, "|", scenario.max_steps, "steps")
            print(textwrap.fill(scenario.description, 92))
            """
        ),
        md(
            """
            ## Your turn: the dashboard

            Look at the graph first: which services are degraded only because of a cascade? Then
            follow the evidence. After each fix, re-read the logs: new symptoms may surface.
            Your clicks only change this dashboard.
            """
        ),
        code(
            """
            dash = adb.Dashboard("medium")
            dash
            """
        ),
        md(
            """
            ## Self-check: try a fix without spending a step

            `try_fix` applies a patch to a fresh copy of the incident. The sample answer below
            lowers the rate, but not enough: read the feedback, then try yours.
            """
        ),
        code(
            """
try_fix("medium", "webhook_sender", {"send_rate_per_s": 25})
"""
        ),
        md(
            """
            ## Walk-through in code

            The canonical incident, solved on its own episode `walk` (your dashboard is not
            touched). Watch the `?` badge and the problem states.
            """
        ),
        code(
            """
            walk = adb.Episode(scenario)
            obs, info = walk.reset()
            print(obs.message)
            print("alerts:", *obs.alerts, sep="\\n  ")
            print(graph_text(walk))
            """
        ),
        md(
            """
            The sender is in `error`; the receiver is `healthy` (a `4xx` counts against the
            caller that sent the bad request) and the notification service is `degraded`: no
            events reach it. That is the cascade, not its own fault. `webhook_sender` carries the
            `?` badge: something there may be hidden. Evidence first, from both ends of the
            first call:
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_logs("webhook_sender"))
            act(walk, adb.Action.inspect_logs("webhook_receiver"))
            """
        ),
        md(
            """
            One symptom, seen from both sides with the same `trace=` and `req=` ids: the
            receiver cannot verify `X-Signature` and answers `401` with
            `error="invalid_signature"`. The receiver's config holds the contract, and the
            sender's config shows what it signs with.
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_config("webhook_receiver"))
            act(walk, adb.Action.inspect_config("webhook_sender"))
            """
        ),
        md(
            """
            The sender signs with an empty secret. The sender also offers 50 events/s against a
            limit of 20, but no event gets past the signature check, so nothing has been
            throttled yet: fix what the evidence shows first, then look again.
            """
        ),
        code(
            """
            act(walk, adb.Action.submit_fix("webhook_sender", {"signing": {"secret": "whsec_3f9ac1d2"}}))
            print(graph_text(walk))
            """
        ),
        md(
            """
            "New symptoms may have surfaced." The `?` badge is gone and the notification service
            gets events again. Read the sender's log after the `config reloaded` line:
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_logs("webhook_sender"))
            """
        ),
        md(
            """
            Two problems, both hidden behind the `401` until now. Some events get `201 Created`,
            the excess gets `429 Too Many Requests` (the rate limit), and the receiver's
            occasional `503` ends in `event dropped ...: retry policy max_retries=0` (the retry
            policy). The rate first: it must not exceed the receiver's `rate_limit_per_s`.
            """
        ),
        code(
            """
            act(walk, adb.Action.submit_fix("webhook_sender", {"send_rate_per_s": 20}))
            act(walk, adb.Action.inspect_logs("webhook_sender"))
            """
        ),
        md(
            """
            No more `429` after the reload, but events are still dropped after a `503`. The
            sender's retry policy (`max=0 backoff=0s on=[502, 503]` at start-up) breaks the
            receiver's `delivery_contract`: at least `min_retries` attempts, retrying after 429,
            with a backoff above zero. Lists are replaced whole by a merge patch, so give the
            full `retry_on` list.
            """
        ),
        code(
            """
            act(walk, adb.Action.submit_fix(
                "webhook_sender", {"retry": {"max_retries": 3, "backoff_s": 2, "retry_on": [429, 502, 503]}}
            ))
            print(graph_text(walk))
            """
        ),
        md(
            """
            All three fixed, and the cascade has healed: the notification service is healthy
            again without any change of its own. The timeline shows it.
            """
        ),
        code(
            """
            from apidebug_nb import picture, plot_grade, plot_health_timeline, timeline_text

            picture(plot_health_timeline, timeline_text(walk), walk)
            """
        ),
        code(
            """
            grade = walk.grade()
            picture(plot_grade, grade.render_text(), grade)
            """
        ),
        md(
            """
            ## Masking, step by step

            `issue_status()` shows each problem's state in the ideal order: `masked` (hidden
            behind another), `active` or `resolved`. On a fresh episode:
            """
        ),
        code(
            """
            order = adb.Episode(scenario)
            order.reset()
            print("at the start:     ", order.issue_status())
            order.step(adb.Action.submit_fix("webhook_sender", {"signing": {"secret": "whsec_3f9ac1d2"}}))
            print("after the secret: ", order.issue_status())
            """
        ),
        md(
            """
            What if you fix the retry policy *while it is still masked*? The fix works (state is
            derived from the configs, so order never breaks the system), but you could not have
            seen evidence for it: the grade's strategy dimension notes a fix made blind.
            """
        ),
        code(
            """
            blind = adb.Episode(scenario)
            blind.reset()
            show(blind.step(adb.Action.inspect_logs("webhook_sender"))[0])
            for patch in (
                {"retry": {"max_retries": 3, "backoff_s": 2, "retry_on": [429, 502, 503]}},
                {"send_rate_per_s": 20},
                {"signing": {"secret": "whsec_3f9ac1d2"}},
            ):
                blind.step(adb.Action.submit_fix("webhook_sender", patch))
            print(blind.grade().render_text())
            """
        ),
        md(
            """
            ## Regressions

            Because every problem's state is derived from the current configs, a later change can
            **reopen** a fixed problem. The message says so, and the timeline marks it.
            """
        ),
        code(
            """
            regress = adb.Episode(scenario)
            regress.reset()
            regress.step(adb.Action.submit_fix("webhook_sender", {"signing": {"secret": "whsec_3f9ac1d2"}}))
            act(regress, adb.Action.submit_fix("webhook_sender", {"send_rate_per_s": 20}))
            act(regress, adb.Action.submit_fix("webhook_sender", {"send_rate_per_s": 40}))
            print("events:", regress.events)
            print(timeline_text(regress))
            """
        ),
        md(
            """
            ## Practice: a variant

            Seed 1 draws a wrong target path, a body encoding and the retry policy. The wrong
            path (`404`) stops every event at the first check, so it hides the other two. Solve
            it in its own dashboard:
            """
        ),
        code(
            """
            practice = adb.Dashboard(adb.load_scenario("medium", seed=1))
            practice
            """
        ),
        md(
            """
            ## Self-check: concepts

            * **Q1.** At the start, `notification_service` is `degraded`. What do you change in
              its config? **A** raise its capacity, **B** nothing: it is starved of events by a
              failure in front of it, **C** point it at the sender directly.
            * **Q2.** Why were the rate limit and the retry problem invisible at first? **A** the
              receiver refused every event at its signature check, so none reached the rate
              limit, **B** they only happen at night, **C** the receiver hides its logs.
            * **Q3.** After fixing the rate, you set `send_rate_per_s` to 40 "to catch up on the
              backlog". What happens? **A** nothing, the problem stays fixed, **B** the rate
              problem reopens (a regression), **C** the change is refused.
            """
        ),
        code(
            """
QUIZ = {
    "Q1": {
        "A": (False, "It is not yours, and nothing is wrong with it: it gets no events because they are refused before they reach it."),
        "B": (True, "A service starved of traffic by a failure in front of it shows degraded; it heals when that failure is fixed."),
        "C": (False, "It is not yours, and the chain is right: the events stop at the receiver's signature check."),
    },
    "Q2": {
        "A": (True, "A request stops at the first check it fails: while every event gets 401, none reaches the rate limit, and none gets a 429 or 503 to retry."),
        "B": (False, "Nothing here depends on the time of day; the clock only orders the log lines."),
        "C": (False, "The receiver's logs were readable all along; the 429s and dropped events simply did not exist yet."),
    },
    "Q3": {
        "A": (False, "A problem's state is derived from the current config: 40/s is above the limit again."),
        "B": (True, "The rate contract fails again, so the problem reopens and the message reports a regression."),
        "C": (False, "The sender is yours, so the change is applied; it just breaks the contract again."),
    },
}
quiz = adb.Quiz(QUIZ)
"""
        ),
        code(
            """
            quiz.check("Q1", "B")
            quiz.check("Q2", "A")
            quiz.check("Q3", "A")
            """
        ),
        *pool_debrief("medium"),
        md(
            """
            ## Reflection

            1. How did you decide which problem to fix first? What would have happened with the
               opposite order?
            2. Which service was degraded only by the cascade? How could you tell from the
               evidence, not only from the graph?
            3. "Catching up on a backlog" by raising the send rate is a common real-world
               regression. What would protect a team from it?
            4. Which receiver settings did you treat as the contract, and where would you find
               them for a real webhook provider?

            *Your notes:*

            ## Next

            **03_hard_order_pipeline**: five services, two of them yours, and chains of masks.
            """
        ),
    ]


# -- 03 hard -------------------------------------------------------------------------


def hard_lab() -> list:
    return [
        md(
            """
            # Lab 03: the order pipeline (hard)

            Orders are failing across the pipeline. `order_service` calls the API gateway and
            the auth service; the gateway routes to inventory, which dispatches to shipping.
            Two services are yours, five problems hide behind one another, and you have 40 steps.

            ## Learning objectives

            By the end of this lab you can:

            1. work through a multi-service incident methodically, keeping track of which
               failures may hide others;
            2. diagnose expired credentials and missing token refresh, a dispatch mode the
               callee refuses, and a missing circuit breaker or idempotency key;
            3. follow one request hop by hop through a trace, and find problems in a service that
               is *not* the one raising the alert;
            4. plan an efficient sequence of inspections and fixes and judge it with the grade.
            """
        ),
        md(
            """
            ## Concepts you need

            * **Token lifecycle.** Service tokens expire. A token the gateway no longer accepts
              gets `401` with `WWW-Authenticate: Bearer ... error="invalid_token"`; a client
              without **refresh** keeps using a token past its expiry, so some of its requests
              get `401` with `error_description="token expired"`. A robust client refreshes a
              little before expiry (the auth service publishes how early).
            * **Sync vs async dispatch.** A synchronous call holds a worker until the callee
              answers; a callee built for a queue refuses it: `405 Method Not Allowed`, with an
              `Allow` header naming what it does accept. A queue (async dispatch) decouples the
              two, if the callee supports it.
            * **Cascades through relays.** A service that gets a failure from its upstream
              answers its own caller `502 Bad Gateway` (`504` for an upstream timeout); a
              gateway relays its upstream's status. So a `502` at the edge may come from three
              hops down: a **trace** of one test request shows every hop and marks the first
              that failed.
            * **Idempotency keys.** A retried request must be recognisable as the same one, so
              the server does not perform it twice: the client sends a unique key in the header
              the server names.
            * **Circuit breaker.** After repeated failures a client stops calling a failing
              upstream for a while instead of piling retries onto it.
            * **Chains of masks.** A request stops at the first check it fails, on the first hop
              that fails. A retired URL (`410`, checked first) hides the token; a rejected token
              (`401`) hides the missing refresh, the timeout and everything behind the gateway;
              the refused dispatch (`405` from shipping) hides the timeout and duplicate
              reservations. Fixing the first problem of a chain is how you see the next one.
            """
        ),
        code(
            """
            import textwrap

            import apidebug_nb as adb
            from apidebug_nb import act, graph_text, picture, try_fix

            scenario = adb.load_scenario("hard")
            print(scenario.title, "|", scenario.max_steps, "steps")
            print(textwrap.fill(scenario.description, 92))
            for name in scenario.services:
                service = scenario.service(name)
                print(f"  {name:<18} {'yours' if service.editable else 'not yours':<10} {service.role}")
            """
        ),
        md(
            """
            ## Your turn: the dashboard

            Plan before you click: which services are yours? Which alerts could be caused by the
            same root? Keep a note of what you have ruled out. Your clicks only change this
            dashboard.
            """
        ),
        code(
            """
            dash = adb.Dashboard("hard")
            dash
            """
        ),
        md(
            """
            ## Self-check: try a fix without spending a step

            `try_fix` applies a patch to a fresh copy of the incident. The sample answer copies a
            token without looking closely at how the auth service lists its tokens: read the
            feedback, then try yours.
            """
        ),
        code(
            """
try_fix("hard", "order_service", {"auth.token": "tok_live_7f3a9c"})
"""
        ),
        md(
            """
            ## Walk-through in code

            The canonical incident on its own episode `walk`. First the overview.
            """
        ),
        code(
            """
            walk = adb.Episode(scenario)
            obs, info = walk.reset()
            print("alerts:", *obs.alerts, sep="\\n  ")
            print(graph_text(walk))
            """
        ),
        md(
            """
            One alert: every order fails with `410` at `order_service`. Both services of yours
            carry a `?`: a failure in front of them may hide more. Inventory and shipping are
            `degraded` without any error of their own: no order reaches them. Read the failing
            service's log and the contract of what it calls first.
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_logs("order_service"))
            act(walk, adb.Action.inspect_config("api_gateway"))
            """
        ),
        md(
            """
            Each order first gets a token from the auth service (`201`), then calls the gateway
            at `/api/v1`, which the gateway has retired. The route is the first thing the
            gateway checks, so every order stops there: nothing behind it can be observed until
            the address is right.
            """
        ),
        code(
            """
            act(walk, adb.Action.submit_fix("order_service", {"gateway_url": "https://gateway.internal/api/v2"}))
            act(walk, adb.Action.inspect_logs("order_service"))
            """
        ),
        md(
            """
            After the reload the orders reach the next check and fail it: `401` with
            `error="invalid_token"`. The token problem was there all along, behind the `410`.
            The auth service's config says which tokens are valid and which have expired.
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_config("auth_service"))
            act(walk, adb.Action.submit_fix("order_service", {"auth": {"token": "Bearer tok_live_7f3a9c"}}))
            """
        ),
        md(
            """
            Orders now get past the gateway. A test request shows how far: its trace lists every
            hop and marks the first that failed. `show` prints the step; the trace is also data
            (`obs.trace`, one span per hop), and `plot_trace` draws it as a waterfall whose text
            twin is `trace_text`.
            """
        ),
        code(
            """
            from apidebug_nb import show
            from apidebug_nb.views.trace_plot import plot_trace, trace_text

            obs = walk.step(adb.Action.inspect_endpoint("order_service"))[0]
            show(obs)
            print("answer:", obs.response["status"], obs.response["body"], "| request id:", obs.response["request_id"])
            """
        ),
        code(
            """
            import matplotlib.pyplot as plt

            waterfall = picture(plot_trace, trace_text(obs.trace), obs.trace)
            plt.close("all")  # the picture keeps its own copy of the drawing
            waterfall
            """
        ),
        md(
            """
            Shipping refused the synchronous `POST /shipments` with `405` and `Allow: GET`;
            inventory, which is yours too, answered the gateway `502`, and the gateway relayed
            it to `order_service`. Inventory's log, and the contract of what it calls:
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_logs("inventory_service"))
            act(walk, adb.Action.inspect_config("shipping_service"))
            act(walk, adb.Action.submit_fix("inventory_service", {"dispatch_mode": "async"}))
            """
        ),
        md(
            """
            With the whole path open, look again at `order_service`: its newest lines, from the
            step after the dispatch fix, show what was still hidden.
            """
        ),
        code(
            """
            act(walk, adb.Action.inspect_logs("order_service"))
            """
        ),
        md(
            """
            Most orders now succeed (`201 Created`), but two kinds still fail, each only a share.
            Some time out after 3 s: the slow orders, which never got that far while shipping
            refused them. And a few get `401` with `error_description="token expired"`; they
            have been in the log since the token fix, between the `502` lines. Two problems.
            The gateway's contract says processing can take up to 8000 ms; round the timeout up
            with some headroom. The auth service's `min_refresh_before_expiry_s` (120) is the
            contract for refreshing the token before it expires.
            """
        ),
        code(
            """
            act(walk, adb.Action.submit_fix("order_service", {"timeout_s": 10}))
            act(walk, adb.Action.submit_fix("order_service", {"auth": {"refresh": {"enabled": True, "before_expiry_s": 300}}}))
            print(graph_text(walk))
            """
        ),
        code(
            """
            from apidebug_nb import picture, plot_grade, plot_health_timeline, plot_service_graph, timeline_text

            picture(plot_health_timeline, timeline_text(walk), walk)
            """
        ),
        code(
            """
            grade = walk.grade()
            picture(plot_grade, grade.render_text(), grade)
            """
        ),
        md(
            """
            Five of five. Reading every contract and sending a test request cost a little
            efficiency against the reference solver, but every fix landed the first time, each
            after the evidence for it had appeared.

            ## Practice: a variant with other problems

            Seed 6 brings the idempotency key into play, and starts with the expired token, which
            hides everything else; the duplicate reservations stay hidden until shipping accepts
            the dispatch. First the picture, then a dashboard of its own:
            """
        ),
        code(
            """
            variant = adb.load_scenario("hard", seed=6)
            preview = adb.Episode(variant)
            obs, info = preview.reset()
            print("alerts:", *obs.alerts, sep="\\n  ")
            picture(plot_service_graph, graph_text(preview), preview)
            """
        ),
        code(
            """
            practice = adb.Dashboard(variant)
            practice
            """
        ),
        md(
            """
            ## Self-check: concepts

            * **Q1.** After you replace the expired token, a share of orders still gets `401`
              with `error_description="token expired"`. The auth service requires refreshing at
              least 120 s before expiry. Which setting fixes it? **A** `auth.refresh` enabled with
              `before_expiry_s` 60, **B** `auth.refresh` enabled with `before_expiry_s` 300,
              **C** a longer `timeout_s`.
            * **Q2.** Inventory logs `POST /shipments -> 405 Method Not Allowed; Allow: GET` and
              answers the gateway `502`. Where is the fix? **A** shipping's supported modes,
              **B** inventory's `dispatch_mode`, **C** order_service's timeout.
            * **Q3.** Why fix the retired gateway URL before the timeout? **A** the timeout is
              hidden while every request is refused with `410`, so its evidence appears only after,
              **B** the order of fixes changes the final score's fix dimension, **C** the
              simulator refuses a timeout fix first.
            """
        ),
        code(
            """
QUIZ = {
    "Q1": {
        "A": (False, "60 s before expiry is later than the auth service's minimum of 120 s."),
        "B": (True, "Refresh must be on and start at least min_refresh_before_expiry_s before expiry."),
        "C": (False, "A timeout bounds one request; it does nothing about a token running out."),
    },
    "Q2": {
        "A": (False, "Shipping is not yours, and its supported modes are the contract."),
        "B": (True, "Inventory dispatches synchronously, which shipping does not support: switch it to a supported mode."),
        "C": (False, "The refusal happens between inventory and shipping, behind the gateway; the 502 is only relayed."),
    },
    "Q3": {
        "A": (True, "A request stops at the first check it fails: refused at the route, none reaches the point where it could time out."),
        "B": (False, "Fixes are order-independent for the fix dimension; order matters for seeing evidence (and for strategy)."),
        "C": (False, "Any well-formed fix on a service you own is applied; it just cannot be confirmed yet."),
    },
}
quiz = adb.Quiz(QUIZ)
"""
        ),
        code(
            """
            quiz.check("Q1", "A")
            quiz.check("Q2", "B")
            quiz.check("Q3", "A")
            """
        ),
        *pool_debrief("hard"),
        md(
            """
            ## Reflection

            1. Draw (on paper) the chains of masks you met. Which problem would you look for
               after fixing each one?
            2. Two services were yours. How did you decide, for each alert, which of them to
               change?
            3. Which inspections in the walk-through could you have skipped, and which were
               essential to get fixes right first time?
            4. Circuit breakers, idempotency keys and token refresh do not fix a failure; they
               limit the damage of the next one. Which of them does your own code base use?

            *Your notes:*

            ## Next

            **04_grading_and_agents**: how the grade works, and how scripted agents play the
            same incidents.
            """
        ),
    ]


# -- 04 grading and agents ----------------------------------------------------------


def grading_lab() -> list:
    return [
        md(
            """
            # Lab 04: grading, agents and transcripts

            Every episode is graded from its action list alone. This lab opens the rubric,
            compares the reference solver with scripted agents (and one you write), and shows
            how transcripts let an instructor re-grade any episode by replay.

            ## Learning objectives

            By the end of this lab you can:

            1. state the four grade dimensions and why process credit is **gated by results**;
            2. predict the grade of a strategy (doing nothing, only looking, fixing blind,
               revealing answers) before running it;
            3. write a small agent with `reset()` and `act(observation)` and compare it with the
               baseline;
            4. record a transcript, replay it, and detect a tampered claim.
            """
        ),
        code(
            """
            import json

            import apidebug_nb as adb
            from apidebug_nb import BaselineAgent, InspectOnlyAgent, RandomPatchAgent, picture, play, plot_grade
                        """
        ),
        md(
            """
            ## 1. The rubric

            | dimension  | weight | what it measures |
            |------------|--------|------------------|
            | fix        | 0.40   | problems resolved (and not revealed) at the end, out of all |
            | strategy   | 0.25   | looked before the first fix; few repeated looks without change; no fix made while the problem was hidden; few rejected fixes |
            | diagnosis  | 0.20   | share of fixes preceded by an inspection of the failing path |
            | efficiency | 0.15   | 1 at the reference solver's step count, 0 at the step budget |

            The process dimensions are **multiplied by the fix result**:

            `score = 0.40·fix + fix·(0.25·strategy + 0.20·diagnosis + 0.15·efficiency) − hint penalty`

            So a perfect process that fixes nothing scores 0: there is no credit for looking
            busy. The reference solver scores 1.0.
            """
        ),
        code(
            """
            scenario = adb.load_scenario("medium")


            def run(actions):
                \"\"\"A fresh episode on the medium incident after ``actions``.\"\"\"
                ep = adb.Episode(scenario)
                ep.reset()
                for action in actions:
                    ep.step(action)
                return ep


            reference = run(adb.oracle_actions(scenario))
            print(reference.grade().render_text())
            """
        ),
        md(
            """
            ## 2. Predict, then run

            Before running the next cell, predict each strategy's score: **doing nothing**;
            **only looking** (a dozen inspections); **fixing blind** (the right fixes, no
            inspection at all); **revealing** each answer as soon as its problem is visible, and
            applying it.
            """
        ),
        code(
            """
            fixes = [a for a in adb.oracle_actions(scenario) if a.kind == "submit_fix"]
            looks = [adb.Action.inspect_logs(s) for s in scenario.services] * 4
            # issue_status() lists the problems in the order the reference solver fixes them;
            # a hidden problem cannot be revealed, so reveal each one just before its fix.
            in_order = list(run([]).issue_status())
            reveal_then_fix = [a for issue_id, fix in zip(in_order, fixes) for a in (adb.Action.reveal(issue_id), fix)]
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
                print(f"{name:<18}{g.score:>7.2f}{d['fix']:>7.2f}{d['strategy']:>7.2f}{d['diagnosis']:>7.2f}{d['efficiency']:>7.2f}")
            """
        ),
        md(
            """
            Doing nothing and only looking both score 0, however tidy their process: the
            process dimensions count only through `fix`. Fixing blind earns the full fix
            dimension but no diagnosis and only part of strategy. Revealing every answer and
            applying it scores 0: a revealed problem earns no fix credit. Each dimension
            explains itself:
            """
        ),
        code(
            """
            blind = strategies["fixing blind"].grade()
            picture(plot_grade, blind.render_text(), blind)
            """
        ),
        md(
            """
            **Check the formula yourself:** recompute the blind fixer's score from its
            dimensions and hint penalty.
            """
        ),
        code(
            """
            d = blind.dimensions
            recomputed = 0.40 * d["fix"] + d["fix"] * (
                0.25 * d["strategy"] + 0.20 * d["diagnosis"] + 0.15 * d["efficiency"]
            ) - blind.to_dict()["hint_penalty"]
            print(f"recomputed {recomputed:.4f} vs grade {blind.score:.4f}")
            """
        ),
        md(
            """
            ## 3. Agents

            The same incidents are a Gymnasium-style environment: `reset()` returns an
            observation, `step(action)` returns `(obs, reward, terminated, truncated, info)`.
            `play(agent, scenario)` runs an agent that sees **only observations**, never the
            scenario's rules or answers, just like you.

            * `BaselineAgent` reads every config and compares settings with the contracts using
              generic heuristics (a value missing from an `accepted_*` list, a URL in a
              `deprecated_*` list, a timeout below a `max_*_ms`, ...), asking for hints when stuck.
            * `RandomPatchAgent` submits random patches: a floor to beat.
            * `InspectOnlyAgent` only looks, and therefore always scores 0.

            ### Your agent

            Below is a small **runbook agent**: it reads the failing service's logs and config,
            then applies the runbook entry of each symptom it finds there, and looks again after
            every fix, because a fix can uncover the next symptom (on the canonical incident the
            `415` appears only once the `401` is fixed). Its runbook only knows `401` and `415`. Extend `RUNBOOK` (for example with `r"-> 410"` and `r"timed out"`)
            and see how its scores change on the variants. (For `410` the agent needs the
            gateway's current URL: let it read the gateway's config too.)
            """
        ),
        code(
            '''
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
                    logs = "\\n".join(obs.logs)
                    for symptom, remedy in RUNBOOK.items():
                        if symptom not in self.applied and re.search(symptom, logs):
                            self.applied.add(symptom)
                            return adb.Action.submit_fix(self.service, remedy(self.config))
                    return adb.Action.hint()  # nothing in the runbook: ask for help


            ep = play(RunbookAgent(), adb.load_scenario("easy"))
            print(ep.grade().render_text())
            '''
        ),
        md(
            """
            Now every agent on the easy task's canonical incident and four variants. The
            reference solver is the ceiling.
            """
        ),
        code(
            """
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
            """
        ),
        md(
            """
            And the baseline across all three tasks (five variants each):
            """
        ),
        code(
            """
            for task in adb.TASKS:
                scores = [play(BaselineAgent(), adb.load_scenario(task, seed=s)).grade().score for s in range(5)]
                print(f"{task:<8}", " ".join(f"{x:.2f}" for x in scores), f"| mean {sum(scores) / len(scores):.2f}")
            """
        ),
        md(
            """
            ## 4. Transcripts, replay and verification

            Every episode records a **transcript**: the scenario (task and seed, or the full
            data of a custom scenario), the learner id, every action with the wall-clock time it
            was taken, and the grade the episode *claims*. Instructors never trust the claim:
            `replay(t)` rebuilds the episode from the actions and `verify(t)` checks that the
            claimed grade and observations match the replay.
            """
        ),
        code(
            """
            t = reference.transcript()
            print("keys:", sorted(t))
            print("scenario:", t["scenario"], "| actions:", len(t["actions"]))
            print("first action:", t["actions"][0]["action"])
            print("claimed score:", t["claimed"]["score"])
            text = json.dumps(t)  # a transcript is plain JSON: save it, mail it, upload it
            print("replayed score:", adb.replay(json.loads(text)).grade().score)
            print("verified:", adb.verify(json.loads(text)).ok)
            """
        ),
        md(
            """
            A tampered transcript: someone edits the claimed score of the blind fixer to 1.0.
            """
        ),
        code(
            """
            forged = strategies["fixing blind"].transcript()
            forged["claimed"]["score"] = 1.0
            check = adb.verify(forged)
            print("verified:", check.ok)
            print("replay score:", check.score, "| claimed:", check.claimed_score)
            print(*check.reasons, sep="\\n")
            """
        ),
        md(
            """
            ## Self-check

            * **Q1.** An agent inspects every service perfectly, then runs out of steps without
              fixing anything. Its score? **A** about 0.6 (strategy and diagnosis are perfect),
              **B** 0, **C** 0.4.
            * **Q2.** Why are strategy, diagnosis and efficiency multiplied by `fix`? **A** to
              make the numbers smaller, **B** so that process credit cannot be earned without
              results, **C** because they are measured in percent.
            * **Q3.** A student's transcript claims 0.95; `verify` says the replay gives 0.62.
              Which grade counts? **A** 0.95, **B** 0.62, **C** the average.
            """
        ),
        code(
            """
QUIZ = {
    "Q1": {
        "A": (False, "Process credit is multiplied by the fix result, which is 0 here."),
        "B": (True, "No fix, no credit: looking is only worth something when it leads to a fix."),
        "C": (False, "0.40 is the weight of fix, and fix is 0."),
    },
    "Q2": {
        "A": (False, "The weights already sum to 1; the product is about gating, not scale."),
        "B": (True, "A methodical process that fixes nothing should not outscore a messy one that fixes everything."),
        "C": (False, "All dimensions are in [0, 1]; the product gates process credit by results."),
    },
    "Q3": {
        "A": (False, "A claim is just a number in a file; anyone can edit it."),
        "B": (True, "Grades come from replaying the actions, never from the claim."),
        "C": (False, "A mismatch means the claim is wrong (or edited); only the replay counts."),
    },
}
quiz = adb.Quiz(QUIZ)
"""
        ),
        code(
            """
            quiz.check("Q1", "A")
            quiz.check("Q2", "B")
            quiz.check("Q3", "B")
            """
        ),
        md(
            """
            ## Reflection

            1. Which strategy's score surprised you in the prediction exercise, and why?
            2. Your runbook agent encodes "symptom -> remedy" rules. Where do such rules break
               down, compared with reading the contract?
            3. The baseline never sees the scenario's rules, only observations. What does it do
               that you did too, and what did you do that it cannot?
            4. Why does a transcript store wall-clock times if the grade never uses them?

            *Your notes:*
            """
        ),
    ]


# -- 05 instructor guide ------------------------------------------------------------


SCENARIO_YAML = """
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


def instructor_guide() -> list:
    return [
        md(
            """
            # Instructor guide: scenarios, variants and class grading

            For instructors and teaching assistants. Everything here also exists as the
            `apidebug-nb` command line (`apidebug-nb --help`).

            ## Learning objectives

            By the end of this guide you can:

            1. author a small scenario as a data file and validate it, reading the error when it
               is wrong;
            2. generate practice scenarios and hand each student a variant of a built-in task;
            3. grade a folder of transcripts by replay (never by the claimed number);
            4. read a class summary and spot who needs help.
            """
        ),
        code(
            """
            import json
            import tempfile
            import textwrap
            from pathlib import Path

            import apidebug_nb as adb

            workdir = tempfile.TemporaryDirectory()  # everything this guide writes goes here
            folder = Path(workdir.name)
            """
        ),
        md(
            """
            ## 1. Authoring a scenario as data

            A scenario is plain data (YAML, TOML or JSON) in format 2: services with configs and
            an `editable` flag, call edges, **flows** (the requests that enter the system: a name,
            the entry service, how many per step, and the hops they travel) and issues. Each
            issue's `check` is a **rule**, data again, never code: here `eq` (two values equal)
            and `ge` (at least, against another service's setting with a unit `factor`). The
            issue is resolved exactly when its rule holds. An issue also names the `hop` it
            breaks and a `failure` kind (`missing_credentials`, `timeout`, ...), which fixes the
            pipeline stage, the status and the headers; `share` says which part of the traffic
            fails (here: the requests slower than the timeout). You never write symptoms: every
            log line, endpoint answer and alert is derived from the simulated requests, and so is
            which issue hides which (a request stopped with `401` at authentication never reaches
            the point where it could time out). YAML is read with `yaml.safe_load`, so nothing in
            a file can run code.
            """
        ),
        code(
            "scenario_yaml = '''"
            + SCENARIO_YAML
            + "'''\n"
            + textwrap.dedent(
                """
                path = folder / "cache_api.yaml"
                path.write_text(scenario_yaml)
                custom = adb.load_scenario_file(path)
                print(custom.id, "|", custom.title, "|", len(custom.issues), "issues")
                print("hidden by (derived):", {i.id: list(i.depends_on) for i in custom.issues})
                print("reference solver:", [(a.kind, a.service, a.changes) for a in adb.oracle_actions(custom)])
                """
            ).strip("\n")
        ),
        md(
            """
            Validation runs on load: unknown services and edges, duplicate ids, a missing flow, a
            hop no flow travels or a stage no request reaches, a reference fix that does not
            satisfy its own check, a check the broken config already satisfies, hints that leak
            the answer, unknown placeholders, declared masks the pipeline does not produce. Here
            is one deliberate
            error: the reference fix for the timeout is too small (2 s against 2.5 s). The
            error names the file, the issue, the field and the rule.
            """
        ),
        code(
            """
            broken = scenario_yaml.replace("reference_fix: {timeout_s: 5}", "reference_fix: {timeout_s: 2}")
            (folder / "broken.yaml").write_text(broken)
            try:
                adb.load_scenario_file(folder / "broken.yaml")
            except adb.ScenarioError as error:
                print(textwrap.fill(str(error), 92))
                print("rule:", error.rule, "| issue:", error.issue, "| field:", error.field)
            """
        ),
        md(
            """
            A custom scenario plays exactly like a built-in one, in an episode or a dashboard:
            """
        ),
        code(
            """
            trial = adb.Episode(custom)
            trial.reset()
            for action in adb.oracle_actions(custom):
                trial.step(action)
            print(trial.grade().render_text())
            """
        ),
        code(
            """
            adb.Dashboard(custom)
            """
        ),
        md(
            """
            ## 2. Generated practice and per-student variants

            `generate_scenario(n_services, n_issues, seed)` builds a random topology with
            issues drawn from contract templates: endless practice, always solvable.
            """
        ),
        code(
            """
            practice = adb.generate_scenario(4, 3, seed=1)
            print(practice.id, "|", practice.max_steps, "steps")
            print("calls:", ", ".join(f"{a} -> {b}" for a, b in sorted(practice.graph.edges)))
            print("issues:", *(f"{i.id} ({i.category})" for i in practice.issues), sep="\\n  ")
            """
        ),
        md(
            """
            For an assessment, give every student a different **variant** of a task: same
            learning goals, different problem subsets and values, so answers cannot be copied.
            `assign_variants(students, task, salt)` derives each student's seed from their id and
            a private course salt (a new salt gives new variants next term); the roster CSV is
            what you hand out and what grading checks against.
            """
        ),
        code(
            """
            from apidebug_nb.instructor.variants import read_roster_csv, write_roster_csv

            students = ["ada", "grace", "linus", "margaret", "alan"]
            variants = adb.assign_variants(students, "medium", salt="intro-to-apis-2026")
            for student, seed in variants.items():
                issues = ", ".join(i.id for i in adb.load_scenario("medium", seed=seed).issues)
                print(f"{student:<9} medium-{seed:<11} {issues}")
            roster_csv = write_roster_csv(variants, "medium", folder / "roster.csv")
            roster = read_roster_csv(roster_csv)
            """
        ),
        md(
            """
            The same from a terminal: `apidebug-nb variants --task medium --salt intro-to-apis-2026
            --csv roster.csv ada grace linus margaret alan`.

            ## 3. Grading a folder of transcripts by replay

            Students hand in the transcript their dashboard autosaves (or `ep.transcript()`
            saved as JSON). To show the workflow we simulate five hand-ins: a careful student,
            one who let the baseline agent play, one who tried a wrong fix and stopped early, one
            who fixed everything without looking and then edited the claimed score, and one who
            played the canonical incident instead of their variant.
            """
        ),
        code(
            """
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
            hand_in("grace", adb.play(adb.BaselineAgent(), adb.Episode(medium["grace"], learner_id="grace")),
                    seconds_apart=0.05)  # a script's pace
            # linus: a rate just under the old one (a common misconception), one real fix, then stopped
            near_miss = adb.Action.submit_fix("webhook_sender", {"send_rate_per_s": 45})
            hand_in("linus", played("linus", medium["linus"], [near_miss] + reference["linus"][:2]))
            # margaret: fixed everything without looking, then edited the claimed score
            blind = [a for a in reference["margaret"] if a.kind == "submit_fix"]
            hand_in("margaret", played("margaret", medium["margaret"], blind),
                    edit=lambda t: t["claimed"].update(score=1.0))
            # alan: played the canonical incident instead of his own variant
            hand_in("alan", played("alan", adb.load_scenario("medium"), adb.oracle_actions(adb.load_scenario("medium"))))
            print(sorted(p.name for p in submissions.iterdir()))
            """
        ),
        md(
            """
            `grade_transcripts(folder, roster)` replays every file; the score is always the
            replay's. Each row carries flags when a file needs a look: `tampered` (the claim
            disagrees with the replay, or any field was edited: a digest binds the learner id,
            the times, the package version and the finished flag too), `truncated`
            (unfinished), `wrong-variant`, `scenario-mismatch` (not the scenario you hand out),
            `invalid`, `duplicate`, `unknown-learner`, `missing`, and `check: scripted?`.

            **What grading by replay can and cannot prove (the threat model).**

            * *Replay proves what was done.* The score is recomputed from the actions, on a
              scenario you trust: a built-in task is rebuilt from its task and seed, and a
              scenario file is matched by content hash against your own files
              (`apidebug-nb grade DIR --scenarios lab.yaml`). A transcript that carries a
              cut-down or edited scenario is flagged `scenario-mismatch` and not graded.
            * *Variants stop copying.* Each student's seed gives other contract values, so a
              classmate's transcript replays as the wrong variant.
            * *Nothing stops a student from running the reference solver locally* on their own
              variant and handing in its transcript: replay proves the actions, not who chose
              them.
            * *The flag and the timings help you decide.* Play at machine speed (a median of
              under a second between actions: nobody reads a log that fast) is flagged
              `check: scripted?`. It is not a fail: the CSV and the report show the seconds
              between actions, and the next step is a conversation, not a zero. Below, grace
              let the baseline agent play, and her row says so.
            """
        ),
        code(
            """
            from apidebug_nb.instructor.classroom import summarise

            rows = adb.grade_transcripts(submissions, roster)
            for row in rows:
                score = "-" if row["score"] is None else f"{row['score']:.2f}"
                claimed = "-" if row["claimed_score"] is None else f"{row['claimed_score']:.2f}"
                print(f"{row['learner_id']:<9} replayed {score:>5}  claimed {claimed:>5}  {row['status']}")
                for reason in row["reasons"]:
                    print(textwrap.fill(reason, 88, initial_indent="    - ", subsequent_indent="      "))
            """
        ),
        md(
            """
            The command line gives the same table (and can write a CSV and the HTML report):
            `apidebug-nb grade submissions --roster roster.csv --csv grades.csv --report report.html`.
            """
        ),
        code(
            """
            from apidebug_nb.cli import main as apidebug_nb_cli

            exit_code = apidebug_nb_cli(["grade", str(submissions), "--roster", str(roster_csv)])
            """
        ),
        md(
            """
            ## 4. A class summary

            `summarise(rows)` gives the class-level numbers: scores of the replayed files, how
            often each problem was solved (hardest first: what to teach again), the fixes that
            most often had no effect (common misconceptions) and the flagged files.
            """
        ),
        code(
            """
            summary = summarise(rows)
            print(f"{summary['graded']} graded of {summary['files']} files; status: {summary['status']}")
            print(f"mean {summary['mean_score']:.2f}, median {summary['median_score']:.2f}")
            print("problems, hardest first:")
            for entry in summary["per_issue"]:
                print(f"  {entry['solved']}/{entry['attempts']} solved  {entry['title']}")
            print("fixes without effect:", summary["fixes_without_effect"] or "none")
            print("flagged:", ", ".join(f"{r['learner_id']} ({r['status']})" for r in summary["flagged"]))
            """
        ),
        md(
            """
            The class report is one self-contained HTML file (charts with text alternatives and
            tables) that you can open in a browser or share with colleagues:
            """
        ),
        code(
            """
            import re

            from apidebug_nb.views.class_report import write_class_report

            report = write_class_report(rows, folder / "report.html", title="Webhooks, week 3")
            html = report.read_text()
            print("sections:", re.findall(r"<h2>(.*?)</h2>", html))
            """
        ),
        md(
            """
            ## Self-check

            * **Q1.** Your new scenario fails to load with "a check already satisfied by the
              broken config". What is wrong? **A** the YAML syntax, **B** the issue would be
              resolved from the start, so the learner has nothing to fix, **C** the hints leak
              the answer.
            * **Q2.** Why derive each student's variant from a seed instead of editing values
              by hand? **A** seeds are shorter to type, **B** a seed gives a reproducible,
              validated, solvable variant that replay-grading can rebuild, **C** hand-edited
              scenarios cannot be graded.
            * **Q3.** A transcript verifies as "ok". What does that prove? **A** the claimed
              grade and observations match a replay of its actions, **B** the student worked
              alone, **C** the student used no hints.
            """
        ),
        code(
            """
QUIZ = {
    "Q1": {
        "A": (False, "A syntax error is reported by the parser, with its line; this one is about the rules."),
        "B": (True, "An issue whose check already holds is resolved at reset: validation refuses it."),
        "C": (False, "Leaking hints get their own error naming the hint level."),
    },
    "Q2": {
        "A": (False, "Convenience is a bonus; the point is reproducibility."),
        "B": (True, "The transcript names task and seed, so replay rebuilds exactly that variant."),
        "C": (False, "Custom scenarios are graded too: their transcript carries the full data and a content hash."),
    },
    "Q3": {
        "A": (True, "verify replays the actions and compares; it says nothing about who took them."),
        "B": (False, "No transcript can prove that; it records actions, not people."),
        "C": (False, "Hints are actions in the transcript and count in the grade, but verify does not forbid them."),
    },
}
quiz = adb.Quiz(QUIZ)
"""
        ),
        code(
            """
            quiz.check("Q1", "B")
            quiz.check("Q2", "C")
            quiz.check("Q3", "A")
            """
        ),
        md(
            """
            ## Reflection

            1. Which real incident from your own experience would make a good scenario? Write
               down its services, the broken contract, and what would mask it.
            2. What would you tell a student whose fix dimension is full but whose diagnosis is
               low?
            3. How would you use the class means per dimension to plan the next session?
            """
        ),
        code(
            """
            workdir.cleanup()
            """
        ),
    ]


# -- the dashboard-only app (for Voila) ----------------------------------------------


def app() -> list:
    return [
        md(
            """
            # API debugging dashboard: the payment gateway incident
            """
        ),
        code(
            """
            import apidebug_nb as adb

            dash = adb.Dashboard("easy")
            dash
            """
        ),
    ]


NOTEBOOKS = {
    "00_start_here.ipynb": start_here,
    "01_easy_payment_gateway.ipynb": easy_lab,
    "02_medium_webhook_chain.ipynb": medium_lab,
    "03_hard_order_pipeline.ipynb": hard_lab,
    "04_grading_and_agents.ipynb": grading_lab,
    "05_instructor_guide.ipynb": instructor_guide,
    "app.ipynb": app,
}


#: The notebooks a learner opens in Jupyter; app.ipynb is for Voila, whose server has the package.
LABS = [name for name in NOTEBOOKS if name != "app.ipynb"]


def build(name: str):
    nb = new_notebook(cells=NOTEBOOKS[name]())
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"{Path(name).stem[:2]}-{n:03d}"
    if name in LABS:
        first = install_cell()
        first["id"] = f"{Path(name).stem[:2]}-install"
        nb.cells.insert(0, first)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook file names (default: all)")
    args = parser.parse_args(argv)
    for name in args.names or list(NOTEBOOKS):
        nb = build(name)
        nbformat.validate(nb)
        nbformat.write(nb, NOTEBOOK_DIR / name)
        print("wrote", NOTEBOOK_DIR / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
