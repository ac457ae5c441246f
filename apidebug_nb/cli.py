"""The ``apidebug-nb`` command line: play, author, hand out and grade scenarios.

Subcommands: ``lab``, ``list``, ``play``, ``validate``, ``variants``, ``grade``,
``notebooks``. Each has ``--help``. Exit codes: 0 success, 1 bad input (the
message on stderr says what was wrong and what is valid), 2 bad usage.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from apidebug_nb._version import __version__
from apidebug_nb.errors import ApiDebugError

PLAY_HELP = """\
Commands (each action costs one step; typing mistakes cost nothing):
  logs SERVICE              show a service's log
  config SERVICE            show a service's config
  endpoint SERVICE          send a test request through a service
  fix SERVICE JSON          apply a JSON merge patch, e.g. fix payment_client {"timeout": 30}
                            (dotted keys work: {"headers.Content-Type": "application/json"};
                            null deletes a key)
  hint                      the next hint for the first visible problem
  reveal [ISSUE]            show a problem's fix (it then earns no fix credit)
  status                    steps left, problems fixed, health and alerts (free)
  services                  the services and whether you may edit them (free)
  help                      this text (free)
  quit                      stop now (the grade so far is shown)"""


class CommandError(Exception):
    """Bad input to a subcommand: printed on stderr, exit code 1."""


# -- list -----------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    from apidebug_nb.instructor.scenario_files import example_files, load_scenario_file
    from apidebug_nb.scenarios.catalogue import SPECS, task_level, task_pool

    out.write("Built-in tasks (play with: apidebug-nb play TASK [--seed N]):\n")
    width = max(map(len, SPECS))  # names in one column, however long the longest
    for name, spec in SPECS.items():
        level, skills = task_level(name)
        out.write(
            f"  {name:<{width}} {spec.title}: {spec.per_episode} of {len(task_pool(name))} "
            f"problems per episode, {spec.max_steps} steps\n"
            f"  {'':<{width}} level: {level}; skills: {', '.join(skills)}\n"
        )
    files = example_files()
    if files:
        out.write("Example scenario files (play with: apidebug-nb play FILE):\n")
        for path in files:
            sc = load_scenario_file(path)
            out.write(
                f"  {path}\n      {sc.title}: {len(sc.issues)} problems, {sc.max_steps} steps\n"
            )
    return 0


# -- play -----------------------------------------------------------------------------


def _load_for_play(target: str, seed: int | None) -> Any:
    from apidebug_nb.instructor.scenario_files import FORMATS, load_scenario_file
    from apidebug_nb.scenarios.catalogue import TASKS, load_scenario

    if Path(target).suffix.lower() in FORMATS or Path(target).is_file():
        if seed is not None:
            raise CommandError("--seed selects a variant of a built-in task, not of a file")
        return load_scenario_file(target)
    if target not in TASKS:
        raise CommandError(
            f"unknown task {target!r}; tasks are: {', '.join(TASKS)} (or give a scenario file)"
        )
    return load_scenario(target, seed)


class TextGame:
    """A text-mode episode: reads commands, prints what the learner sees."""

    def __init__(self, episode: Any, out: TextIO):
        self.ep = episode
        self.out = out

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def header(self) -> str:
        ep = self.ep
        return (
            f"[step {ep.steps}/{ep.scenario.max_steps}, {ep.steps_left} left | "
            f"fixed {len(ep.resolved)}/{len(ep.sim.order)}]"
        )

    def show(self, obs: Any) -> None:
        self.say(f"{self.header()} {obs.message}")
        for line in obs.logs:
            self.say(f"  {line}")
        if obs.config is not None:
            self.say(_indent(json.dumps(obs.config, indent=2, sort_keys=True)))
        if obs.response is not None:
            self.say(_indent(json.dumps(obs.response, indent=2, sort_keys=True)))

    def status(self, obs: Any | None = None) -> None:
        ep = self.ep
        obs = obs or ep.observations[-1]
        self.say(self.header())
        self.say("Health: " + ", ".join(f"{s} {h}" for s, h in obs.health.items()))
        if obs.alerts:
            self.say("Alerts:")
            for a in obs.alerts:
                self.say(f"  ! {a}")
        else:
            self.say("Alerts: none")

    def services(self) -> None:
        for s in self.ep.scenario.service_records:
            mine = "yours, editable" if s.editable else "not yours: its config is the contract"
            self.say(f"  {s.name:<24} {s.role} ({mine})")

    def check_service(self, name: str) -> str | None:
        """None if ``name`` is a service, else a message (typos cost no step)."""
        names = self.ep.scenario.services
        if name in names:
            return None
        close = difflib.get_close_matches(name, names, n=1)
        guess = f" Did you mean {close[0]!r}?" if close else ""
        return f"No service called {name!r}.{guess} Services: {', '.join(names)}. (No step used.)"

    def parse(self, line: str) -> tuple[Any, str | None]:
        """``(action, None)`` for a step, ``(None, message)`` otherwise."""
        from apidebug_nb.episode.actions import Action
        from apidebug_nb.input_limits import FIX_LIMITS, InputError, loads_json_text
        from apidebug_nb.views.fix_input import FixInputError, parse_changes

        words = line.strip().split(maxsplit=2)
        if not words:
            return None, ""
        cmd, rest = words[0].lower(), words[1:]
        kinds = {"logs": Action.inspect_logs, "config": Action.inspect_config}
        kinds["endpoint"] = Action.inspect_endpoint
        if cmd in kinds:
            if len(rest) != 1:
                return None, f"Usage: {cmd} SERVICE (no step used)."
            err = self.check_service(rest[0])
            return (None, err) if err else (kinds[cmd](rest[0]), None)
        if cmd == "fix":
            if len(rest) != 2:
                return None, 'Usage: fix SERVICE JSON, e.g. fix payment_client {"timeout": 30}.'
            err = self.check_service(rest[0])
            if err:
                return None, err
            try:
                try:
                    loads_json_text(rest[1], FIX_LIMITS)  # bounds first: no 5,000-digit number
                except json.JSONDecodeError:
                    pass  # parse_changes words syntax errors as the dashboard does
                changes = parse_changes(rest[1])  # the dashboard's parser: same messages
            except InputError as exc:
                return None, f"That is not a usable fix: {exc}. (No step used.)"
            except FixInputError as exc:
                return None, (
                    f"That is not a usable fix: {exc} "
                    'Example: {"timeout": 30} or {"headers.Authorization": "Bearer KEY"}.'
                )
            return Action.submit_fix(rest[0], changes), None
        if cmd == "hint" and not rest:
            return Action.hint(), None
        if cmd == "reveal" and len(rest) <= 1:
            return Action.reveal(rest[0] if rest else None), None
        return None, f"Unknown command {line.strip()!r}; type help for the commands (no step used)."

    def play(self, lines: Callable[[], str | None]) -> int:
        obs, _ = self.ep.reset()
        self.say(obs.message)
        self.say("Type help for the commands.")
        self.services()
        self.status(obs)
        while not self.ep.done:
            line = lines()
            if line is None:
                self.say("(end of input)")
                break
            cmd = line.strip().lower()
            if cmd in ("quit", "exit", "q"):
                break
            if cmd in ("help", "?"):
                self.say(PLAY_HELP)
                continue
            if cmd == "status":
                self.status()
                continue
            if cmd == "services":
                self.services()
                continue
            try:
                action, message = self.parse(line)
                if action is not None:
                    obs, *_ = self.ep.step(action)
            except ApiDebugError as exc:  # refused before the step: nothing changed
                self.say(f"{exc} (No step used.)")
                continue
            if action is None:
                if message:
                    self.say(message)
                continue
            self.show(obs)
        self.finish()
        return 0

    def finish(self) -> None:
        self.say("")
        self.say(self.ep.grade().render_text())
        for e in self.ep.explanations():
            self.say(f"\n{e['title']}: {e['explanation']}")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _stdin_lines(prompt: str, out: TextIO) -> Callable[[], str | None]:
    def read() -> str | None:
        out.write(prompt)
        out.flush()
        line = sys.stdin.readline()
        if not line:
            out.write("\n")
            return None
        if not sys.stdin.isatty():
            out.write(line if line.endswith("\n") else line + "\n")  # echo piped input
        return line

    return read


def check_transcript_path(target: str) -> Path:
    """Refuse a ``--transcript`` path that could not be written, before play starts.

    A folder, a missing or read-only parent folder, or an existing file (never
    overwritten: it may hold someone's work) is a :class:`CommandError`.
    """
    path = Path(target)
    if path.is_dir():
        raise CommandError(f"--transcript {target}: that is a folder; give a file name in it")
    if path.exists() or path.is_symlink():
        raise CommandError(
            f"--transcript {target}: the file already exists and is never overwritten "
            "(it may hold earlier work); choose a new file name or move the old file"
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CommandError(f"--transcript {target}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CommandError(f"--transcript {target}: the folder {parent} is not writable")
    return path


def cmd_play(args: argparse.Namespace, out: TextIO) -> int:
    from apidebug_nb.episode.episode import Episode

    path = check_transcript_path(args.transcript) if args.transcript else None
    sc = _load_for_play(args.task, args.seed)
    game = TextGame(Episode(sc, learner_id=args.learner), out)
    try:
        code = game.play(_stdin_lines("> ", out))
    except KeyboardInterrupt:
        out.write("\n(interrupted)\n")
        if path is not None:
            _write_transcript(game, path, out)
        raise
    if path is not None:
        _write_transcript(game, path, out)
    return code


def _write_transcript(game: TextGame, path: Path, out: TextIO) -> None:
    from apidebug_nb.views.dashboard import write_atomically

    ep = game.ep
    write_atomically(path, json.dumps(ep.transcript(), indent=1) + "\n")
    out.write(f"Transcript of {ep.steps} step{'s' if ep.steps != 1 else ''} written to {path}\n")


# -- validate ---------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    """Check each file on its own: one bad file is reported and the others still checked."""
    failed = 0
    for name in args.files:
        try:
            ok = _validate_one(name, out)
        except ApiDebugError as exc:
            ok = False
            sys.stderr.write(f"invalid: {exc}\n")
        except (RecursionError, MemoryError, OverflowError, ValueError, TypeError) as exc:
            ok = False  # a bug, not the author's fault: say so, and go on with the next file
            sys.stderr.write(
                f"invalid: {name}: could not be checked ({type(exc).__name__}: "
                f"{str(exc)[:200]}); please report this\n"
            )
        failed += not ok
    return 1 if failed else 0


def _validate_one(name: str, out: TextIO) -> bool:
    import apidebug_nb as adb
    from apidebug_nb.instructor.scenario_files import load_scenario_file

    sc = load_scenario_file(name)
    ep = adb.Episode(sc)
    ep.reset()
    for action in adb.oracle_actions(sc):
        ep.step(action)
    g = ep.grade()
    out.write(
        f"ok: {name}: {sc.id!r}, {len(sc.services)} services, {len(sc.issues)} problems; "
        f"the reference solver fixes all in {ep.steps} of {sc.max_steps} steps "
        f"(score {g.score:.2f})\n"
    )
    if not ep.terminated or g.score != 1.0:
        sys.stderr.write(f"invalid: {name}: the reference solver does not score 1.0\n")
        return False
    return True


# -- variants ----------------------------------------------------------------------------


def cmd_variants(args: argparse.Namespace, out: TextIO) -> int:
    from apidebug_nb.instructor.variants import assign_variants, write_roster_csv

    assignments = assign_variants(args.students, args.task, args.salt)
    width = max(len("student_id"), *(len(s) for s in assignments))
    out.write(f"{'student_id':<{width}}  seed        scenario\n")
    for sid, seed in assignments.items():
        out.write(f"{sid:<{width}}  {seed:<10}  {args.task}-{seed}\n")
    if args.csv:
        write_roster_csv(assignments, args.task, args.csv)
        out.write(f"Roster written to {args.csv}\n")
    return 0


# -- grade -----------------------------------------------------------------------------------


def cmd_grade(args: argparse.Namespace, out: TextIO) -> int:
    from apidebug_nb.instructor.classroom import grade_transcripts, summarise, write_rows_csv
    from apidebug_nb.instructor.variants import read_roster_csv

    folder = Path(args.folder)
    if not folder.is_dir():
        raise CommandError(
            f"{folder} is not a folder; give the folder holding the *.json transcripts"
        )
    roster = read_roster_csv(args.roster) if args.roster else None
    scenarios = None
    if args.scenarios:
        from apidebug_nb.instructor.scenario_files import load_scenario_file

        scenarios = [load_scenario_file(p) for p in args.scenarios]
    rows = grade_transcripts(folder, roster, scenarios)
    if not rows:
        raise CommandError(f"no *.json transcripts in {folder}")
    width = max(len("file"), *(len(r["file"]) for r in rows))
    out.write(f"{'file':<{width}}  {'learner':<14} {'score':>5}  status\n")
    for r in rows:
        score = "" if r["score"] is None else f"{r['score']:.2f}"
        reasons = f" ({'; '.join(r['reasons'])})" if r["reasons"] else ""
        out.write(
            f"{r['file']:<{width}}  {str(r['learner_id'] or ''):<14} {score:>5}  "
            f"{r['status']}{reasons}\n"
        )
    s = summarise(rows)
    mean = "n/a" if s["mean_score"] is None else f"{s['mean_score']:.2f}"
    out.write(
        f"{s['files']} files, {s['graded']} graded by replay, mean score {mean}; "
        f"{len(s['flagged'])} flagged\n"
    )
    if args.csv:
        write_rows_csv(rows, args.csv)
        out.write(f"Grades written to {args.csv}\n")
    if args.report:
        from apidebug_nb.views.class_report import write_class_report

        write_class_report(rows, args.report, title=args.title)
        out.write(f"Class report written to {args.report}\n")
    return 0


# -- notebooks -------------------------------------------------------------------------------


def cmd_notebooks(args: argparse.Namespace, out: TextIO) -> int:
    from apidebug_nb.notebook_files import notebook_paths

    dest = Path(args.dest)
    if dest.exists() and not dest.is_dir():
        raise CommandError(f"{dest} exists and is not a folder")
    try:
        sources = notebook_paths()
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
    clashes = [p.name for p in sources if (dest / p.name).exists()]
    if clashes and not args.force:
        raise CommandError(
            f"{dest} already holds {', '.join(clashes)}; nothing was copied "
            "(use --force to overwrite, or choose another folder)"
        )
    dest.mkdir(parents=True, exist_ok=True)
    for p in sources:
        shutil.copyfile(p, dest / p.name)
        out.write(f"copied {p.name}\n")
    out.write(f"{len(sources)} notebooks in {dest}; open them with: jupyter lab {dest}\n")
    return 0


# -- lab -------------------------------------------------------------------------------------


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"a port is a whole number from 1 to 65535 (0: any free port), got {text!r}"
        )
    return int(text)


def _default_port(env: Any) -> int:
    """``JUPYTER_PORT`` when set (Jupyter's own convention), else 8888."""
    from apidebug_nb.lab_launcher import DEFAULT_PORT

    text = env.get("JUPYTER_PORT", "").strip()
    if not text:
        return DEFAULT_PORT
    try:
        return _port(text)
    except argparse.ArgumentTypeError as exc:
        raise CommandError(f"JUPYTER_PORT: {exc}") from None


def cmd_lab(args: argparse.Namespace, out: TextIO) -> int:
    import os

    from apidebug_nb import lab_launcher as L
    from apidebug_nb.notebook_files import notebook_paths

    if not L.jupyterlab_installed():
        raise CommandError(
            f"JupyterLab is not installed for {sys.executable}. Install it with "
            'pip install -e ".[lab]" (in a checkout) or pip install "apidebug_nb[lab]", '
            "then run apidebug-nb lab again"
        )
    port = args.port if args.port is not None else _default_port(os.environ)
    if port == 0:
        port = L.free_port(args.ip)
    elif L.port_in_use(port, args.ip):
        raise CommandError(
            f"port {port} on {args.ip} is already in use (another JupyterLab?). Stop that "
            f"server, or choose another port: apidebug-nb lab --port {port + 1} (0: any free port)"
        )
    dest = Path(args.dir).expanduser().absolute()
    try:
        sources = notebook_paths()
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
    try:
        report = L.sync_labs(dest, sources)
    except L.LabError as exc:
        raise CommandError(str(exc)) from None
    for line in report.lines(dest):
        out.write(line + "\n")
    no_browser = args.no_browser
    if not no_browser and not L.has_display(os.environ):
        no_browser = True
        out.write("no display found: not opening a browser (open the URL below yourself)\n")
    token = L.new_token()
    argv = L.lab_command(
        dest, args.ip, port, token, no_browser=no_browser, as_root=L.running_as_root()
    )
    out.write(f"JupyterLab is starting on the labs; open:\n  {L.lab_url(args.ip, port, token)}\n")
    out.write("Stop it with Ctrl+C.\n")
    out.flush()
    code = L.launch(argv, dest)
    if code != 0:
        sys.stderr.write(f"apidebug-nb lab: JupyterLab exited with code {code} (see above)\n")
    return code


# -- the parser ------------------------------------------------------------------------------


def _seed(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a seed is a non-negative integer, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (``--help`` on it and on each subcommand)."""
    parser = argparse.ArgumentParser(
        prog="apidebug-nb",
        description="Debug broken API integrations: play scenarios in the terminal, author "
        "scenario files, hand each student a variant and grade transcripts by replay.",
    )
    parser.add_argument("--version", action="version", version=f"apidebug-nb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from apidebug_nb.lab_launcher import DEFAULT_DIR, DEFAULT_IP, DEFAULT_PORT

    p = sub.add_parser(
        "lab",
        help="copy the labs into a folder and open them in JupyterLab",
        description="Copy the teaching notebooks into DIR (unless they are there already; "
        "a notebook you edited is never overwritten), then start JupyterLab on the "
        "start-here notebook and print its URL. As root it passes --allow-root; without a "
        "display it does not try to open a browser.",
    )
    p.add_argument(
        "dir", metavar="DIR", nargs="?", default=DEFAULT_DIR, help=f"default: {DEFAULT_DIR}"
    )
    p.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"port to serve on (default: $JUPYTER_PORT, else {DEFAULT_PORT}; 0: any free port)",
    )
    p.add_argument("--ip", default=DEFAULT_IP, help=f"address to serve on (default {DEFAULT_IP})")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(run=cmd_lab)

    p = sub.add_parser(
        "list",
        help="list the built-in tasks and example scenario files",
        description="List the built-in tasks and the example scenario files.",
    )
    p.set_defaults(run=cmd_list)

    p = sub.add_parser(
        "play",
        help="play a scenario in the terminal",
        description="Play an episode in the terminal (also works with a screen reader). "
        "Commands are read from standard input, one per line.",
        epilog=PLAY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("task", metavar="TASK", help="easy, medium, hard, or a scenario file")
    p.add_argument("--seed", type=_seed, help="variant of a built-in task (default: canonical)")
    p.add_argument("--learner", help="learner id recorded in the transcript")
    p.add_argument("--transcript", metavar="FILE", help="write the transcript (JSON) here")
    p.set_defaults(run=cmd_play)

    p = sub.add_parser(
        "validate",
        help="check scenario files",
        description="Load scenario files (.yaml, .yml, .toml, .json), check every validation "
        "rule, and run the reference solver on each. Errors name the file, line, issue "
        "and field.",
    )
    p.add_argument("files", metavar="FILE", nargs="+", help="scenario files")
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser(
        "variants",
        help="give each student their own variant",
        description="Map each student to the seed of their own variant (deterministic, "
        "from the salt). Read ids from a file with @FILE (one per line).",
        fromfile_prefix_chars="@",
    )
    p.add_argument("--task", required=True, help="easy, medium or hard")
    p.add_argument("--salt", required=True, help="a private, course-specific string")
    p.add_argument("--csv", metavar="FILE", help="write the roster CSV here")
    p.add_argument("students", metavar="STUDENT", nargs="+", help="student ids")
    p.set_defaults(run=cmd_variants)

    p = sub.add_parser(
        "grade",
        help="grade a folder of transcripts by replay",
        description="Replay every *.json transcript in a folder, flag tampered, invalid, "
        "truncated, scenario-mismatch and wrong-variant files and machine-speed play "
        "('check: scripted?'), and write grades and a class report.",
    )
    p.add_argument("folder", metavar="DIR", help="folder of *.json transcripts")
    p.add_argument("--roster", metavar="CSV", help="roster from 'apidebug-nb variants --csv'")
    p.add_argument(
        "--scenarios",
        metavar="FILE",
        nargs="+",
        help="your own scenario files: a transcript of a scenario file is graded against the "
        "one with the same content hash, never against the scenario the transcript carries",
    )
    p.add_argument("--csv", metavar="FILE", help="write the grades as CSV")
    p.add_argument("--report", metavar="FILE", help="write the class report (HTML)")
    p.add_argument("--title", default="Class report", help="title of the class report")
    p.set_defaults(run=cmd_grade)

    p = sub.add_parser(
        "notebooks",
        help="copy the teaching notebooks into a folder",
        description="Copy the teaching notebooks into DEST (created if needed).",
    )
    p.add_argument("dest", metavar="DEST", help="destination folder")
    p.add_argument("--force", action="store_true", help="overwrite notebooks already there")
    p.set_defaults(run=cmd_notebooks)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse printed it)
        return int(exc.code or 0)
    try:
        return args.run(args, sys.stdout)
    except (CommandError, ApiDebugError, OSError) as exc:
        sys.stderr.write(f"apidebug-nb {args.command}: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
