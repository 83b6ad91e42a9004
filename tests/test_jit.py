"""chainrule.jit: TorchScript's names run eagerly. script and trace hand back what
they are given, the deprecated functions warn as PyTorch 2.13's do, and save / load
refuse TorchScript archives."""

import typing
import warnings

import pytest

import chainrule

from oracle import assert_same_error, raises_like_torch, requires_torch, same_as_torch, torch

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# TorchScript compiles from source, so the functions it scripts live at module level.
def double_plus_one(x):
    return x * 2 + 1


def scale(x, factor: float = 3.0):
    return x * factor


class Shift(chainrule.nn.Module):
    def forward(self, x):
        return x + 1

    def other(self, x):
        return x - 1


def linear(lib):
    layer = lib.nn.Linear(3, 2)
    with lib.no_grad():
        layer.weight.copy_(lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]))
        layer.bias.copy_(lib.tensor([0.1, -0.2]))
    return layer


def deprecations(call):
    """The messages of the DeprecationWarnings ``call()`` gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return {str(w.message) for w in caught if w.category is DeprecationWarning}


def test_script_returns_the_function_and_the_module_themselves():
    layer = chainrule.nn.Linear(2, 2)
    assert chainrule.jit.script(double_plus_one) is double_plus_one
    assert chainrule.jit.script(layer) is layer


@requires_torch
def test_scripted_function_and_module_compute_what_pytorch_computes():
    def scenario(lib):
        x = lib.tensor([[1.0, -2.0, 0.5]])
        return lib.jit.script(double_plus_one)(x), lib.jit.script(linear(lib))(x)

    same_as_torch(scenario)


@requires_torch
def test_script_of_what_is_not_callable_raises_type_error_as_in_pytorch():
    raises_like_torch(lambda lib: lib.jit.script(3), match="built-in class")


@requires_torch
def test_traced_function_and_module_compute_what_pytorch_computes():
    def scenario(lib):
        x = lib.tensor([[1.0, -2.0, 0.5]])
        traced_function = lib.jit.trace(double_plus_one, x)
        traced_tuple = lib.jit.trace(scale, (x,))
        traced_module = lib.jit.trace(linear(lib), x)
        return traced_function(x), traced_tuple(x), traced_module(x)

    same_as_torch(scenario)


@requires_torch
@pytest.mark.filterwarnings("ignore:Converting a tensor to a Python list")  # PyTorch's TracerWarning
def test_trace_without_checking_runs_the_function_once_on_the_example_inputs_as_pytorch():
    def scenario(lib):
        calls = []

        def record(x, y):
            calls.append((x.tolist(), y.tolist()))
            return x + y

        traced = lib.jit.trace(record, (lib.tensor([1.0]), lib.tensor([2.0])), check_trace=False)
        return list(calls), traced(lib.tensor([3.0]), lib.tensor([4.0])).tolist()

    same_as_torch(scenario)


def test_trace_runs_the_function_once_even_where_pytorch_would_check_the_trace():
    calls = []
    chainrule.jit.trace(lambda x: calls.append(x) or x, chainrule.ones(2))
    assert len(calls) == 1


def test_trace_passes_example_kwarg_inputs_as_keywords_and_runs_a_module_through_its_hooks():
    seen = []
    shift = Shift()
    shift.register_forward_hook(lambda module, args, output: seen.append(output.tolist()))
    assert chainrule.jit.trace(shift, example_kwarg_inputs={"x": chainrule.tensor([1.0])}) is shift
    assert chainrule.jit.trace(shift.forward, chainrule.tensor([2.0])) == shift.forward  # calls shift
    assert seen == [[2.0], [3.0]]


@requires_torch
def test_trace_refuses_what_pytorch_refuses():
    raises_like_torch(lambda lib: lib.jit.trace(double_plus_one))
    raises_like_torch(lambda lib: lib.jit.trace(lib.nn.Linear(2, 2)), match="example_kwarg_inputs")
    raises_like_torch(
        lambda lib: lib.jit.trace(lib.nn.Linear(2, 2).extra_repr, lib.ones(1, 2)), match="trace_module"
    )
    assert_same_error(lambda lib: lib.jit.trace(3, lib.ones(2)))


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.jit.script(double_plus_one),
        lambda lib: lib.jit.trace(double_plus_one, lib.ones(2)),
        lambda lib: lib.jit.trace(lib.nn.Linear(2, 1), lib.ones(1, 2)),
        lambda lib: lib.jit.freeze(lib.jit.script(lib.nn.Linear(2, 1).eval())),
        lambda lib: lib.jit.optimize_for_inference(lib.jit.script(lib.nn.Linear(2, 1).eval())),
        lambda lib: lib.jit.wait(lib.jit.fork(double_plus_one, lib.ones(2))),
    ],
    ids=["script", "trace", "trace-module", "freeze", "optimize_for_inference", "fork-wait"],
)
def test_deprecated_functions_warn_with_pytorchs_messages(call):
    ours, theirs = deprecations(lambda: call(chainrule)), deprecations(lambda: call(torch))
    assert ours and ours <= theirs, (ours, theirs)


@requires_torch
def test_scripting_and_tracing_queries_and_annotate_answer_as_in_eager_pytorch():
    def scenario(lib):
        return lib.jit.is_scripting(), lib.jit.is_tracing(), lib.jit.annotate(list[int], [1, 2])

    same_as_torch(scenario)
    assert chainrule.jit.Final is torch.jit.Final is typing.Final


def test_decorators_return_what_they_decorate():
    assert chainrule.jit.ignore(double_plus_one) is double_plus_one
    assert chainrule.jit.ignore(drop=False)(double_plus_one) is double_plus_one
    assert chainrule.jit.unused(double_plus_one) is double_plus_one
    assert chainrule.jit.export(double_plus_one) is double_plus_one
    size = property(lambda self: 1)
    assert chainrule.jit.unused(size) is size


@requires_torch
def test_ignore_with_drop_warns_and_a_bad_argument_raises_as_in_pytorch():
    for lib in (torch, chainrule):
        with pytest.warns(FutureWarning, match=r"ignore\(True\) has been deprecated"):
            assert lib.jit.ignore(drop=True)(scale) is scale
    raises_like_torch(lambda lib: lib.jit.ignore("yes"), match="must be a bool or a function")


@requires_torch
def test_nothing_is_a_script_module_or_function_and_neither_can_be_made():
    assert not isinstance(chainrule.jit.script(Shift()), chainrule.jit.ScriptModule)
    assert not isinstance(chainrule.jit.script(double_plus_one), chainrule.jit.ScriptFunction)
    assert_same_error(lambda lib: lib.jit.ScriptFunction(), "No constructor defined")
    with pytest.raises(TypeError, match="subclass chainrule.nn.Module"):
        chainrule.jit.ScriptModule()


@requires_torch
def test_fork_runs_at_once_and_wait_returns_its_result_as_in_pytorch():
    def scenario(lib):
        future = lib.jit.fork(scale, lib.tensor([1.0, 2.0]), factor=2.0)
        return future.done(), future.value(), lib.jit.wait(future)

    same_as_torch(scenario)


@requires_torch
def test_fork_raises_the_functions_error_at_once_and_wait_refuses_what_is_not_a_future():
    def fails():
        raise ValueError("inside the forked function")

    raises_like_torch(lambda lib: lib.jit.fork(fails), match="inside the forked function")
    assert_same_error(lambda lib: lib.jit.wait(3))


@requires_torch
def test_freeze_refuses_a_module_in_training_mode_or_a_function_as_pytorch():
    raises_like_torch(lambda lib: lib.jit.freeze(lib.jit.script(lib.nn.Linear(2, 2))), match="eval mode")
    raises_like_torch(lambda lib: lib.jit.freeze(double_plus_one), match="Freezing expects a module")
    raises_like_torch(lambda lib: lib.jit.optimize_for_inference(double_plus_one))


@requires_torch
def test_optimize_for_inference_puts_the_module_in_eval_mode_as_pytorch():
    def scenario(lib):
        model = lib.jit.script(lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Dropout(0.5)))
        lib.jit.optimize_for_inference(model)
        return model.training

    same_as_torch(scenario)
    model = chainrule.nn.Linear(2, 2).eval()
    assert chainrule.jit.freeze(model) is model
    assert chainrule.jit.optimize_for_inference(model) is model


def test_save_refuses_and_names_safetensors(tmp_path):
    with pytest.raises(RuntimeError, match="TorchScript archives are not supported") as error:
        chainrule.jit.save(chainrule.nn.Linear(2, 2), tmp_path / "model.pt")
    assert "safetensors" in str(error.value) and "chainrule.save" in str(error.value)
    assert not (tmp_path / "model.pt").exists()


def test_load_refuses_without_reading_the_file(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"PK\x03\x04 a zip archive holding code")

    class Unreadable:
        def read(self, *args):
            raise AssertionError("load read the file")

        seek = tell = readinto = read

    for f in (path, str(path), Unreadable()):
        with pytest.raises(RuntimeError, match="never runs code from a file.*chainrule.load"):
            chainrule.jit.load(f, map_location="cpu")
