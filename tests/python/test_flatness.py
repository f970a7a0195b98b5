"""valley.flatness: the measures of `valley flatness` through the library,
as a dict equal to the command's flatness.json for the same runs and seed."""

import json

import pytest

import valley
from conftest import cli_error, run_cli

# Quick measures on 150 images of two tiny runs: seconds, not minutes.
SETTINGS = dict(quick=True, subset=150, seed=4)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    made = []
    for seed in (1, 2):
        run = valley.train(base / f"sgd-{seed}", net="784-10", updates=20, eval_every=20,
                           eval_size=100, lr=0.1, seed=seed, progress=False)
        made.append(run["out"])
    return made


def without_seconds(doc):
    doc = dict(doc)
    seconds = doc.pop("seconds")
    assert seconds["all"] > 0  # wall time: the one part that differs between two measurings
    return doc


def test_flatness_equals_the_command_lines_flatness_json(runs, tmp_path):
    out = tmp_path / "cli"
    result = run_cli("flatness", *runs, "--out", out, "--quick", "--subset", "150", "--seed", "4",
                     "--between", *runs)
    assert result.returncode == 0, result.stderr
    cli = json.loads((out / "flatness.json").read_text())

    doc = valley.flatness(runs, between=runs, threads=1, **SETTINGS)

    assert without_seconds(doc) == without_seconds(cli)
    assert [run["run"] for run in doc["runs"]] == runs
    assert doc["subset_requested"] == 150 and doc["settings"]["quick"] is True
    assert all(run["subset"]["images"] == 150 for run in doc["runs"])
    assert len(doc["between"]["curve"]) > 2
    # Another seed draws other probes and directions.
    other = valley.flatness(runs[0], **dict(SETTINGS, seed=5))
    assert other["runs"][0]["measures"] != doc["runs"][0]["measures"]


def test_flatness_writes_the_commands_files_only_when_given_out(runs, tmp_path):
    doc = valley.flatness(runs[0], **SETTINGS)
    assert list(tmp_path.iterdir()) == []
    out = tmp_path / "py"
    written = valley.flatness(runs[0], out=out, **SETTINGS)
    assert without_seconds(json.loads((out / "flatness.json").read_text())) == \
        without_seconds(written) == without_seconds(doc)
    for name in ("profiles.csv", "spectrum.csv", "landscape_1d.csv", "flatness.gp"):
        assert (out / name).exists(), name


@pytest.mark.parametrize("keywords", [
    dict(subset=0),
    dict(subset="ten"),
    dict(threads=0),
    dict(seed=-2),
    dict(between=["a"]),
])
def test_a_bad_flatness_option_raises_the_command_lines_message(runs, tmp_path, keywords):
    flags = []
    for key, value in keywords.items():
        flags += ["--" + key, *(value if isinstance(value, list) else [value])]
    message = cli_error(run_cli("flatness", runs[0], "--out", tmp_path / "cli", *flags))

    with pytest.raises(valley.ArgumentError) as error:
        valley.flatness(runs[0], **keywords)

    assert str(error.value) == message


def test_a_missing_run_is_a_valley_error_naming_it(tmp_path):
    missing = str(tmp_path / "nothing")
    message = cli_error(run_cli("flatness", missing, "--out", tmp_path / "cli"))
    with pytest.raises(valley.Error) as error:
        valley.flatness(missing)
    assert str(error.value) == message and "nothing" in message
    with pytest.raises(TypeError, match="'brief'"):  # a printing option of the command only
        valley.flatness(missing, brief=True)
