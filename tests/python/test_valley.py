"""The Python module (python/module.cpp): the same numbers as the command
line, the estimators against closed forms, and the behaviour of a good
extension (errors, exceptions in f, Ctrl-C). CTest runs it with
PYTHONPATH=<build>/python and VALLEY_BINARY=<build>/src/valley."""

import csv
import json
import math
import os
import subprocess
import time

import numpy as np
import pytest

import valley
from conftest import SigintAfter


def read_metrics(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ---- train: the same numbers as `valley train` -----------------------------

def test_train_equals_the_command_line_bit_for_bit(tmp_path):
    args = dict(method="sgld", updates=12, eval_every=4, samples=15, tau=0.05, seed=3,
                eval_size=200)
    cli_out = tmp_path / "cli"
    flags = ["train", "--no-progress", "--out", str(cli_out)]
    for key, value in args.items():
        flags += ["--" + key.replace("_", "-"), str(value)]
    subprocess.run([os.environ["VALLEY_BINARY"], *flags], check=True, capture_output=True)

    result = valley.train(out=str(tmp_path / "py"), **args)

    cli_rows = read_metrics(cli_out / "metrics.csv")
    py_rows = read_metrics(result["files"]["metrics.csv"])
    assert len(cli_rows) == len(py_rows) == 4  # updates 0, 4, 8, 12
    for cli_row, py_row in zip(cli_rows, py_rows):
        del cli_row["seconds"], py_row["seconds"]  # wall time differs
        assert cli_row == py_row  # the same text, so the same doubles
    metrics = result["metrics"]
    for column in ("update", "train_loss", "test_accuracy", "test_loss", "tau",
                   "loss_evals", "gradient_evals"):
        assert metrics[column].dtype == np.float64
        np.testing.assert_array_equal(metrics[column],
                                      [float(row[column]) for row in cli_rows])
    assert result["summary"]["status"] == "completed"
    assert result["x"].dtype == np.float32 and result["x"].shape == (159010,)
    assert set(result["files"]) == {"config.json", "metrics.csv", "summary.json",
                                    "model.safetensors"}

    # The model file holds the final parameters, in nn.Linear's layout.
    model = valley.load_model(result["out"])
    assert sorted(model) == ["layers.0.bias", "layers.0.weight", "layers.1.bias",
                             "layers.1.weight"]
    assert model["layers.0.weight"].shape == (200, 784)
    assert model["layers.1.weight"].shape == (10, 200)
    w1 = result["x"][:784 * 200].reshape(784, 200)  # valley's layout: W_1 as in × out
    np.testing.assert_array_equal(model["layers.0.weight"], w1.T)
    np.testing.assert_array_equal(model["layers.0.bias"], result["x"][784 * 200:784 * 200 + 200])
    np.testing.assert_array_equal(model["layers.1.bias"], result["x"][-10:])


def test_load_model_of_a_missing_file_is_a_valley_error(tmp_path):
    with pytest.raises(valley.Error) as error:
        valley.load_model(str(tmp_path / "nothing.safetensors"))
    assert "nothing.safetensors" in str(error.value) and "\n" not in str(error.value)


# ---- eval: the same numbers as `valley eval` ---------------------------------

def test_eval_equals_the_command_line(tmp_path):
    run = valley.train(out=str(tmp_path / "run"), net="784-30-10", updates=30, eval_every=30,
                       eval_size=100, lr=0.1)
    report = tmp_path / "eval.json"
    subprocess.run([os.environ["VALLEY_BINARY"], "eval", "--model", run["out"], "--split",
                    "train", "--eval-size", "700", "--json", str(report)],
                   check=True, capture_output=True)
    cli = json.loads(report.read_text())

    result = valley.eval(run["out"], split="train", eval_size=700, threads=2)

    assert result["images"] == cli["images"] == 700
    assert result["accuracy"] == cli["accuracy"] and result["loss"] == cli["loss"]
    assert 0.3 < result["accuracy"] < 1  # 30 updates learn something
    assert result["confusion"].dtype == np.int64 and result["confusion"].shape == (10, 10)
    np.testing.assert_array_equal(result["confusion"], cli["confusion"])
    assert result["confusion"].sum() == 700
    np.testing.assert_array_equal(result["class_images"],
                                  [c["images"] for c in cli["per_class"]])
    assert result["class_accuracy"].dtype == np.float64
    np.testing.assert_array_equal(
        result["class_accuracy"],
        [np.nan if c["accuracy"] is None else c["accuracy"] for c in cli["per_class"]])
    with np.errstate(invalid="ignore"):  # 0/0 for a class without images
        np.testing.assert_allclose(result["class_accuracy"],
                                   np.diag(result["confusion"]) / result["class_images"])
    for key in ("net", "model_metadata", "data", "split"):
        assert result[key] == cli[key], key
    assert result["net"] == "784-30-10"
    # The whole held-out split when eval_size is None; the model file alone works too.
    whole = valley.eval(run["files"]["model.safetensors"])
    assert whole["split"] == "test" and whole["images"] == whole["confusion"].sum() > 700


@pytest.mark.parametrize("kwargs, message", [
    (dict(split="dev"), "--split must be 'test' or 'train' (got 'dev')"),
    (dict(threads=0), "--threads must be between 1 and 256 (got 0)"),
    (dict(eval_size=0), "eval_size must be ≥ 1 (got 0; None: the whole split)"),
    (dict(model=""), "--model RUN_DIR|FILE is required: the network to evaluate"),
])
def test_bad_eval_arguments_raise_value_error_with_the_cli_message(tmp_path, kwargs, message):
    arguments = dict(model=str(tmp_path / "model.safetensors"))
    arguments.update(kwargs)
    with pytest.raises(ValueError) as error:
        valley.eval(**arguments)
    assert str(error.value) == message


def test_eval_of_a_missing_model_or_data_is_a_valley_error(tmp_path):
    with pytest.raises(valley.Error) as error:
        valley.eval(str(tmp_path / "nothing.safetensors"))
    assert "nothing.safetensors" in str(error.value) and "\n" not in str(error.value)
    run = valley.train(out=str(tmp_path / "run"), net="784-10", updates=1, eval_size=10)
    with pytest.raises(valley.Error, match="nowhere"):
        valley.eval(run["out"], data=str(tmp_path / "nowhere"))


def test_everything_has_a_docstring():
    for name in valley.__all__:
        if name != "__version__":
            assert len(getattr(valley, name).__doc__ or "") > 40, name
    assert valley.__doc__


# ---- the estimators on a Python objective ----------------------------------

# f(x) = ½ Σ a_i x_i², so q_{x,τ} (eq. 6) is Gaussian with precision a + 1/τ
# per coordinate, mean x/(1 + τ a) and variance τ/(1 + τ a).
A = np.array([1.0, 2.0, 4.0])
X = np.array([1.0, -1.0, 0.5], dtype=np.float32)
TAU = 0.5


def quadratic(x):
    return 0.5 * float(np.sum(A * x.astype(np.float64) ** 2))


def quadratic_grad(x):
    return A * x


def test_importance_sampling_mean_of_a_quadratic_matches_the_closed_form():
    exact = X / (1 + TAU * A)
    sd = np.sqrt(TAU / (1 + TAU * A))
    step = valley.local_entropy_step(quadratic, x=X, tau=TAU, method="is", samples=20000)
    assert step["f_evals"] == 20000 and step["grad_evals"] == 0
    # Self-normalized IS: standard error ≈ sd/√ESS; 5 of them.
    tolerance = 5 * sd / math.sqrt(step["ess"])
    assert np.all(np.abs(step["mean"] - exact) < tolerance), (step["mean"], exact, tolerance)
    # η = τ by default: the step is the mean, and ∇F_τ = (x − μ)/τ (eq. 12).
    np.testing.assert_array_equal(step["x"], step["mean"])
    np.testing.assert_allclose(step["grad"], (X - step["mean"]) / TAU, rtol=1e-5, atol=1e-6)


def test_sgld_mean_of_a_quadratic_matches_the_closed_form():
    # One chain has little time (Σ ε_j ≈ ln(1 + J/ε0)), so the estimates of
    # 20 seeds are averaged and compared within 4 standard errors (from their
    # spread) plus 0.03 for the chain's start at x and its finite steps.
    exact = X / (1 + TAU * A)
    means = []
    for seed in range(1, 21):
        step = valley.local_entropy_step(quadratic, quadratic_grad, x=X, tau=TAU,
                                         method="sgld", samples=2000, eps0=10, seed=seed)
        assert step["grad_evals"] == 2000 and math.isnan(step["ess"])
        means.append(step["mean"])
    means = np.array(means, dtype=np.float64)
    tolerance = 4 * means.std(axis=0) / math.sqrt(len(means)) + 0.03
    assert np.all(np.abs(means.mean(axis=0) - exact) < tolerance), (means.mean(axis=0), exact)


def test_the_same_arguments_give_the_same_numbers_and_the_seed_changes_them():
    a = valley.local_entropy_step(quadratic, x=X, tau=TAU, samples=100, seed=7)
    b = valley.local_entropy_step(quadratic, x=X, tau=TAU, samples=100, seed=7)
    c = valley.local_entropy_step(quadratic, x=X, tau=TAU, samples=100, seed=8)
    np.testing.assert_array_equal(a["mean"], b["mean"])
    assert not np.array_equal(a["mean"], c["mean"])


def test_heat_step_on_a_quadratic_moves_towards_the_minimum():
    # For f = ½ Σ a x², F^H_τ has the same minimum 0, and a Robbins–Monro
    # update shrinks every coordinate without changing its sign.
    x1 = valley.heat_step(quadratic, quadratic_grad, x=X, tau=TAU)
    assert x1.shape == X.shape and x1.dtype == np.float32
    assert np.all(np.abs(x1) < np.abs(X)) and np.all(np.sign(x1) == np.sign(X))


# ---- bad arguments and bad objectives --------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    (dict(tau=-1.0), "--tau must be a finite number > 0 (got -1)"),
    (dict(samples=0), "--samples must be between 1 and 10^8 (got 0)"),
    (dict(method="heat"), "method must be 'is' or 'sgld' (got 'heat')"),
    (dict(seed=-1), "--seed must be ≥ 0 (got -1)"),
    (dict(beta=float("nan")), "--beta must be a finite number > 0 (got nan)"),
    (dict(x=np.array([1.0, np.nan, 0.0])), "x holds a NaN or an infinity"),
    (dict(x=np.zeros((2, 2))), "x must be a one-dimensional array of numbers"),
])
def test_bad_estimator_arguments_raise_value_error_with_the_cli_message(kwargs, message):
    arguments = dict(x=X, tau=TAU, method="is", samples=10)
    arguments.update(kwargs)
    with pytest.raises(ValueError) as error:
        valley.local_entropy_step(quadratic, **arguments)
    assert str(error.value) == message


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="adam"), "--method: unknown method 'adam' (valid: sgd, sgld, is, heat, sam, entropy-sgd)"),
    (dict(tau=0.1), "--tau does not apply to --method sgd"),
    (dict(updates=-3), "--updates must be ≥ 0 (got -3)"),
    (dict(net="784-x-10"), None),
    (dict(seed=-1), "--seed: must be ≥ 0 (got -1)"),
    (dict(out=""), "--out DIR is required: where the results of the run go"),
])
def test_bad_train_arguments_raise_value_error_and_write_nothing(tmp_path, kwargs, message):
    arguments = dict(out=str(tmp_path / "run"))
    arguments.update(kwargs)
    with pytest.raises(ValueError) as error:
        valley.train(**arguments)
    assert "\n" not in str(error.value)
    if message is not None:
        assert str(error.value) == message
    else:
        assert "--net" in str(error.value)
    assert not (tmp_path / "run").exists()


def test_sgld_without_a_gradient_is_a_value_error():
    with pytest.raises(ValueError, match="method 'sgld' needs grad"):
        valley.local_entropy_step(quadratic, x=X, method="sgld", samples=10)


def test_a_gradient_of_the_wrong_size_is_named():
    with pytest.raises(ValueError) as error:
        valley.local_entropy_step(quadratic, lambda x: np.zeros(2), x=X, method="sgld",
                                  samples=10)
    assert str(error.value) == ("grad(x) must return a one-dimensional array of 3 numbers "
                                "(the size of x), but returned shape (2,)")


def test_an_objective_returning_nan_is_a_valley_error_naming_f():
    with pytest.raises(valley.Error) as error:
        valley.local_entropy_step(lambda x: float("nan"), x=X, samples=10)
    assert str(error.value) == "f: f(x) returned nan, not a finite number"
    assert isinstance(error.value, RuntimeError)


def test_a_non_finite_gradient_is_a_valley_error_naming_the_coordinate():
    def grad(x):
        g = A * x
        g[1] = np.inf
        return g
    with pytest.raises(valley.Error, match=r"∇f\(x\) holds inf at coordinate 1"):
        valley.heat_step(quadratic, grad, x=X)


def test_missing_data_is_a_valley_error(tmp_path):
    with pytest.raises(valley.Error):
        valley.train(out=str(tmp_path / "run"), data=str(tmp_path / "nowhere"), updates=1)


# ---- exceptions and Ctrl-C ---------------------------------------------------

def test_an_exception_raised_in_f_propagates_with_its_traceback():
    def f(x):
        raise ZeroDivisionError("inside the objective")
    with pytest.raises(ZeroDivisionError, match="inside the objective") as error:
        valley.local_entropy_step(f, x=X, samples=10)
    assert any(entry.name == "f" for entry in error.traceback)


def test_sigint_interrupts_a_long_estimate_within_a_second():
    def slow(x):
        time.sleep(0.001)
        return quadratic(x)
    sigint = SigintAfter(0.3)
    with pytest.raises(KeyboardInterrupt):
        valley.local_entropy_step(slow, x=X, samples=10**7)  # hours without the interrupt
    assert sigint.reaction_seconds() < 1.0


def test_sigint_interrupts_training_and_leaves_a_complete_run(tmp_path):
    out = tmp_path / "run"
    sigint = SigintAfter(2.0)  # after the data are loaded, while it trains
    with pytest.raises(KeyboardInterrupt):
        valley.train(out=str(out), method="sgd", net="784-10", updates=10**7, eval_every=100,
                     eval_size=100)
    assert sigint.reaction_seconds() < 1.0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["updates_done"] > 0
    rows = read_metrics(out / "metrics.csv")
    assert rows and all(row["test_accuracy"] for row in rows)
    json.loads((out / "config.json").read_text())
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]
