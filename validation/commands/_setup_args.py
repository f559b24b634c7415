"""Command-line arguments that describe a :class:`theory.OneStep`, shared by the subcommands."""

from __future__ import annotations

__all__ = ["add_setup_arguments", "setup_from_args"]


def add_setup_arguments(p, *, d: float, width: float, n: float, n_help: str, lr: float,
                        readouts: str = "gaussian | rademacher | constant", integer_sizes: bool = False) -> None:
    """Add ``--activation --target --d --width --n --lr --noise-var --readout --init --residual`` to ``p``.

    ``integer_sizes``: ``--d --width --n`` must be integers (a simulation; ``2.5`` is refused, not
    rounded); otherwise they are real numbers (the limiting theory only uses their ratios).
    """
    from ._checks import positive_int

    size = positive_int if integer_sizes else float
    p.add_argument("--activation", default="tanh", help="student activation (default tanh)")
    p.add_argument("--target", default="sin", help="target link (default sin)")
    p.add_argument("--d", type=size, default=d, help=f"input dimension (default {d:g})")
    p.add_argument("--width", type=size, default=width, help=f"number of neurons p (default {width:g})")
    p.add_argument("--n", type=size, default=n, help=f"batch size of the step (default {n_help})")
    p.add_argument("--lr", type=float, default=lr, help=f"per-neuron step tau (default {lr:g})")
    p.add_argument("--noise-var", type=float, default=0.0, help="label-noise variance (default 0)")
    p.add_argument("--readout", default="constant", help=f"{readouts} (default constant)")
    p.add_argument("--init", default="sphere", help="sphere | gaussian (default sphere)")
    p.add_argument("--residual", default="full", help="full (r = y - f0) | labels (r = y) (default full)")


def setup_from_args(args, **extra):
    """The :class:`theory.OneStep` of the arguments added by :func:`add_setup_arguments` (``extra`` passed on)."""
    import theory

    return theory.OneStep(activation=args.activation, target=args.target, d=args.d, width=args.width, n=args.n,
                          lr=args.lr, noise_var=args.noise_var, readout=args.readout, init=args.init,
                          residual=args.residual, **extra)
