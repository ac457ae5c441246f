"""The Gymnasium environments: registered ids, check_env, vector envs, text twin, seeds."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

gym = pytest.importorskip("gymnasium")

from gymnasium.utils.env_checker import check_env  # noqa: E402

import apidebug_nb as adb  # noqa: E402
from apidebug_nb.gym import ENV_IDS, ApiDebugEnv  # noqa: E402
from apidebug_nb.gym.spaces import MAX_TEXT, decode_action, fit_text  # noqa: E402


def test_every_task_and_the_generator_have_an_id():
    assert ENV_IDS == (
        "apidebug_nb/easy-v0",
        "apidebug_nb/medium-v0",
        "apidebug_nb/hard-v0",
        "apidebug_nb/retry_storm-v0",
        "apidebug_nb/ca_rotation-v0",
        "apidebug_nb/dns_ttl-v0",
        "apidebug_nb/pagination_drift-v0",
        "apidebug_nb/vendor_enum-v0",
        "apidebug_nb/webhook_skew-v0",
        "apidebug_nb/generated-v0",
    )
    assert set(ENV_IDS) <= set(gym.registry)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_check_env_passes(env_id):
    env = gym.make(env_id, render_mode="ansi")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # check_env reports some problems only as warnings
        check_env(env.unwrapped, skip_render_check=False)


def test_make_can_import_the_registering_module_itself():
    code = (
        "import gymnasium as gym\n"
        "env = gym.make('apidebug_nb.gym:apidebug_nb/hard-v0')\n"
        "print(env.unwrapped.task, len(env.unwrapped.services))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["hard", str(len(adb.load_scenario("hard").services))], out.stderr


def test_generated_id_takes_kwargs():
    env = gym.make("apidebug_nb/generated-v0", n_services=6, n_issues=3)
    obs, info = env.reset(seed=4)
    expected = adb.generate_scenario(6, 3, seed=4)
    played = env.unwrapped.scenario
    assert (played.id, played.services, played.issue_ids) == (
        expected.id,
        expected.services,
        expected.issue_ids,
    )
    assert obs["health"].shape == (6,)
    assert env.observation_space["resolved"].n == 4  # 0..3 problems fixed


def test_reset_seed_selects_the_variant_and_unseeded_plays_canonical():
    env = ApiDebugEnv("hard")
    env.reset()
    assert env.scenario.id == "hard"
    env.reset()
    assert env.scenario.id == "hard"  # never seeded: the canonical scenario every time
    env.reset(seed=7)
    assert env.scenario.id == "hard-7"
    env.reset()  # seeded before: the next variant comes from the environment's RNG
    following = env.scenario.id
    env.reset(seed=7)
    env.reset()
    assert env.scenario.id == following != "hard-7"


def test_ansi_render_is_the_text_twin_and_text_fits_the_space():
    env = gym.make("apidebug_nb/easy-v0", render_mode="ansi")
    obs, info = env.reset()
    assert env.render() == adb.observation_text(info["observation"])
    assert obs["text"] == env.render()  # the easy task's text is plain ASCII and short
    silent = gym.make("apidebug_nb/easy-v0")
    silent.reset()
    assert silent.render() is None


def test_long_or_non_ascii_text_is_cut_to_the_space():
    assert fit_text("caf\u00e9") == "caf?"
    long = "first line\n" + "x" * (2 * MAX_TEXT)
    cut = fit_text(long)
    assert len(cut) == MAX_TEXT
    assert cut.startswith("first line\n    [...]\n") and cut.endswith("xxx")


def test_a_fix_is_json_text_and_bad_text_is_a_rejected_step():
    services = ["payment_client", "payment_gateway"]
    fix = decode_action(
        {"kind": 3, "service": 0, "fix": '{"headers.Content-Type": "application/json"}'}, services
    )
    assert fix == adb.Action.submit_fix(
        "payment_client", {"headers.Content-Type": "application/json"}
    )
    env = ApiDebugEnv("easy")
    env.reset()
    for text in ("not json", "NaN", "[" * 1500):
        obs, reward, *_, info = env.step({"kind": 3, "service": 0, "fix": text})
        assert obs["accepted"] == 0 and info["observation"].outcome.rejected == "bad_patch"
    with pytest.raises(adb.ActionError, match="out of range 0..1"):
        env.step({"kind": 0, "service": 2, "fix": ""})


def test_the_seed_style_dicts_play_through_the_env_and_the_episode():
    env = ApiDebugEnv("easy")
    env.reset()
    obs, reward, terminated, truncated, info = env.step(
        {
            "action_type": "submit_fix",
            "target": "payment_client",
            "fix_payload": {"headers.Content-Type": "application/json"},
        }
    )
    assert info["observation"].outcome.resolved == ("easy.content_type",)
    assert obs["resolved"] == 1


def _run_random_episodes(vector_cls, episodes: int) -> int:
    envs = vector_cls([lambda: gym.make("apidebug_nb/easy-v0") for _ in range(8)])
    envs.action_space.seed(0)
    envs.reset(seed=0)
    done = 0
    while done < episodes:
        _, _, terminated, truncated, _ = envs.step(envs.action_space.sample())
        done += int((terminated | truncated).sum())
    envs.close()
    return done


@pytest.mark.slow
@pytest.mark.parametrize("vector", ["SyncVectorEnv", "AsyncVectorEnv"])
def test_a_vector_env_of_8_runs_1000_random_episodes(vector):
    assert _run_random_episodes(getattr(gym.vector, vector), 1000) >= 1000


def test_the_prompt_loop_shows_the_model_the_text_and_reads_its_json_reply():
    from apidebug_nb.gym.prompt_agent import ScriptedModel, parse_reply, prompt

    env = ApiDebugEnv("easy")
    obs, info = env.reset()
    model = ScriptedModel(
        ['I will look first: {"action_type": "inspect_logs", "target": "payment_client"}']
    )
    action = parse_reply(model(prompt(obs["text"], env.services)))
    assert action == {"action_type": "inspect_logs", "target": "payment_client"}
    (shown,) = model.prompts
    assert obs["text"] in shown and "payment_client, payment_gateway" in shown
    assert parse_reply(model("anything")) == {"action_type": "hint"}  # the script ran out
    for reply in ("no json here", "{not json}", "[1, 2]"):
        with pytest.raises(adb.ActionError, match="no JSON action object"):
            parse_reply(reply)
