"""valley: local entropy and heat regularization (Chaudhari et al.), from Python.

    valley.train("runs/sgd", method="sgd", updates=500)  # as `valley train`
    valley.flatness("runs/sgd", quick=True)  # as `valley flatness`: flatness.json as a dict
    valley.local_entropy_step(f, grad, x=x0, tau=0.1, method="sgld")
    valley.heat_step(f, grad, x=x0, tau=0.1)
    valley.load_model("runs/sgd")  # model.safetensors as numpy arrays
    valley.eval("runs/sgd")  # as `valley eval`: accuracy, confusion matrix

Every function checks its arguments with the command line's code and
messages (valley.ArgumentError, both a valley.Error and a ValueError); other
failures raise valley.Error; Ctrl-C raises KeyboardInterrupt. See help() of
each function.
"""

import inspect as _inspect
import os as _os
import textwrap as _textwrap

from . import _valley
from ._valley import (ArgumentError, Error, __version__, eval, heat_step, load_model,
                      local_entropy_step)

__all__ = ["ArgumentError", "Error", "__version__", "eval", "flatness", "heat_step",
           "load_model", "local_entropy_step", "train"]


def _with_keywords(function, first, keywords):
    """Gives `function` the signature `(first, *, keyword=default, ...)` and
    appends one paragraph per keyword to its docstring: the names, defaults
    and help texts of the command line's flags (valley/_valley *_keywords)."""
    parameters = [first] + [
        _inspect.Parameter(name, _inspect.Parameter.KEYWORD_ONLY, default=default)
        for name, default, _ in keywords if name != first.name]
    function.__signature__ = _inspect.Signature(parameters)
    lines = []
    for name, default, text in keywords:
        lines.append(f"{name}={default!r}")
        lines += _textwrap.wrap(text, 72, initial_indent="    ", subsequent_indent="    ")
    function.__doc__ = _inspect.cleandoc(function.__doc__) + "\n\n" + "\n".join(lines) + "\n"
    return function


def train(out=None, **keywords):
    """Train a network as `valley train` does and write its run into `out`.

    The keywords are the flags of `valley train` (dashes become
    underscores, --no-x is x=False), parsed and checked by the command
    line's own code: the same defaults, and for a bad value the same
    one-line message. A keyword left out (or None) keeps the command line's
    default; one that does not apply to the method raises, as the flag
    would ("--tau does not apply to --method sgd"). Lists give options of
    several values (lr_drops=[200, 400]). resume=DIR continues a run saved
    with checkpoint_every, bit for bit.

    Returns a dict: "metrics" (a dict of numpy arrays, one per column of
    metrics.csv: update, seconds, train_loss, test_accuracy, test_loss,
    tau, loss_evals, gradient_evals, ess), "summary" (summary.json as a
    dict), "x" (the final parameters, float32), "files" (name -> path of
    each file written) and "out".

    Raises valley.ArgumentError for a bad argument (the command line's
    message), TypeError for an unknown keyword or one of the wrong type (a
    count is an int, a real an int or a float, a path a str or an
    os.PathLike), valley.Error for any other
    failure (missing data, a diverging run), and KeyboardInterrupt on
    Ctrl-C (checked between updates): the run's files stay complete and
    summary.json says "interrupted".

    Keywords, with the command line's defaults and help:
    """
    if out is not None:
        keywords["out"] = out
    return _valley.train(keywords)


def flatness(runs, **keywords):
    """Measure how flat the minimum of each run is, as `valley flatness` does.

    runs is a run directory of valley.train (or its model.safetensors), or
    a list of them, measured side by side with the same random draws. The
    keywords are the flags of `valley flatness` (quick=True, subset=2000 or
    "all", seed, data, between=[run_a, run_b], threads), parsed and checked
    by the command line's own code. out is optional here: with it, the
    command's files (flatness.json, the CSV files, the figures) are written
    there too; without it, nothing is written.

    Returns flatness.json as a dict: "settings", "subset_requested", per
    run under "runs" its identity, held-out score, weight norms and every
    measure, "between" (with between=...), "seconds" (wall time of each
    part) and "valley_version". The same seed gives the same numbers as
    the command line, for any threads.

    Raises valley.ArgumentError for a bad argument, TypeError for an
    unknown keyword or one of the wrong type, valley.Error naming the file for a missing or
    malformed run or data set, and KeyboardInterrupt on Ctrl-C (checked
    between the parts of the measuring).

    Keywords, with the command line's defaults and help:
    """
    if not isinstance(runs, (list, tuple)):
        runs = [runs]
    return _valley.flatness([_path("flatness", "runs", run) for run in runs], keywords)


def _path(function, name, value):
    """value as a str path, or TypeError naming the argument: a path is a
    str or an os.PathLike that gives a str (not bytes)."""
    if isinstance(value, (str, _os.PathLike)):
        path = _os.fspath(value)
        if isinstance(path, str):
            return path
    raise TypeError(f"{function}() argument '{name}' must be str or os.PathLike, "
                    f"not {type(value).__name__}")


_with_keywords(train, _inspect.Parameter("out", _inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                         default=None), _valley.train_keywords())
_with_keywords(flatness, _inspect.Parameter("runs", _inspect.Parameter.POSITIONAL_OR_KEYWORD),
               _valley.flatness_keywords())
