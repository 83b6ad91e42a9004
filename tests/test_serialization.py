"""chainrule.save / chainrule.load: safetensors + JSON checkpoints that round-trip
exactly, are written atomically, never run code, reject damaged or hostile files
with a clear error, and move weights to and from PyTorch."""

import io
import json
import math
import os
import pickle
import re
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import safetensors
import safetensors.numpy

import chainrule

from oracle import requires_torch, torch

REPOSITORY = Path(__file__).resolve().parents[1]


def assert_identical(loaded, original, where="obj"):
    """Same structure, container types, key types, values, dtypes and shapes."""
    assert type(loaded) is type(original) or (isinstance(original, dict) and type(loaded) is dict), (
        f"{where}: {type(loaded).__name__} != {type(original).__name__}"
    )
    if isinstance(original, chainrule.Tensor):
        assert loaded.dtype == original.dtype and loaded.shape == original.shape, where
        np.testing.assert_array_equal(loaded.numpy(), original.detach().numpy(), err_msg=where)
    elif isinstance(original, np.ndarray):
        assert loaded.dtype == original.dtype and loaded.shape == original.shape, where
        np.testing.assert_array_equal(loaded, original, err_msg=where)
    elif isinstance(original, dict):
        assert list(loaded) == list(original), f"{where}: keys {list(loaded)} != {list(original)}"
        for (key, value), loaded_key in zip(original.items(), loaded):
            assert type(loaded_key) is type(key), f"{where}: key {key!r} came back as {loaded_key!r}"
            assert_identical(loaded[key], value, f"{where}[{key!r}]")
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original), where
        for i, (a, b) in enumerate(zip(loaded, original)):
            assert_identical(a, b, f"{where}[{i}]")
    elif isinstance(original, float) and math.isnan(original):
        assert math.isnan(loaded), where
    else:
        assert loaded == original, f"{where}: {loaded!r} != {original!r}"


def trained_adam_state():
    params = [chainrule.randn(3, 2, requires_grad=True), chainrule.randn(2, requires_grad=True)]
    opt = chainrule.optim.Adam(params, lr=0.01, amsgrad=True)
    for _ in range(3):
        for p in params:
            p.grad = chainrule.randn(*p.shape)
        opt.step()
    return opt.state_dict()


def checkpoint():
    chainrule.manual_seed(0)
    model_state = {
        "fc1.weight": chainrule.randn(4, 3),
        "fc1.bias": chainrule.zeros(4),
        "bn.running_mean": chainrule.randn(4, dtype=chainrule.float64),
        "bn.num_batches_tracked": chainrule.tensor(7),
        "mask": chainrule.tensor([True, False]),
        "codes": chainrule.tensor([1, 200], dtype=chainrule.uint8),
        "half": chainrule.tensor([0.5, -2.0], dtype=chainrule.float16),
        "ids": chainrule.tensor([3, -4], dtype=chainrule.int32),
    }
    return {
        "model": model_state,
        "optimizer": trained_adam_state(),
        "epoch": 3,
        "history": [1.5, float("inf"), float("-inf"), float("nan"), 10**30],
        "name": "run-1 ✓",
        "flags": (True, False, None),
        "nested": {1: {"a": [chainrule.ones(2, 2)], "b": ()}, -2: [], "": {}},
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
    }


def test_a_model_optimizer_and_epoch_checkpoint_round_trips_exactly(tmp_path):
    original = checkpoint()
    chainrule.save(original, tmp_path / "checkpoint.safetensors")
    loaded = chainrule.load(tmp_path / "checkpoint.safetensors")
    assert_identical(loaded, original)
    assert isinstance(loaded["optimizer"]["param_groups"][0]["betas"], tuple)
    assert list(loaded["optimizer"]["state"]) == [0, 1]


def test_a_checkpoint_round_trips_through_a_file_object():
    original = checkpoint()
    buffer = io.BytesIO()
    chainrule.save(original, buffer)
    buffer.seek(0)
    assert_identical(chainrule.load(buffer), original)


def test_a_bare_tensor_and_plain_values_round_trip(tmp_path):
    for original in [
        chainrule.arange(5),
        chainrule.tensor(2.5),
        chainrule.zeros(0, 3),
        42,
        None,
        ["a", ("b",)],
    ]:
        chainrule.save(original, tmp_path / "value")
        assert_identical(chainrule.load(tmp_path / "value"), original)


def test_loaded_tensors_are_writable_chainrule_tensors(tmp_path):
    chainrule.save({"w": chainrule.ones(3)}, tmp_path / "w")
    w = chainrule.load(tmp_path / "w")["w"]
    assert isinstance(w, chainrule.Tensor) and not w.requires_grad
    w.add_(1)
    assert w.tolist() == [2.0, 2.0, 2.0]


def test_numpy_scalars_come_back_as_python_numbers(tmp_path):
    chainrule.save({"loss": np.float32(0.5), "step": np.int64(3)}, tmp_path / "scalars")
    loaded = chainrule.load(tmp_path / "scalars")
    assert loaded == {"loss": 0.5, "step": 3} and type(loaded["step"]) is int


def test_one_tensor_saved_twice_is_in_the_file_under_both_names_and_comes_back_as_one_tensor(tmp_path):
    # it was stored under the first name only: PyTorch's load_file missed the tied key
    shared = chainrule.randn(3, 3)
    chainrule.save(
        {"encoder.weight": shared, "decoder.weight": shared, "other": shared.clone()}, tmp_path / "tied"
    )
    with safetensors.safe_open(tmp_path / "tied", framework="np") as f:
        assert sorted(f.keys()) == ["decoder.weight", "encoder.weight", "other"]
        np.testing.assert_array_equal(f.get_tensor("decoder.weight"), shared.numpy())
    loaded = chainrule.load(tmp_path / "tied")
    assert loaded["encoder.weight"] is loaded["decoder.weight"]
    assert loaded["other"] is not loaded["encoder.weight"]
    np.testing.assert_array_equal(loaded["decoder.weight"].numpy(), shared.numpy())


def test_overlapping_views_and_non_contiguous_tensors_are_saved_with_their_values(tmp_path):
    base = chainrule.arange(24, dtype=chainrule.float32).reshape(4, 6)
    original = {
        "base": base,
        "rows": base[1:3],
        "transposed": base.T,
        "strided": base[:, ::2],
        "expanded": chainrule.tensor([1.0, 2.0]).expand(3, 2),
    }
    chainrule.save(original, tmp_path / "views")
    loaded = chainrule.load(tmp_path / "views")
    assert_identical(loaded, original)
    assert all(t.is_contiguous() for t in loaded.values())


@pytest.mark.parametrize(
    "obj, where",
    [
        ({"a": {"b": object()}}, "obj['a']['b']"),
        ({"layers": [1, {2.5: 1}]}, "obj['layers'][1]"),
        ({"c": np.array([1 + 2j])}, "obj['c']"),
        ({"s": {1, 2}}, "obj['s']"),
    ],
)
def test_what_cannot_be_saved_raises_type_error_naming_where_it_is(obj, where, tmp_path):
    with pytest.raises(TypeError, match=re.escape(where)):
        chainrule.save(obj, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_a_flat_state_dict_is_an_ordinary_safetensors_file_named_by_its_keys(tmp_path):
    state = {"fc.weight": chainrule.randn(2, 3), "fc.bias": chainrule.zeros(2)}
    chainrule.save(state, tmp_path / "flat.safetensors")
    plain = safetensors.numpy.load_file(tmp_path / "flat.safetensors")
    assert sorted(plain) == ["fc.bias", "fc.weight"]
    np.testing.assert_array_equal(plain["fc.weight"], state["fc.weight"].numpy())


def test_a_nested_checkpoint_names_its_tensors_by_their_path(tmp_path):
    chainrule.save(
        {"model": {"fc.weight": chainrule.ones(1)}, "optimizer": trained_adam_state()}, tmp_path / "c"
    )
    names = set(safetensors.numpy.load_file(tmp_path / "c"))
    assert {"model.fc.weight", "optimizer.state.0.exp_avg", "optimizer.state.1.max_exp_avg_sq"} <= names


def test_a_safetensors_file_without_chainrule_metadata_loads_as_a_flat_dict(tmp_path):
    safetensors.numpy.save_file(
        {"b": np.zeros(2, np.float32), "a": np.ones((2, 2), np.int64)}, tmp_path / "plain.safetensors"
    )
    loaded = chainrule.load(tmp_path / "plain.safetensors")
    assert list(loaded) == ["a", "b"]
    assert loaded["a"].dtype == chainrule.int64 and loaded["a"].tolist() == [[1, 1], [1, 1]]


# --- atomic writes --------------------------------------------------------------------------


def test_a_write_that_fails_half_way_leaves_the_previous_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "model.safetensors"
    previous = {"w": chainrule.arange(4.0), "epoch": 1}
    chainrule.save(previous, target)

    class FullDisk(io.FileIO):  # writes half, then the disk is full
        def write(self, data):
            super().write(bytes(data)[: len(data) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(chainrule.serialization, "open", FullDisk, raising=False)
    with pytest.raises(OSError, match=r"No space left on device: .*model.safetensors"):
        chainrule.save({"w": chainrule.zeros(1000), "epoch": 2}, target)
    assert os.listdir(tmp_path) == ["model.safetensors"]
    assert_identical(chainrule.load(target), previous)


def test_a_writer_killed_mid_write_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "checkpoint.safetensors"
    previous = {"w": chainrule.arange(10.0), "epoch": 1}
    chainrule.save(previous, target)
    writer = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(REPOSITORY)!r})
        import chainrule
        big = {{"w": chainrule.zeros(16_000_000), "epoch": 2}}  # 64 MB
        print("ready", flush=True)
        chainrule.save(big, {str(target)!r})
        print("done", flush=True)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while not any(name.endswith(".tmp") for name in os.listdir(tmp_path)):
            assert child.poll() is None, "the writer finished before it could be killed"
            assert time.monotonic() < deadline, "the writer never started writing"
            time.sleep(0.0005)
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert_identical(chainrule.load(target), previous)


def test_saving_into_a_missing_directory_names_it(tmp_path):
    with pytest.raises(RuntimeError, match="does not exist"):
        chainrule.save({"w": chainrule.ones(1)}, tmp_path / "missing" / "model.safetensors")


@pytest.mark.parametrize("name", ["folder/", ""])
def test_a_path_that_names_a_folder_is_refused(tmp_path, name):
    # 'folder/' wrote a file called folder
    path = f"{tmp_path}/{name}" if name else name
    with pytest.raises(RuntimeError, match="invalid file name"):
        chainrule.save({"w": chainrule.ones(1)}, path)
    assert os.listdir(tmp_path) == []


def test_parameters_and_tensors_that_require_grad_come_back_as_such(tmp_path):
    # they came back as plain tensors without grad: an optimizer over them then did nothing
    w = chainrule.randn(3, requires_grad=True)
    frozen = chainrule.nn.Parameter(chainrule.randn(2), requires_grad=False)
    saved = {"w": w, "p": chainrule.nn.Parameter(chainrule.randn(3)), "frozen": frozen, "d": w.detach()}
    chainrule.save(saved, tmp_path / "f")
    loaded = chainrule.load(tmp_path / "f")
    kinds = {key: (type(value).__name__, value.requires_grad, value.is_leaf) for key, value in loaded.items()}
    assert kinds == {
        "w": ("Tensor", True, True),
        "p": ("Parameter", True, True),
        "frozen": ("Parameter", False, True),
        "d": ("Tensor", False, True),
    }
    for key in saved:
        np.testing.assert_array_equal(loaded[key].detach().numpy(), saved[key].detach().numpy())


def test_a_structure_beyond_a_safetensors_header_is_refused_naming_where_it_is(tmp_path):
    # safetensors' own "header too large" error named neither the cause nor the key
    notes = ["x" * 1000] * 120_000  # 120 MB of JSON
    with pytest.raises(ValueError, match=r"obj\['notes'\], beyond the 100 MB a safetensors header holds"):
        chainrule.save({"epoch": 3, "notes": notes}, tmp_path / "f")
    assert os.listdir(tmp_path) == []


# --- damaged, foreign and hostile files --------------------------------------------------


def good_file_bytes():
    return safetensors.numpy.save({"a": np.arange(6, dtype=np.float32).reshape(2, 3)})


def with_header(header, body=b"\x00" * 24):
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + body


def with_structure(document):
    return safetensors.numpy.save({"a": np.zeros(2, np.float32)}, metadata={"chainrule": document})


HOSTILE_FILES = {
    "truncated": (lambda: good_file_bytes()[:-4], "truncated"),
    "empty": (lambda: b"", "fewer than the 8-byte header"),
    "wrong header length": (lambda: struct.pack("<Q", 10) + good_file_bytes()[8:], "not valid JSON"),
    "header longer than the file": (
        lambda: struct.pack("<Q", 5000) + good_file_bytes()[8:],
        "header of 5000 bytes",
    ),
    "huge header length": (lambda: struct.pack("<Q", 2**62) + good_file_bytes()[8:], "header too large"),
    "bad JSON header": (lambda: struct.pack("<Q", 10) + b"{not json}" + b"\x00" * 24, "not valid JSON"),
    "offsets outside the file": (
        lambda: with_header({"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 48]}}),
        "points to bytes 0..48 of a data section of 24 bytes",
    ),
    "unknown dtype": (
        lambda: with_header({"a": {"dtype": "F99", "shape": [2, 3], "data_offsets": [0, 24]}}),
        "unknown dtype 'F99'",
    ),
    "shape that does not match the bytes": (
        lambda: with_header({"a": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 24]}}),
        r"shape \[2, 4\] of F32 \(32 bytes\)",
    ),
    "dtype chainrule cannot hold": (
        lambda: with_header({"a": {"dtype": "BF16", "shape": [12], "data_offsets": [0, 24]}}),
        "dtype BF16",
    ),
    "structure referring to a missing tensor": (
        lambda: with_structure(json.dumps({"version": 1, "object": {"dict": [["w", {"tensor": "ghost"}]]}})),
        "refers to tensor 'ghost'",
    ),
    "structure that is not JSON": (lambda: with_structure("{oops"), "not valid JSON"),
    "structure nested too deeply": (
        lambda: with_structure('{"version":1,"object":' + "[" * 100_000 + "]" * 100_000 + "}"),
        "chainrule structure",
    ),
    "structure with an unknown entry": (
        lambda: with_structure(json.dumps({"version": 1, "object": {"set": [1, 2]}})),
        "doesn't know",
    ),
    "structure from a newer format": (
        lambda: with_structure(json.dumps({"version": 99, "object": 1})),
        "version 99",
    ),
    "pickle": (lambda: pickle.dumps({"w": [1.0, 2.0]}), "pickle file"),
}


@pytest.mark.parametrize("kind", HOSTILE_FILES)
def test_a_damaged_or_hostile_file_raises_value_error_naming_the_file_and_the_problem(kind, tmp_path):
    make, problem = HOSTILE_FILES[kind]
    path = tmp_path / "suspect.safetensors"
    path.write_bytes(make())
    with pytest.raises(ValueError, match=problem) as raised:
        chainrule.load(path)
    assert str(path) in str(raised.value)
    with pytest.raises(ValueError, match=problem):
        chainrule.load(io.BytesIO(make()))


class PlantsAFile:
    """Unpickling this would create a file: the proof that code ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_loading_a_malicious_pickle_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": PlantsAFile(str(marker))}))
    for weights_only in (True, False):
        with pytest.raises(ValueError, match="never unpickles"):
            chainrule.load(path, weights_only=weights_only)
    assert not marker.exists()


@requires_torch
def test_a_torch_save_checkpoint_is_rejected_with_how_to_convert_it(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(ValueError, match="torch.save.*safetensors.torch.save_file"):
        chainrule.load(path)


def test_a_missing_file_raises_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        chainrule.load(tmp_path / "nowhere.safetensors")


def test_map_location_may_name_the_cpu_only(tmp_path):
    chainrule.save({"w": chainrule.ones(1)}, tmp_path / "w")
    assert chainrule.load(tmp_path / "w", map_location="cpu")["w"].tolist() == [1.0]
    assert chainrule.load(tmp_path / "w", map_location=chainrule.device("cpu"))["w"].tolist() == [1.0]
    with pytest.raises(RuntimeError, match="CPU only"):
        chainrule.load(tmp_path / "w", map_location="cuda:0")


# --- interoperability with PyTorch ----------------------------------------------------------


def mlp_state(lib):
    generator = np.random.default_rng(0)
    shapes = {"0.weight": (8, 4), "0.bias": (8,), "2.weight": (3, 8), "2.bias": (3,)}
    return {
        name: lib.tensor(generator.standard_normal(shape).astype(np.float32))
        for name, shape in shapes.items()
    }


def functional_mlp(lib, state, x):
    hidden = (x @ state["0.weight"].T + state["0.bias"]).relu()
    return hidden @ state["2.weight"].T + state["2.bias"]


INPUT = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)


@requires_torch
def test_tensors_saved_by_pytorch_with_safetensors_load_with_the_same_values(tmp_path):
    import safetensors.torch

    state = mlp_state(torch)
    safetensors.torch.save_file(state, tmp_path / "torch.safetensors")
    loaded = chainrule.load(tmp_path / "torch.safetensors")
    assert sorted(loaded) == sorted(state)
    ours = functional_mlp(chainrule, loaded, chainrule.tensor(INPUT))
    theirs = functional_mlp(torch, state, torch.tensor(INPUT))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


@requires_torch
def test_tensors_saved_by_chainrule_load_in_pytorch_with_safetensors(tmp_path):
    import safetensors.torch

    state = mlp_state(chainrule)
    chainrule.save(state, tmp_path / "chainrule.safetensors")
    loaded = safetensors.torch.load_file(tmp_path / "chainrule.safetensors")
    ours = functional_mlp(chainrule, state, chainrule.tensor(INPUT))
    theirs = functional_mlp(torch, loaded, torch.tensor(INPUT))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


@requires_torch
def test_a_pytorch_model_saved_with_safetensors_loads_into_the_matching_chainrule_model(tmp_path):
    import safetensors.torch

    torch.manual_seed(0)
    theirs = mlp(torch)
    safetensors.torch.save_file(theirs.state_dict(), tmp_path / "torch_mlp.safetensors")
    ours = mlp(chainrule)
    ours.load_state_dict(chainrule.load(tmp_path / "torch_mlp.safetensors"))
    with torch.no_grad():
        expected = theirs(torch.tensor(INPUT)).numpy()
    with chainrule.no_grad():
        actual = ours(chainrule.tensor(INPUT)).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


@requires_torch
def test_a_chainrule_model_saved_with_chainrule_save_loads_into_the_matching_pytorch_model(tmp_path):
    import safetensors.torch

    chainrule.manual_seed(0)
    ours = mlp(chainrule)
    chainrule.save(ours.state_dict(), tmp_path / "chainrule_mlp.safetensors")
    theirs = mlp(torch)
    theirs.load_state_dict(safetensors.torch.load_file(tmp_path / "chainrule_mlp.safetensors"))
    with torch.no_grad():
        expected = theirs(torch.tensor(INPUT)).numpy()
    with chainrule.no_grad():
        actual = ours(chainrule.tensor(INPUT)).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_save_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    target, link = tmp_path / "real.safetensors", tmp_path / "link.safetensors"
    chainrule.save({"epoch": 1}, target)
    link.symlink_to(target)
    chainrule.save({"epoch": 2}, link)
    assert link.is_symlink() and chainrule.load(target) == {"epoch": 2}


def test_save_into_a_pipe_writes_to_it_and_leaves_it_a_pipe(tmp_path):
    # a device or pipe (torch.save(x, "/dev/null")) is written to, never replaced by a file
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    chainrule.save({"w": chainrule.arange(3.0)}, pipe)
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert_identical(chainrule.load(io.BytesIO(received[0])), {"w": chainrule.arange(3.0)})


def test_save_keeps_a_files_permissions_and_gives_a_new_one_the_umasks(tmp_path):
    existing = tmp_path / "shared.safetensors"
    chainrule.save({"epoch": 1}, existing)
    os.chmod(existing, 0o644)
    chainrule.save({"epoch": 2}, existing)
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o644
    umask = os.umask(0o022)
    try:
        chainrule.save({"epoch": 1}, tmp_path / "new.safetensors")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.safetensors").st_mode) == 0o644


def test_a_damaged_file_whose_header_length_starts_with_0x80_is_not_called_a_pickle(tmp_path):
    path = tmp_path / "damaged.safetensors"
    for padding in range(300):  # find a header of 128 + 256 k bytes (they grow by 8)
        chainrule.save({"w": chainrule.ones(3), "note": "x" * padding}, path)
        if path.read_bytes()[0] == 0x80:
            break
    else:
        pytest.fail("no header length of 128 mod 256 among the paddings tried")
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(ValueError, match="is not a valid safetensors file") as error:
        chainrule.load(path)
    assert "pickle" not in str(error.value)


def test_a_header_with_infinite_offsets_or_a_directory_gives_a_clear_error(tmp_path):
    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, "Infinity"]}}).encode()
    header = header.replace(b'"Infinity"', b"Infinity")
    path = tmp_path / "infinite.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 4)
    with pytest.raises(ValueError, match="infinite.safetensors"):
        chainrule.load(path)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        chainrule.load(tmp_path)
