"""valley.train takes every flag of `valley train` through the command
line's own parser and checks: each method's options give the same run as
the command line, and a bad option the same one-line message."""

import inspect
import json
import re

import numpy as np
import pytest

import valley
from conftest import SigintAfter, cli_error, cli_flags, run_cli

# Tiny runs: a few updates of a small net, evaluated on 100 images.
TINY = dict(net="784-10", updates=6, eval_every=3, eval_size=100, seed=5)

# Each method with the options that are not its defaults.
METHOD_OPTIONS = {
    "sgd": dict(method="sgd", lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4,
                lr_drops=[2, 4], lr_drop_factor=0.5),
    "sam": dict(method="sam", lr=0.05, rho=0.1, adaptive=True, asam_eta=0.02, momentum=0.5),
    "entropy-sgd": dict(method="entropy-sgd", lr=0.1, L=3, gamma0=1e-3, gamma1=1e-2, noise=1e-3,
                        inner_lr=0.05, beta1=0.5, momentum=0.8, nesterov=False,
                        inner_batch="same"),
    "is": dict(method="is", tau=0.05, samples=12, beta=2.0, covariance="diag", tau_min=1e-5,
               tau_max=0.5),
    "sgld": dict(method="sgld", tau=0.05, samples=6, eps0=500, sgld_noise="stddev",
                 sgld_chains=2, sampler="full", tau_schedule="scoping", tau1=0.1, eta=0.02),
    "heat": dict(method="heat", tau=0.05, rm_iters=3, rm_samples=4, rm_c=0.2, rm_alpha=0.8,
                 sgd_first=2, sampler="full"),
}


def read_rows(path):
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    seconds = header.index("seconds")
    # Everything but the wall time, as text: the same text, the same doubles.
    return [[v for i, v in enumerate(line.split(",")) if i != seconds] for line in lines[1:]]


@pytest.mark.parametrize("name", list(METHOD_OPTIONS))
def test_each_methods_options_give_the_command_lines_run(tmp_path, name):
    keywords = dict(TINY, **METHOD_OPTIONS[name])
    cli_dir = tmp_path / "cli"
    result = run_cli("train", "--no-progress", "--out", cli_dir, *cli_flags(keywords))
    assert result.returncode == 0, result.stderr

    run = valley.train(tmp_path / "py", progress=False, **keywords)

    py_dir = tmp_path / "py"
    # The same settings reached the trainer: config.json differs only in --out.
    cli_config = json.loads((cli_dir / "config.json").read_text())
    py_config = json.loads((py_dir / "config.json").read_text())
    assert cli_config.pop("out") != py_config.pop("out")
    assert py_config == cli_config
    for key, value in METHOD_OPTIONS[name].items():
        assert py_config[key] == value, key
    # The same numbers, update by update, and the same final network.
    cli_rows = read_rows(cli_dir / "metrics.csv")
    assert read_rows(py_dir / "metrics.csv") == cli_rows and len(cli_rows) == 3
    np.testing.assert_array_equal(run["metrics"]["train_loss"],
                                  [float(row[1]) for row in cli_rows])
    cli_model = valley.load_model(str(cli_dir))
    py_model = valley.load_model(run["out"])
    assert sorted(py_model) == sorted(cli_model)
    for tensor in cli_model:
        np.testing.assert_array_equal(py_model[tensor], cli_model[tensor])
    # The method's diagnostics files too (entropy_sgd.csv, covariance.csv).
    cli_files = {p.name for p in cli_dir.iterdir() if p.name != ".lock"}  # the directory's lock
    assert set(run["files"]) == cli_files
    for diagnostics in cli_files & {"entropy_sgd.csv", "covariance.csv"}:
        assert (py_dir / diagnostics).read_text() == (cli_dir / diagnostics).read_text()
    assert {"entropy-sgd": "entropy_sgd.csv", "is": "covariance.csv"}.get(name, "config.json") \
        in cli_files


@pytest.mark.parametrize("keywords", [
    dict(method="sgd", rho=0.1),
    dict(method="sam", rho=-1),
    dict(method="sam", adaptive=True, asam_eta=float("nan")),
    dict(method="entropy-sgd", L=0),
    dict(method="entropy-sgd", beta1=1.0),
    dict(method="is", tau_min=1e-3),
    dict(method="is", covariance="full"),
    dict(method="heat", L=5),
    dict(method="sgd", momentum=1.5),
    dict(method="sgd", nesterov=True),
    dict(method="sgd", lr_drops=[0, 3]),
    dict(method="sgld", sgld_chains=0),
    dict(method="sgld", samples=10, sgld_noise="loud"),
    dict(method="heat", samples=9, rm_iters=3),
    dict(seed=-1),
    dict(batch=0),
    dict(inner_batch="sometimes"),
    dict(resume="no-such-run"),
])
def test_a_bad_option_raises_the_command_lines_message(tmp_path, keywords):
    keywords = dict(keywords)
    if "resume" in keywords:
        keywords["resume"] = str(tmp_path / keywords["resume"])
        out = None
    else:
        out = tmp_path / "run"
    flags = cli_flags(keywords) + (["--out", str(out)] if out else [])
    message = cli_error(run_cli("train", "--no-progress", *flags))

    with pytest.raises(valley.ArgumentError) as error:
        valley.train(out, **keywords)

    assert str(error.value) == message
    assert isinstance(error.value, valley.Error) and isinstance(error.value, ValueError)
    assert not (tmp_path / "run").exists()


def test_an_unknown_keyword_raises_type_error_naming_it(tmp_path):
    with pytest.raises(TypeError, match="unexpected keyword argument 'learning_rate'"):
        valley.train(tmp_path / "run", learning_rate=0.1)
    with pytest.raises(TypeError, match="'no_progress'"):  # the keyword is progress=False
        valley.train(tmp_path / "run", no_progress=True)
    with pytest.raises(valley.ArgumentError, match="adaptive must be True or False"):
        valley.train(tmp_path / "run", method="sam", adaptive=1)
    assert not (tmp_path / "run").exists()


def test_every_flag_of_valley_train_is_a_keyword_with_its_default_and_help():
    help_text = run_cli("train", "--help").stdout
    flags = set(re.findall(r"^\s+(?:-\w,\s*)?--([\w-]+)", help_text, re.M)) - {"help"}
    parameters = inspect.signature(valley.train).parameters
    keywords = {flag.replace("-", "_").removeprefix("no_") for flag in flags}
    assert len(keywords) >= 50 and keywords == set(parameters)
    assert list(parameters)[0] == "out"
    defaults = {name: p.default for name, p in parameters.items()}
    assert defaults["method"] == "sgd" and defaults["updates"] == 500 and defaults["batch"] == 20
    assert defaults["rho"] == 0.05 and defaults["L"] == 20 and defaults["gamma0"] == 1e-4
    assert defaults["inner_batch"] == "auto" and defaults["covariance"] == "iso"
    assert defaults["tau_max"] == 1.0 and defaults["sgld_chains"] == 1
    assert defaults["momentum"] is None and defaults["nesterov"] is None
    assert defaults["progress"] is True and defaults["adaptive"] is False
    doc = valley.train.__doc__
    assert "rho=0.05" in doc and "--covariance diag: lower clip of the variances s" in doc
    assert "False: Heavy-ball momentum" in doc


def test_resume_continues_an_interrupted_run_to_the_command_lines_numbers(tmp_path):
    keywords = dict(net="784-30-10", updates=30000, eval_every=5000, eval_size=100, lr=0.05,
                    checkpoint_every=1000)
    whole = tmp_path / "whole"
    assert run_cli("train", "--no-progress", "--out", whole, *cli_flags(keywords)).returncode == 0
    # About 2 s of updates here: interrupted part way, with a checkpoint saved.
    part = tmp_path / "part"
    sigint = SigintAfter(0.4)
    with pytest.raises(KeyboardInterrupt):
        valley.train(part, progress=False, **keywords)
    sigint.reaction_seconds()
    assert json.loads((part / "summary.json").read_text())["status"] == "interrupted"

    # Other settings than the run's are refused (by the trainer, on reading the
    # checkpoint), with the command line's message.
    with pytest.raises(valley.Error) as error:
        valley.train(resume=part, lr=0.5)
    assert str(error.value) == cli_error(run_cli("train", "--resume", part, "--lr", "0.5"))

    run = valley.train(resume=part, progress=False, threads=1)

    assert run["out"] == str(part) and run["summary"]["status"] == "completed"
    assert read_rows(part / "metrics.csv") == read_rows(whole / "metrics.csv")
    resumed, uninterrupted = valley.load_model(run["out"]), valley.load_model(str(whole))
    for tensor in uninterrupted:
        np.testing.assert_array_equal(resumed[tensor], uninterrupted[tensor])
