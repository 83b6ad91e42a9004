"""The ``chainrule explain`` command.

``chainrule.cli`` calls ``register(subparsers)``; ``python -m chainrule.explain``
runs the same command on its own.

    chainrule explain                                  # the walkthrough, in English
    chainrule explain --lang zh --activation relu --loss cross-entropy --optimizer adam
    chainrule explain --format html -o walkthrough.html
    chainrule explain losses                           # losses.png
    chainrule explain activations -o act.png
    chainrule explain through-time --length 100       # backpropagation through time

>>> parser = build_parser()
>>> args = parser.parse_args(["explain", "--loss", "Smooth-L1", "--optimizer", "adam"])
>>> args.topic, args.loss, args.optimizer
('walkthrough', 'smooth_l1', 'adam')
"""

import argparse
import sys

from ..cli import positive_int, positive_number
from .walkthrough import ACTIVATIONS, DEFAULT_SEED, FORMATS, LANGUAGES, LOSSES, OPTIMIZERS, choose

TOPICS = ("walkthrough", "losses", "activations", "through-time")

EXAMPLES = """\
examples:
  chainrule explain                                    the walkthrough: sigmoid, L2 loss, SGD
  chainrule explain --lang zh                          the same in Chinese (中文)
  chainrule explain --activation relu --loss cross-entropy --optimizer adam --steps 2
  chainrule explain --format html -o walkthrough.html  a page to open in a browser
  chainrule explain losses                             plot L1, L2, Smooth L1, Huber and their derivatives
  chainrule explain activations                        plot the activations and their derivatives
  chainrule explain through-time -o bptt.png           the gradient reaching each time step of an
                                                       RNN, an LSTM and a GRU (vanishing gradients)
"""


def _option(choices, what):
    def parse(text):
        try:
            return choose(text, choices, what)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _seed(text):
    value = int(text)
    if value < 0:  # NumPy's default_rng draws the numbers
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def register(subparsers):
    """Add the ``explain`` subcommand to a ``chainrule`` command's subparsers."""
    parser = subparsers.add_parser(
        "explain",
        help="forward and backward propagation in numbers; plots of losses and activations",
        description=(
            "Walk through a two-layer network with small numbers: forward propagation, the loss, "
            "backward propagation node by node (the chain rule) and one optimizer step, each checked "
            "against chainrule's autograd. 'losses' and 'activations' plot the functions and their "
            "derivatives (PNG). 'through-time' backpropagates through an RNN, an LSTM and a GRU step by "
            "step and shows the gradient that reaches each time step."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "topic", nargs="?", choices=TOPICS, default="walkthrough", help="default: walkthrough"
    )
    walk = parser.add_argument_group("the walkthrough")
    walk.add_argument(
        "--lang", type=_option(LANGUAGES, "language"), default="en", help="en or zh (default: en)"
    )
    walk.add_argument(
        "--format",
        type=_option(FORMATS, "format"),
        default="text",
        help="text, markdown or html (default: text)",
    )
    walk.add_argument(
        "--activation",
        type=_option(ACTIVATIONS, "activation"),
        default="sigmoid",
        help="sigmoid, tanh or relu (default: sigmoid)",
    )
    walk.add_argument(
        "--loss",
        type=_option(LOSSES, "loss"),
        default="l2",
        help="l1, l2, smooth-l1 or cross-entropy (default: l2)",
    )
    walk.add_argument(
        "--optimizer",
        type=_option(OPTIMIZERS, "optimizer"),
        default="sgd",
        help="sgd, momentum, rmsprop or adam (default: sgd)",
    )
    walk.add_argument(
        "--lr",
        type=positive_number,
        default=None,
        help="learning rate (default: 0.5 sgd and momentum, 0.01 rmsprop, 0.05 adam)",
    )
    walk.add_argument("--steps", type=positive_int, default=1, help="optimizer steps to show (default: 1)")
    walk.add_argument(
        "--seed",
        type=_seed,
        default=DEFAULT_SEED,
        help=f"seed of the numbers, 0 or more (default: {DEFAULT_SEED})",
    )
    through = parser.add_argument_group("through-time")
    through.add_argument(
        "--length", type=positive_int, default=50, help="time steps of the sequence (default: 50)"
    )
    through.add_argument("--hidden", type=positive_int, default=32, help="hidden units (default: 32)")
    parser.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE",
        help="where to write: default stdout for text and markdown, walkthrough.html for html, "
        "losses.png / activations.png for the plots; through-time writes its plot only when given",
    )
    parser.set_defaults(handler=run)
    return parser


def run(args):
    """Carry out ``chainrule explain``; returns the exit status."""
    if args.topic == "through-time":
        from .through_time import compare_cells

        comparison = compare_cells(args.length, args.hidden, args.seed)
        print(comparison)
        if args.output:
            print(f"wrote {comparison.plot(args.output)}")
        return 0
    if args.topic in ("losses", "activations"):
        from .plots import plot_activations, plot_losses

        plot = plot_losses if args.topic == "losses" else plot_activations
        path = plot(args.output or f"{args.topic}.png")
        print(f"wrote {path}")
        return 0
    from .walkthrough import walkthrough

    result = walkthrough(
        activation=args.activation,
        loss=args.loss,
        optimizer=args.optimizer,
        lr=args.lr,
        steps=args.steps,
        seed=args.seed,
        lang=args.lang,
    )
    text = result.render(args.format)
    output = args.output or ("walkthrough.html" if args.format == "html" else None)
    if output is None:
        sys.stdout.write(text)
        return 0 if result.passed else 1
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {output}")
    return 0 if result.passed else 1


def build_parser():
    """A parser with only the ``explain`` command (``python -m chainrule.explain``)."""
    parser = argparse.ArgumentParser(prog="chainrule")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv=None):
    """``python -m chainrule.explain [topic] [options]``: the same as ``chainrule explain``."""
    args = build_parser().parse_args(["explain", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.handler(args)
    except (ValueError, OSError) as error:
        print(f"chainrule explain: error: {error}", file=sys.stderr)
        return 1
