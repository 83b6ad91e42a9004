"""chainrule.profiler and chainrule.autograd.profiler against torch.profiler (PyTorch 2.13, CPU build)."""

import json
import threading
import warnings
from collections import Counter

import pytest

import chainrule
from chainrule.autograd import profiler as autograd_profiler
from chainrule.autograd.function import Function
from chainrule.profiler import ProfilerActivity, profile, record_function, schedule

from oracle import graph_node_names, raises_like_torch, requires_torch, torch

pytestmark = requires_torch

# Backward nodes both libraries name alike; chainrule's Linear node stands for PyTorch's
# AddmmBackward0 + TBackward0 and is compared with chainrule's own graph instead.
SHARED_BACKWARD_NAMES = {"MeanBackward0", "PowBackward0", "SubBackward0", "ReluBackward0"}


def training_step(lib, prof_module, **options):
    """One SGD step of a small MLP under ``lib``'s profiler; returns (profiler, loss)."""
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    x, y = lib.ones(3, 4), lib.zeros(3, 2)
    with prof_module.profile(activities=[prof_module.ProfilerActivity.CPU], **options) as prof:
        with prof_module.record_function("step"):
            loss = ((model(x) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward(retain_graph=True)
            optimizer.step()
    return prof, loss


def graph_nodes(tensor):
    nodes, stack = [], [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and not hasattr(node, "variable") and node not in nodes:
            nodes.append(node)
            stack.extend(edge[0] for edge in node.next_functions)
    return nodes


def function_classes():
    """Every Function subclass with the forward/backward entries of its own __dict__."""
    classes, pending = [], [Function]
    while pending:
        cls = pending.pop()
        classes.append(cls)
        pending.extend(cls.__subclasses__())
    return {cls: (cls.__dict__.get("forward"), cls.__dict__.get("backward")) for cls in classes}


def test_a_training_step_records_each_backward_node_as_often_as_the_graph_and_pytorch_have_it():
    prof, loss = training_step(chainrule, chainrule.profiler)
    counts = Counter(event.name for event in prof.events())
    assert {name: counts[name] for name in Counter(graph_node_names(loss))} == Counter(graph_node_names(loss))
    theirs, _ = training_step(torch, torch.profiler)
    their_counts = Counter(event.name for event in theirs.events())
    assert {name: counts[name] for name in SHARED_BACKWARD_NAMES} == {
        name: their_counts[name] for name in SHARED_BACKWARD_NAMES
    }
    assert counts["LinearBackward0"] == 2


def test_a_training_step_records_each_forward_op_once_per_graph_node():
    prof, loss = training_step(chainrule, chainrule.profiler)
    counts = Counter(event.name for event in prof.events())
    forward = Counter(type(node).__name__ for node in graph_nodes(loss))
    assert forward == Counter({"Linear": 2, "Relu": 1, "Sub": 1, "Pow": 1, "Mean": 1})
    assert {name: counts[name] for name in forward} == forward


def test_optimizer_steps_are_named_as_pytorch_names_them():
    names = {event.name for event in training_step(chainrule, chainrule.profiler)[0].events()}
    their_names = {event.name for event in training_step(torch, torch.profiler)[0].events()}
    for name in ("Optimizer.step#SGD.step", "Optimizer.zero_grad#SGD.zero_grad", "step"):
        assert name in names and name in their_names


def test_a_custom_function_is_recorded_under_the_names_pytorch_gives_it():
    def run(lib, prof_module):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x**3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x**2

        x = lib.ones(3, requires_grad=True)
        with prof_module.profile() as prof:
            Cube.apply(x).sum().backward()
        return {event.name for event in prof.events()}

    ours, theirs = run(chainrule, chainrule.profiler), run(torch, torch.profiler)
    assert {"Cube", "CubeBackward"} <= ours and {"Cube", "CubeBackward"} <= theirs


def test_self_times_exclude_children_and_add_up_to_the_time_recorded():
    prof, _ = training_step(chainrule, chainrule.profiler)
    events = prof.events()
    for event in events:
        children = sum(child.cpu_time_total for child in event.cpu_children)
        assert event.self_cpu_time_total == pytest.approx(event.cpu_time_total - children)
        assert event.self_cpu_time_total >= 0
    top_level = sum(event.cpu_time_total for event in events if event.cpu_parent is None)
    assert events.self_cpu_time_total == pytest.approx(top_level)
    averages = prof.key_averages()
    assert sum(a.self_cpu_time_total for a in averages) == pytest.approx(top_level)
    assert [a.key for a in averages if a.key == "step"] == ["step"]
    assert averages[0].cpu_time == pytest.approx(averages[0].cpu_time_total / averages[0].count)


def test_record_function_nests_ranges_and_the_ops_run_inside_them():
    x = chainrule.ones(2, requires_grad=True)

    @record_function("decorated")
    def double(t):
        return t * 2

    with profile() as prof:
        with record_function("outer"):
            with record_function("inner"):
                y = x + 1
            z = double(y)
        z.sum().backward()
    events = {event.name: event for event in prof.events()}
    parent = {name: event.cpu_parent and event.cpu_parent.name for name, event in events.items()}
    assert parent == {
        "outer": None,
        "inner": "outer",
        "Add": "inner",
        "decorated": "outer",
        "Mul": "decorated",
        "Sum": None,
        "SumBackward0": None,
        "MulBackward0": None,
        "AddBackward0": None,
    }
    for event in prof.events():
        if event.cpu_parent is not None:
            outer = event.cpu_parent.time_range
            assert outer.start <= event.time_range.start <= event.time_range.end <= outer.end


def test_record_function_outside_a_profiler_records_nothing_and_returns_itself():
    with record_function("alone") as range_:
        chainrule.ones(2) + 1
    assert isinstance(range_, record_function)
    with torch.profiler.record_function("alone") as theirs:
        assert isinstance(theirs, torch.profiler.record_function)


def table_lines(table, name_width=None):
    """The table's lines with the Name column cut off (its width follows the longest name)."""
    lines = table.splitlines()
    width = name_width if name_width is not None else len(lines[0].split("  ")[0])
    return [line[width:] for line in lines]


@pytest.mark.parametrize("by_shape", [False, True])
def test_the_table_has_pytorchs_header_columns_and_footer(by_shape):
    ours, _ = training_step(chainrule, chainrule.profiler, record_shapes=True)
    theirs, _ = training_step(torch, torch.profiler, record_shapes=True)
    our_table = ours.key_averages(group_by_input_shape=by_shape).table(sort_by="cpu_time_total", row_limit=5)
    their_table = theirs.key_averages(group_by_input_shape=by_shape).table(
        sort_by="cpu_time_total", row_limit=5
    )
    assert our_table.endswith("\n") and their_table.endswith("\n")
    ours_lines, theirs_lines = our_table.splitlines(), their_table.splitlines()
    assert len(ours_lines) == len(theirs_lines) == 10  # 3 header lines, 5 rows, rule, footer
    # the shapes column's width follows the longest shapes: compare up to it
    cut = ours_lines[1].find("# of Calls") + len("# of Calls")
    their_cut = theirs_lines[1].find("# of Calls") + len("# of Calls")
    assert ours_lines[1][cut - 108 : cut] == theirs_lines[1][their_cut - 108 : their_cut]
    assert ours_lines[1].lstrip().startswith("Name") and ours_lines[1][:cut].endswith("# of Calls")
    assert ("Input Shapes" in ours_lines[1]) == ("Input Shapes" in theirs_lines[1]) == by_shape
    assert ours_lines[-1].startswith("Self CPU time total: ")
    assert theirs_lines[-1].startswith("Self CPU time total: ")


def test_the_table_is_pytorchs_table_for_the_same_numbers():
    from torch.autograd import profiler_util

    ours, _ = training_step(chainrule, chainrule.profiler, record_shapes=True)
    for by_shape in (False, True):
        averages = ours.key_averages(group_by_input_shape=by_shape)
        theirs = profiler_util.EventList([])
        for average in averages:
            copy = profiler_util.FunctionEventAvg()
            copy.key, copy.count, copy.input_shapes = average.key, average.count, average.input_shapes
            copy.cpu_time_total, copy.self_cpu_time_total = (
                average.cpu_time_total,
                average.self_cpu_time_total,
            )
            copy.is_user_annotation, copy.node_id = False, -1  # no distributed node
            theirs.append(copy)
        for options in (
            {"sort_by": "cpu_time_total", "row_limit": 6},
            {"sort_by": "count"},
            {"header": "Step"},
        ):
            assert averages.table(**options) == theirs.table(**options)


def test_the_chrome_trace_is_json_with_one_complete_event_per_recorded_event(tmp_path):
    prof, _ = training_step(chainrule, chainrule.profiler, record_shapes=True)
    path = tmp_path / "trace.json"
    path.write_text("old")
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    complete = [event for event in trace["traceEvents"] if event["ph"] == "X"]
    assert [event["name"] for event in complete] == [event.name for event in prof.events()]
    for event in complete:
        assert {"name", "ph", "ts", "dur", "pid", "tid", "cat"} <= set(event)
        assert event["dur"] >= 0
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]  # no temporary file left


def test_a_gz_path_gets_a_gzipped_trace(tmp_path):
    import gzip

    prof, _ = training_step(chainrule, chainrule.profiler)
    prof.export_chrome_trace(str(tmp_path / "trace.json.gz"))
    assert json.loads(gzip.decompress((tmp_path / "trace.json.gz").read_bytes()))["traceEvents"]


def test_every_forward_and_backward_is_the_original_again_after_the_profiler():
    before = function_classes()
    training_step(chainrule, chainrule.profiler)
    assert function_classes() == before
    assert all(
        cls.forward is own[0]
        for cls, own in before.items()
        if own[0] is not None and not isinstance(own[0], staticmethod)
    )


def test_every_forward_and_backward_is_the_original_again_after_an_exception_inside():
    before = function_classes()
    optimizer_step = chainrule.optim.SGD.step
    with pytest.raises(ValueError):
        with profile():
            chainrule.ones(2) * 2
            assert (
                chainrule.ops.elementwise.Mul.__dict__["forward"]
                is not before[chainrule.ops.elementwise.Mul][0]
            )
            raise ValueError("inside the profiler")
    assert function_classes() == before
    assert chainrule.optim.SGD.step is optimizer_step
    assert "step" not in chainrule.optim.SGD.__dict__


def test_a_method_kept_from_inside_the_profiler_runs_unrecorded_after_it():
    x = chainrule.ones(2, requires_grad=True)
    optimizer = chainrule.optim.SGD([x], lr=0.1)
    with profile():
        kept_step = type(optimizer).step
    x.grad = chainrule.ones(2)
    with autograd_profiler.profile() as later:
        pass
    kept_step(optimizer)
    assert later.function_events == [] and x.tolist() == [0.8999999761581421, 0.8999999761581421]


def test_ops_run_on_other_threads_are_not_recorded():
    with profile() as prof:
        worker = threading.Thread(target=lambda: chainrule.ones(2) + 1)
        worker.start()
        worker.join()
        chainrule.ones(2) * 2
    assert [event.name for event in prof.events()] == ["Mul"]


def test_a_second_profiler_inside_the_first_is_refused():
    with profile():
        with pytest.raises(RuntimeError, match="already recording"):
            with profile():
                pass


@pytest.mark.parametrize(
    "arguments",
    [
        {"wait": 1, "warmup": 1, "active": 2},
        {"wait": 1, "warmup": 1, "active": 2, "repeat": 2, "skip_first": 1},
        {"wait": 2, "warmup": 1, "active": 1, "repeat": 1, "skip_first": 3, "skip_first_wait": 1},
        {"wait": 0, "warmup": 2, "active": 3, "repeat": 3},
    ],
)
def test_the_schedule_records_the_steps_pytorch_records(arguments):
    def run(lib):
        actions = [lib.profiler.schedule(**arguments)(step).name for step in range(16)]
        traces = []

        def ready(prof):
            traces.append((prof.step_num, sorted({e.name for e in prof.events() if e.name[0] in "sP"})))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.profiler.profile(
                schedule=lib.profiler.schedule(**arguments), on_trace_ready=ready
            ) as prof:
                for step in range(12):
                    with lib.profiler.record_function(f"s{step}"):
                        pass
                    prof.step()
        return actions, traces

    assert run(chainrule) == run(torch)


def test_schedule_warns_and_raises_as_pytorch_does():
    with pytest.warns(UserWarning, match="won't be using warmup"):
        schedule(wait=1, warmup=0, active=1)
    raises_like_torch(
        lambda lib: lib.profiler.schedule(wait=0, warmup=1, active=0), "active=0 \\(need > 0\\)"
    )


def test_cuda_activity_warns_that_cuda_is_unavailable_and_records_the_cpu():
    def run(lib):
        x = lib.ones(2)
        with pytest.warns(UserWarning, match="CUDA is not available, disabling CUDA profiling"):
            with lib.profiler.profile(
                activities=[lib.profiler.ProfilerActivity.CPU, lib.profiler.ProfilerActivity.CUDA]
            ) as prof:
                x * 2
        return len(prof.events()) > 0

    assert run(chainrule) and run(torch)
    assert list(ProfilerActivity.__members__) == list(torch.profiler.ProfilerActivity.__members__)
    raises_like_torch(lambda lib: lib.profiler.profile(activities=[]).start(), "No valid profiler activities")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like_torch(
            lambda lib: lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CUDA]).start(),
            "No activities specified",
        )


def test_results_before_any_recording_raise_as_pytorch_does():
    raises_like_torch(lambda lib: lib.profiler.profile().key_averages(), "must be initialized")
    raises_like_torch(lambda lib: lib.profiler.profile().events(), "must be initialized")


def test_the_older_api_records_the_same_events_and_warns_about_use_cuda():
    x = chainrule.ones(2, requires_grad=True)
    with (
        pytest.warns(FutureWarning, match="use_cuda"),
        pytest.warns(UserWarning, match="CUDA is not available"),
    ):
        prof = autograd_profiler.profile(use_cuda=True)
    with prof:
        with autograd_profiler.record_function("label"):
            y = x * x
        y.sum().backward()
    assert [e.name for e in prof.function_events] == ["label", "Mul", "Sum", "SumBackward0", "MulBackward0"]
    assert prof.self_cpu_time_total == pytest.approx(prof.function_events.self_cpu_time_total)
    assert prof.total_average().count == 5 and "Self CPU time total" in prof.table()


def test_the_older_api_refuses_to_be_entered_twice():
    def enter_twice(lib):
        prof = lib.autograd.profiler.profile()
        with prof:
            prof.__enter__()

    raises_like_torch(enter_twice, "Profiler context manager is not reentrant")


def test_a_disabled_profiler_records_nothing():
    with autograd_profiler.profile(enabled=False) as prof:
        chainrule.ones(2) * 2
    assert prof is None
