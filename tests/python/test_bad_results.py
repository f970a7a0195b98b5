"""Models that do not fit their data, and the data a run names, through the
Python module (docs/RELIABILITY.md): the library refuses what the command
line refuses, with valley.Error and the same one-line message."""

import json
import struct

import numpy as np
import pytest

import valley


def write_idx_data(directory, n_train=200, n_test=40, side=6, shift=0):
    """train-* and t10k-* IDX files of side×side images with labels i % 10."""
    directory.mkdir(parents=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        pixels = ((np.arange(n * side * side) * 37 + shift) % 256).astype(np.uint8)
        (directory / f"{prefix}-images-idx3-ubyte").write_bytes(
            struct.pack(">IIII", 2051, n, side, side) + pixels.tobytes())
        labels = (np.arange(n) % 10).astype(np.uint8)
        (directory / f"{prefix}-labels-idx1-ubyte").write_bytes(
            struct.pack(">II", 2049, n) + labels.tobytes())
    return str(directory)


def write_model(path, widths, first_layer=None):
    """A safetensors file of a net of these widths, without metadata."""
    rng = np.random.default_rng(1)
    tensors, header, offset = [], {}, 0
    for layer, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        weight = rng.uniform(-0.1, 0.1, (n_out, n_in)).astype(np.float32)
        bias = np.zeros(n_out, np.float32)
        if layer == 0 and first_layer is not None:
            weight[:] = first_layer
            bias[:] = first_layer
        for name, array in ((f"layers.{layer}.weight", weight), (f"layers.{layer}.bias", bias)):
            data = array.tobytes()
            header[name] = {"dtype": "F32", "shape": list(array.shape),
                            "data_offsets": [offset, offset + len(data)]}
            tensors.append(data)
            offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(tensors))
    return str(path)


def test_train_of_a_net_without_one_output_per_class_is_a_valley_error(tmp_path):
    data = write_idx_data(tmp_path / "data")
    with pytest.raises(valley.Error) as error:
        valley.train(net="36-20-5", data=data, out=str(tmp_path / "run"), updates=2, batch=10,
                     eval_size=10)
    message = str(error.value)
    assert message.startswith("--net: the net 36-20-5 has 5 outputs") and "10 classes" in message
    assert "\n" not in message
    assert not (tmp_path / "run").exists()


def test_eval_of_a_model_with_too_few_outputs_or_overflowing_outputs_is_a_valley_error(tmp_path):
    data = write_idx_data(tmp_path / "data")
    five = write_model(tmp_path / "five.safetensors", [36, 20, 5])
    with pytest.raises(valley.Error, match="the net 36-20-5 has 5 outputs"):
        valley.eval(five, data=data)
    huge = write_model(tmp_path / "huge.safetensors", [36, 8, 10], first_layer=3e38)
    with pytest.raises(valley.Error, match="not finite") as error:
        valley.eval(huge, data=data)
    assert str(error.value).startswith("--model " + huge + ": the mean cross-entropy")


def test_eval_on_other_data_than_the_runs_needs_other_data(tmp_path):
    data = write_idx_data(tmp_path / "data")
    other = write_idx_data(tmp_path / "other", shift=1)
    run = valley.train(net="36-10", data=data, out=str(tmp_path / "run"), updates=2, batch=10,
                       eval_size=10, eval_every=2)
    assert valley.eval(run["out"])["data"].startswith(data)
    with pytest.raises(valley.Error, match="is not the file the run started with") as error:
        valley.eval(run["out"], data=other)
    assert "--other-data" in str(error.value)
    assert valley.eval(run["out"], data=other, other_data=True)["data"].startswith(other)
