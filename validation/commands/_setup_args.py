"""Command-line options that describe a :class:`theory.OneStep`: one vocabulary for every subcommand.

Every subcommand that describes an experiment takes the same options, with the names of the
fields of :class:`theory.OneStep` and its defaults (``docs/cli.md#setup-options``)::

    --preset NAME        a paper's setting (theory.OneStep.preset): cui2024 | moniri2024 | ba2022 | dandi2024 | none
    --activation --target --d --lr --noise-var --readout --init --residual --output-scale --steps --reuse-batch
    --data MIXTURE.toml  Gaussian-mixture inputs (validation.mixture_file; default x ~ N(0, I_d))
    --width W  | --width-ratio W/d     (one of the two)
    --n N      | --sample-ratio N/d    (one of the two)

The setup is the preset's (or ``OneStep()``'s) at dimension ``--d``, its width and batch kept at the
same multiples of ``d`` unless given, then every option given on the command line replaces that
field. A command with a documented default experiment names it in its help (``compare`` and
``risk``: ``--preset cui2024``; ``compare`` at ``d = 400``, a laptop-size simulation).
"""

from __future__ import annotations

__all__ = ["add_setup_arguments", "setup_from_args", "PRESET_CHOICES"]

#: ``--preset`` values: the papers of :data:`theory.model.onestep.PRESETS`, and ``none`` (``OneStep()``).
PRESET_CHOICES = ("cui2024", "moniri2024", "ba2022", "dandi2024", "none")

# OneStep's defaults, as the help shows them (tested against theory.OneStep() in tests/test_vocabulary.py)
_DEFAULTS = {"activation": "tanh", "target": "tanh", "d": 1000, "width_ratio": 1.0, "sample_ratio": 2.0, "lr": 1.0,
             "noise_var": 0.0, "readout": "constant", "init": "sphere", "residual": "full"}


def add_setup_arguments(p, *, preset: str | None = None, d: float | None = None, integer_sizes: bool = False,
                        **_old) -> None:
    """Add the setup options to the parser ``p`` (see the module docstring).

    ``preset``: the command's default ``--preset`` (``None``: ``OneStep()``); ``d``: its default
    ``--d`` (``None``: the preset's or OneStep's 1000). ``integer_sizes``: a simulation, so ``d``,
    ``width`` and ``n`` must be integers (``2.5`` is refused, not rounded).
    """
    from ._checks import positive_int

    size = positive_int if integer_sizes else float
    D = _DEFAULTS
    g = p.add_argument_group("setup (the fields of theory.OneStep; docs/cli.md#setup-options)")
    g.add_argument("--preset", default=preset or "none", choices=PRESET_CHOICES, metavar="NAME",
                   help=f"a paper's setting: {' | '.join(PRESET_CHOICES)} (default {preset or 'none'}: "
                        f"{'theory.OneStep.preset(' + repr(preset) + ')' if preset else 'theory.OneStep()'}); "
                        "options given below replace its fields")
    g.add_argument("--activation", default=None, help=f"student activation (default {D['activation']})")
    g.add_argument("--target", default=None, help=f"target link (default {D['target']})")
    g.add_argument("--d", type=size, default=None, help=f"input dimension (default {d or D['d']:g})")
    w = g.add_mutually_exclusive_group()
    w.add_argument("--width", type=size, default=None, help="number of neurons p (default: width/d of the preset, 1)")
    w.add_argument("--width-ratio", type=float, default=None, help="p/d instead of --width")
    n = g.add_mutually_exclusive_group()
    n.add_argument("--n", type=size, default=None, help="batch size of the step (default: n/d of the preset, 2)")
    n.add_argument("--sample-ratio", type=float, default=None, help="n/d instead of --n")
    g.add_argument("--lr", type=_lr_values, default=None, metavar="TAU[,TAU2,...]",
                   help=f"per-neuron step tau; a comma list gives one step size per step, e.g. --lr 0.3,0.75 "
                        f"for two steps (default {D['lr']:g})")
    g.add_argument("--steps", type=_steps_value, default=None,
                   help="number of gradient steps (default: one per --lr value, so 1)")
    g.add_argument("--reuse-batch", action="store_true", default=None,
                   help="every step reuses the first step's batch (default: a fresh batch per step)")
    g.add_argument("--noise-var", type=float, default=None, help=f"label-noise variance (default {D['noise_var']:g})")
    g.add_argument("--readout", default=None, help=f"gaussian | rademacher | symmetric | constant (default {D['readout']})")
    g.add_argument("--init", default=None, help=f"sphere | gaussian (default {D['init']})")
    g.add_argument("--residual", default=None, help=f"full (r = y - f0) | labels (r = y) (default {D['residual']})")
    g.add_argument("--output-scale", type=float, default=None, help="network prefactor (default 1/width)")
    g.add_argument("--data", default=None, metavar="MIXTURE.toml",
                   help="Gaussian-mixture inputs from a TOML file (docs/validation/mixtures.md#the-data-file); "
                        "default x ~ N(0, I_d)")
    p.set_defaults(_setup_d=d, _setup_integer=integer_sizes)


def _lr_values(text: str):
    """``--lr``: one number, or a comma list of numbers (one per step)."""
    import argparse

    parts = [t.strip() for t in str(text).split(",")]
    if not parts or any(not t for t in parts) or len(parts) > 100:
        raise argparse.ArgumentTypeError(f"expected a number or a comma list of at most 100 numbers; got {text!r}")
    try:
        vals = [float(t) for t in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or a comma list of numbers; got {text!r}") from None
    return vals[0] if len(vals) == 1 else tuple(vals)


def _steps_value(text: str) -> int:
    """``--steps``: a positive integer (at most 100)."""
    import argparse

    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if not 1 <= v <= 100:
        raise argparse.ArgumentTypeError(f"expected an integer in [1, 100]; got {text!r}")
    return v


def _size(value, flag: str, integer: bool):
    from ._checks import integer_size

    return integer_size(value, flag) if integer else value


def setup_from_args(args, **extra):
    """The :class:`theory.OneStep` of the options added by :func:`add_setup_arguments` (``extra``: more fields)."""
    import theory
    from theory._checks import check_positive

    integer = bool(getattr(args, "_setup_integer", False))
    mixture = None
    if getattr(args, "data", None) is not None:  # read and checked before anything else is built
        from ..mixture_file import read_mixture_file

        mixture = read_mixture_file(args.data)
    d = args.d if args.d is not None else (getattr(args, "_setup_d", None) or _DEFAULTS["d"])
    d = _size(check_positive(d, "--d"), "--d", integer)
    width = args.width
    if args.width_ratio is not None:
        width = _size(check_positive(args.width_ratio, "--width-ratio") * d,
                      f"--width-ratio {args.width_ratio:g} times d = {d:g}", integer)
    n = args.n
    if args.sample_ratio is not None:
        n = _size(check_positive(args.sample_ratio, "--sample-ratio") * d,
                  f"--sample-ratio {args.sample_ratio:g} times d = {d:g}", integer)
    if args.preset not in (None, "none"):
        setup = theory.OneStep.preset(args.preset, d=d, width=width, n=n)
        if integer:
            for name in ("width", "n"):
                _size(getattr(setup, name), f"--preset {args.preset} at d = {d:g} ({name}; give --{name})", True)
    else:
        setup = theory.OneStep(d=d, width=d * _DEFAULTS["width_ratio"] if width is None else width,
                               n=d * _DEFAULTS["sample_ratio"] if n is None else n)
    changes = {field: getattr(args, field) for field in ("activation", "target", "lr", "noise_var", "readout",
                                                         "init", "residual", "output_scale", "steps", "reuse_batch")
               if getattr(args, field, None) is not None}
    if mixture is not None:
        changes["data"] = mixture.build(setup.d)
    changes.update(extra)
    return setup.with_(**changes) if changes else setup
