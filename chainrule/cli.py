"""The ``chainrule`` command: ``train``, ``evaluate``, ``predict``, ``explain`` and ``bench``.

This is the only module that knows the command line: it turns options into
a ``RunConfig`` and calls ``chainrule.train.run``; the heavy imports happen
inside the handlers, so ``chainrule --help`` answers at once.
"""

import argparse
import errno
import math
import os
import sys

MODELS = ("seed-net", "mlp", "cnn", "resnet")
DATASETS = ("digits", "fashion-mnist", "mnist", "moons", "circles", "spirals", "csv:PATH")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adamw")
LOSSES = ("cross-entropy", "bce", "mse", "l1", "smoothl1", "huber")

TRAIN_EXAMPLES = """\
examples:
  chainrule train                                   # MLP on the bundled 8x8 digits, offline
  chainrule train --dataset fashion-mnist --model cnn
  chainrule train --dataset moons --model seed-net --epochs 50
  chainrule train --dataset csv:iris.csv --label-column species
  chainrule train --resume runs/20250101-120000-mlp-digits
"""

# RunConfig fields that the train options set (option dest -> field).
CONFIG_OPTIONS = (
    "model",
    "dataset",
    "epochs",
    "batch_size",
    "lr",
    "optimizer",
    "loss",
    "seed",
    "weight_decay",
    "schedule",
    "augment",
    "val_fraction",
    "label_column",
    "data_root",
    "clip_grad",
    "patience",
    "diagnose",
)


def positive_int(text):
    """An option's value that counts something (epochs, rounds): an integer, at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_number(text):
    """An option's value that is a size (a learning rate, a norm, seconds): positive and finite.

    >>> positive_number("inf")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a positive finite number, got inf
    """
    value = float(text)
    if not 0 < value < math.inf:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def build_parser():
    """The argument parser of the ``chainrule`` command, with the ``explain`` command when it is installed.

    >>> build_parser().parse_args(["train", "--model", "cnn"]).model
    'cnn'
    """
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="Deep learning on NumPy with PyTorch's API: train, evaluate and explain small networks.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = subparsers.add_parser(
        "train",
        help="train a model; with no options, an MLP on the bundled digits",
        description="Train a model and write a run folder: checkpoint, metrics (CSV, JSON), config, plots.",
        epilog=TRAIN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = train.add_argument_group("what to train")
    what.add_argument("--model", choices=MODELS, default=None, help="the network (default: mlp)")
    what.add_argument(
        "--dataset",
        default=None,
        metavar="NAME",
        help=f"one of {', '.join(DATASETS)} (default: digits, bundled)",
    )
    what.add_argument(
        "--data-root",
        default=None,
        metavar="DIR",
        help="folder with the MNIST/Fashion-MNIST IDX files (default: the system location, "
        "e.g. /usr/share/datasets/fashion-mnist)",
    )
    what.add_argument(
        "--label-column",
        default=None,
        metavar="COLUMN",
        help="csv: the label column, a name or a number (negative counts from the end; default: -1)",
    )
    what.add_argument("--loss", choices=LOSSES, default=None, help="the loss (default: cross-entropy)")
    how = train.add_argument_group("how to train")
    how.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        help="epochs (default: 30 for digits, 15 for fashion-mnist or 20 for a cnn or resnet on it, "
        "10 for mnist, else 100)",
    )
    how.add_argument(
        "--batch-size", type=positive_int, default=None, help="default: 128 for (fashion-)mnist, else 32"
    )
    how.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default=None,
        help="default: adam; momentum is SGD with Nesterov momentum 0.9",
    )
    how.add_argument(
        "--lr",
        type=positive_number,
        default=None,
        help="learning rate (default: 0.001 for adam, adamw, rmsprop; 0.02 momentum; 0.1 sgd)",
    )
    how.add_argument("--weight-decay", type=float, default=None, help="L2 penalty (default: 0)")
    how.add_argument(
        "--schedule",
        choices=("cosine", "none"),
        default=None,
        help="learning-rate schedule over the epochs (default: cosine)",
    )
    how.add_argument(
        "--augment",
        choices=("none", "flip"),
        default=None,
        help="training-time augmentation: flip mirrors each image left-right with probability 0.5 "
        "(default: flip for cnn and resnet on fashion-mnist, else none)",
    )
    how.add_argument(
        "--val-fraction",
        type=float,
        default=None,
        help="share of the training data held out for validation (default: 0.1)",
    )
    how.add_argument(
        "--clip-grad", type=positive_number, default=None, metavar="NORM", help="clip the gradient norm"
    )
    how.add_argument(
        "--patience",
        type=positive_int,
        default=None,
        help="stop early after this many epochs without a better validation loss; the run keeps "
        "its last epoch's weights, not the best epoch's (as Keras does by default)",
    )
    how.add_argument("--seed", type=int, default=None, help="random seed (default: 0)")
    run = train.add_argument_group("the run folder")
    run.add_argument(
        "--out", default=None, metavar="DIR", help="run folder (default: runs/<time>-<model>-<dataset>)"
    )
    run.add_argument(
        "--resume",
        default=None,
        metavar="RUN_DIR",
        help="continue an interrupted run from its checkpoint, with its settings",
    )
    run.add_argument(
        "--diagnose",
        action="store_true",
        default=None,
        help="also record per-layer activation and gradient statistics (chainrule explain)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar and no per-epoch lines")
    train.set_defaults(handler=_train)

    evaluate = subparsers.add_parser(
        "evaluate",
        help="score a run's checkpoint on its test set",
        description="Score a run's checkpoint on its test set again and redraw the test plots.",
    )
    evaluate.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by chainrule train")
    evaluate.set_defaults(handler=_evaluate)

    predict = subparsers.add_parser(
        "predict",
        help="classify new inputs with a trained run",
        description="Print the predicted class of every example in FILE: a CSV file with one example per row "
        "(raw values, as in the dataset, header optional) or a .npy array.",
    )
    predict.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by chainrule train")
    predict.add_argument("file", metavar="FILE", help="a CSV file of feature rows or a .npy array")
    predict.set_defaults(handler=_predict)

    bench = subparsers.add_parser(
        "bench",
        help="time training steps side by side with PyTorch",
        description="Run chainrule and PyTorch on the same training steps (same weights, same data), "
        "alternating in rounds, and print the median time ratio chainrule / PyTorch per case. "
        "Needs PyTorch installed. The fuller suite, with memory and import time, is benchmarks/.",
    )
    bench.add_argument(
        "cases", nargs="*", metavar="CASE", help="cases to run (default: all): " + ", ".join(_bench_cases())
    )
    bench.add_argument("--rounds", type=positive_int, default=15, help="alternating rounds (default: 15)")
    bench.add_argument(
        "--seconds",
        type=positive_number,
        default=0.2,
        help="minimum seconds per library per round (default: 0.2)",
    )
    bench.add_argument(
        "--threads", type=positive_int, default=None, help="PyTorch's thread count (default: PyTorch's own)"
    )
    bench.set_defaults(handler=_bench)

    try:
        from .explain.cli import register
    except ModuleNotFoundError as error:  # the explain command is built separately; train works without it
        if error.name not in ("chainrule.explain", "chainrule.explain.cli"):
            raise
    else:
        register(subparsers)
    return parser


def main(argv=None):
    """Run the ``chainrule`` command; returns the exit status (0 ok, 1 error, 130 Ctrl-C).

    >>> import tempfile
    >>> main(["train", "--dataset", "moons", "--model", "seed-net", "--epochs", "1", "--quiet",
    ...       "--out", tempfile.mkdtemp()])
    test accuracy: ...% on 200 examples (test loss ...)
    wrote:
    ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 0
    from .train import CheckpointError
    from .train.run import RunInterrupted, TrainingDiverged

    try:
        return args.handler(args) or 0
    except CheckpointError as error:
        then = f"chainrule train --resume {error.path.parent}" if error.path.is_file() else "train again"
        when = "once there is room" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "once that is fixed"
        print(f"chainrule {args.command}: error: {_message(error)}\n{when}: {then}", file=sys.stderr)
        return 1
    except RunInterrupted as stop:
        where = f"checkpoint saved ({stop.checkpoint})" if stop.checkpoint else "no checkpoint was written"
        print(
            f"\ninterrupted: {where} in {stop.run_dir}\n"
            f"continue with: chainrule train --resume {stop.run_dir}",
            file=sys.stderr,
        )
        return 130
    except TrainingDiverged as error:
        print(f"chainrule {args.command}: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (`chainrule predict ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, OSError) as error:
        print(f"chainrule {args.command}: error: {_message(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nchainrule {args.command}: interrupted", file=sys.stderr)
        return 130


def _bench_cases():
    from .bench import CASES

    return list(CASES)


def _bench(args):
    from .bench import CASES, run

    unknown = [name for name in args.cases if name not in CASES]
    if unknown:
        raise ValueError(f"unknown case {unknown[0]!r}; choose from {', '.join(CASES)}")
    try:
        run(args.cases or None, rounds=args.rounds, min_seconds=args.seconds, threads=args.threads)
    except RuntimeError as error:
        print(f"chainrule bench: {error}", file=sys.stderr)
        return 1
    return 0


def _message(error):
    """The text of an error; for an OSError made as OSError(errno, message), without '[Errno n]'."""
    if isinstance(error, OSError) and error.filename is None and error.strerror:
        return error.strerror
    return str(error)


def _announcer(config):
    """A callback that says what is being trained, on how much data, and where the run folder is."""
    from .train import Callback

    class Announce(Callback):
        def on_fit_start(self, state):
            if state.epoch >= state.epochs or state.stop_training:  # the run's own callbacks come first
                print(f"{state.run_dir} already finished after epoch {state.epoch}; scoring it again")
                return
            c = config
            sizes = f"{len(state.train_loader.dataset)} training examples"
            if state.val_loader is not None:
                sizes += f", {len(state.val_loader.dataset)} for validation"
            start = f", resuming in epoch {state.epoch + 1}" if state.epoch or state.running.batches else ""
            print(
                f"training {c.model} on {c.dataset} ({sizes}{start}): {c.epochs} epochs, "
                f"batch {c.batch_size}, "
                f"{c.optimizer} lr {c.lr:g}, {c.loss} loss, seed {c.seed}\nrun folder: {state.run_dir}",
                flush=True,
            )

    return Announce()


def _train(args):
    from .datasets.idx import DatasetNotFoundError
    from .train.run import RunConfig, read_run_config, resume_run, train_run

    given = {name: getattr(args, name) for name in CONFIG_OPTIONS if getattr(args, name) is not None}
    try:
        if args.resume is not None:
            if args.out is not None:
                raise ValueError("--resume continues the run in its own folder; leave out --out")
            config, _ = read_run_config(args.resume)
            announce = [] if args.quiet else [_announcer(config)]
            result = resume_run(args.resume, given, callbacks=announce, progress=not args.quiet)
        else:
            config = RunConfig(**given).resolved()
            announce = [] if args.quiet else [_announcer(config)]
            result = train_run(config, args.out, callbacks=announce, progress=not args.quiet)
    except DatasetNotFoundError as error:  # its own message speaks Python: root=, download=True
        advice = "pass --data-root DIR, the folder that holds them"
        raise FileNotFoundError(error.message("no --data-root given", advice)) from None
    if result.stop_reason:
        print(f"stopped early: {result.stop_reason}")
    _print_result(result)
    return 0


def _print_result(result):
    test = result.test
    if test["accuracy"] is not None:
        print(
            f"test accuracy: {test['accuracy']:.2%} on {test['count']} examples "
            f"(test loss {test['loss']:.4f})"
        )
    else:
        print(f"test loss: {test['loss']:.4f} on {test['count']} examples")
    print("wrote:")
    for path in result.files:
        print(f"  {path}")


def _evaluate(args):
    from .train.run import evaluate_run

    _print_result(evaluate_run(args.run_dir))
    return 0


def _predict(args):
    from .train.run import predict_run

    predicted, confidence, names = predict_run(args.run_dir, args.file)
    if names is None:
        print("row,prediction")
        for row, value in enumerate(predicted.tolist(), 1):
            print(f"{row},{value:.6g}")
        return 0
    print("row,class,label,confidence")
    for row, (index, name, probability) in enumerate(zip(predicted.tolist(), names, confidence.tolist()), 1):
        print(f"{row},{index},{name},{probability:.4f}")
    return 0
