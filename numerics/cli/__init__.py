"""The ``lowrank`` command line: a thin click group; each command lives in its own module of
this package (``numerics/cli/<command>.py``), and the work it calls lives below it.

Commands only parse arguments and call library functions. Every user error is reported as one
line on stderr with exit status 2 (click's convention for usage errors), never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

# command name -> module defining a click command called `command`
_COMMANDS = {
    "derive": "numerics.cli.derive",
    "simulate": "numerics.cli.simulate",
    "report": "numerics.cli.report",
    "list": "numerics.cli.check",
    "check": "numerics.cli.check",
    "reproduce": "numerics.cli.reproduce",
    "cache": "numerics.cli.cache",
}


class _LazyGroup(click.Group):
    """Loads a command's module only when it is used, so `lowrank derive` stays fast."""

    def list_commands(self, ctx):
        return list(_COMMANDS)

    def get_command(self, ctx, name):
        mod = _COMMANDS.get(name)
        if mod is None:
            return None
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as err:  # a command not built yet
            if err.name == mod:
                return None
            raise
        return getattr(module, f"cmd_{name}", None)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's main, with every failure as one line on stderr and exit status 2 (see
        :func:`numerics.cli.util.one_line_errors`)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        from numerics.cli.util import one_line_errors

        with one_line_errors():
            rv = super().main(args, prog_name, complete_var, False, **extra)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lowrank")
def cli() -> None:
    """lowrank: a symbolic/numeric verifier for the theory of low-rank fine-tuning
    (Dayi & Chen, "Low-rank fine-tuning lies between lazy training and feature learning",
    COLT 2025).

    \b
    Examples:
      lowrank report                 # regenerate the proof-check report in reports/
      lowrank derive "tanh(2*x) + x**3/6" --terms 12
      lowrank simulate --act relu --d 2000 --k 50 --runs 10 --steps 200000
      lowrank list                   # the claims and their sub-checks
      lowrank reproduce fig2         # one of the paper's figures, as a task grid
    """


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``lowrank``)."""
    try:
        cli.main(args=argv, prog_name="lowrank", standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover - interactive
        click.echo("lowrank: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
