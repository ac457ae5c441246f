"""``import apidebug_nb`` stays light: no widget or plotting library, networkx on demand."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import apidebug_nb as adb

HEAVY = ("ipywidgets", "anywidget", "matplotlib", "networkx", "IPython", "numpy")


def loaded_after(code: str) -> set[str]:
    """Top-level heavy packages present in a fresh interpreter after running ``code``."""
    probe = (
        "import json, sys\n"
        f"{code}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_loads_neither_widgets_nor_plotting_nor_networkx():
    loaded = loaded_after("import apidebug_nb")
    assert "ipywidgets" not in loaded
    assert "matplotlib" not in loaded
    assert "networkx" not in loaded  # imported lazily, inside the functions that need it


def test_playing_an_episode_needs_no_ui_library():
    loaded = loaded_after(
        "import apidebug_nb as adb\n"
        "sc = adb.load_scenario('hard', seed=3)\n"
        "ep = adb.Episode(sc); ep.reset()\n"
        "for a in adb.oracle_actions(sc): ep.step(a)\n"
        "assert ep.terminated\n"
        "ep.grade(); adb.verify(ep.transcript())"
    )
    assert "ipywidgets" not in loaded and "matplotlib" not in loaded


def test_the_probe_sees_what_is_imported():
    # guards the tests above against a probe that can never report anything
    assert "networkx" in loaded_after("import apidebug_nb as adb\nadb.load_scenario('easy').graph")


def test_public_names_of_the_contract():
    for name in (
        "TASKS",
        "load_scenario",
        "task_pool",
        "validate_scenario",
        "Episode",
        "Action",
        "Observation",
        "oracle_actions",
        "replay",
        "verify",
        "Scenario",
        "Issue",
        "Service",
        "ScenarioError",
        "RuleError",
        "MissingPathError",
        "UnknownTaskError",
        "__version__",
    ):
        assert hasattr(adb, name), name
    assert set(adb.__all__) >= {"TASKS", "load_scenario", "Episode", "Action", "Dashboard"}


def test_unknown_attribute_is_a_clear_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'Dashbord'"):
        adb.Dashbord  # noqa: B018


def test_dir_lists_every_public_name_and_each_resolves():
    listed = dir(adb)
    for name in adb.__all__:
        assert name in listed, name
        assert getattr(adb, name) is not None
    # the lazy names too, which live in no module global until first use
    assert {"Dashboard", "play", "Grade", "observation_text"} <= set(listed)


def test_observation_text_is_exported():
    ep = adb.Episode(adb.load_scenario("easy"))
    obs, _ = ep.reset()
    assert adb.observation_text(obs).startswith("[step 0, 15 left] ")
