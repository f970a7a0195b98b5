"""Arguments of the wrong type or out of range, objectives that return the
wrong thing, and which exception each raises (docs/LIBRARY.md): a keyword
of the wrong type is a TypeError naming it; a value out of range an
ArgumentError with the command line's message; a file that cannot be read
a valley.Error that is not an ArgumentError."""

import os
import pathlib

import numpy as np
import pytest

import valley
from conftest import cli_error, cli_flags, run_cli

TINY = dict(net="784-10", updates=4, eval_every=2, eval_size=20, progress=False)


@pytest.mark.parametrize("keywords, expected", [
    (dict(out=5), "'out' must be str or os.PathLike, not int"),
    (dict(out=b"path"), "'out' must be str or os.PathLike, not bytes"),
    (dict(data=3.5), "'data' must be str or os.PathLike, not float"),
    (dict(updates="5"), "'updates' must be int, not str"),
    (dict(updates=True), "'updates' must be int, not bool"),
    (dict(updates=5.0), "'updates' must be int, not float"),
    (dict(seed="1"), "'seed' must be int, not str"),
    (dict(lr="0.1"), "'lr' must be int or float, not str"),
    (dict(lr=True), "'lr' must be int or float, not bool"),
    (dict(lr_drops=[2, "4"]), "'lr_drops' must be int, not str"),
    (dict(method=b"sgd"), "'method' must be str, not bytes"),
    (dict(net=["784", "10"]), None),
])
def test_a_keyword_of_the_wrong_type_is_a_type_error_naming_it(tmp_path, keywords, expected):
    keywords = {**dict(out=str(tmp_path / "run")), **keywords}
    if expected is None:  # a list for an option of one value: the command line's message
        with pytest.raises(valley.ArgumentError):
            valley.train(**keywords)
        return
    with pytest.raises(TypeError) as error:
        valley.train(**keywords)
    assert str(error.value) == "train() " + "argument " + expected
    assert not (tmp_path / "run").exists()
    assert not pathlib.Path("5").exists() and not pathlib.Path("b'path'").exists()


def test_flatness_runs_must_be_paths(tmp_path):
    for runs, type_name in [(5, "int"), (b"run", "bytes"), ([str(tmp_path), 7], "int")]:
        with pytest.raises(TypeError) as error:
            valley.flatness(runs, out=str(tmp_path / "out"))
        assert str(error.value) == f"flatness() argument 'runs' must be str or os.PathLike, not {type_name}"
    with pytest.raises(TypeError) as error:
        valley.flatness(str(tmp_path), subset=1.5)
    assert "'subset' must be str, not float" in str(error.value)


def test_values_of_the_right_type_are_accepted(tmp_path):
    # numpy's integers are ints (they have __index__); numpy's floats reals.
    with pytest.raises(valley.ArgumentError) as error:
        valley.train(pathlib.Path(tmp_path / "run"), updates=np.int64(-1), lr=np.float32(0.5))
    assert str(error.value) == "--updates must be ≥ 0 (got -1)"


@pytest.mark.parametrize("keywords", [
    dict(updates=2**70),
    dict(seed=2**64),
    dict(seed=2**64 - 1, lr=1e-320),
    dict(lr=1e-50),
    dict(lr=1e39),
    dict(method="sgld", tau=1e-45),
    dict(batch=-2**70),
])
def test_a_number_out_of_range_raises_the_command_lines_message(tmp_path, keywords):
    out = tmp_path / "run"
    message = cli_error(run_cli("train", "--no-progress", "--out", out, *cli_flags(keywords)))
    with pytest.raises(valley.ArgumentError) as error:
        valley.train(out, **keywords)
    assert str(error.value) == message
    assert not out.exists()


def test_f_returning_an_int_too_large_for_a_float_says_so():
    with pytest.raises(ValueError) as error:
        valley.local_entropy_step(lambda x: 10**400, x=np.zeros(3, np.float32), samples=4)
    assert str(error.value) == "f(x) returned an int too large for a float (401 digits)"


def test_grad_returning_none_says_none():
    with pytest.raises(ValueError) as error:
        valley.local_entropy_step(lambda x: float(x @ x), lambda x: None, x=np.zeros(3, np.float32),
                                  method="sgld", samples=4)
    assert str(error.value) == ("grad(x) must return a one-dimensional array of 3 numbers (the size "
                                "of x), but returned None")


def test_f_returning_a_string_names_its_type():
    with pytest.raises(ValueError) as error:
        valley.local_entropy_step(lambda x: "1", x=np.zeros(3, np.float32), samples=4)
    assert str(error.value) == "f(x) must return a number, but returned a str"


@pytest.fixture(scope="module")
def checkpointed(tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "run"
    valley.train(run, checkpoint_every=2, **TINY)
    return run


def test_a_truncated_checkpoint_is_a_valley_error_not_an_argument_error(checkpointed, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in os.listdir(checkpointed):
        (broken / name).write_bytes((checkpointed / name).read_bytes())
    checkpoint = broken / "checkpoint.bin"
    checkpoint.write_bytes(checkpoint.read_bytes()[:100])
    message = cli_error(run_cli("train", "--resume", broken))
    with pytest.raises(valley.Error) as error:
        valley.train(resume=broken)
    assert not isinstance(error.value, valley.ArgumentError)
    assert not isinstance(error.value, ValueError)
    assert str(error.value) == message


def test_a_setting_that_differs_from_the_checkpoint_is_an_argument_error(checkpointed):
    message = cli_error(run_cli("train", "--resume", checkpointed, "--method", "heat"))
    assert "differs from the checkpoint's" in message
    with pytest.raises(valley.ArgumentError) as error:
        valley.train(resume=checkpointed, method="heat")
    assert str(error.value) == message
