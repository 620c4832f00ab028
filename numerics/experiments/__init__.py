"""Experiments: one module per figure, theorem or prediction, each with a
``run_*_experiment(profile, seed) -> list[dict]`` function and a printer.

* :mod:`numerics.experiments.plateau` — the SGD plateau against the ODE predictions of
  :mod:`numerics.ode` (docs/derivations.md §2).
"""
