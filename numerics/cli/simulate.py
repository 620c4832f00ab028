"""``lowrank simulate``: options and output of the command; the work is
:func:`numerics.simulate.simulate` (whose docstring documents the ``--json`` schema,
``lowrank-simulate/2``).
"""

from __future__ import annotations

import os
import sys

import click
import numpy as np

from numerics import cost
from numerics.atomic import describe, rescue
from numerics.cli.rank import RANK_HELP_SIMULATE, XI, simulate_command
from numerics.cli.util import die, dump_json, save_png
from numerics.cli.validate import SEED, Finite, Output
from numerics.problem import InstanceError, check_model, stem
from numerics.simulate import (
    NOISE_ODE_MAX_K,
    build_instance,
    describe_instance,
    simulate,
)

EXAMPLES = """
\b
Examples:
  lowrank simulate                    # ReLU, d = 100, k = 4, 32 runs, reduced chain: m_T ≈ −0.956,
                                      # 16% of runs succeed; the warning gives the η that does
  lowrank simulate --lr 0.00031 --steps 120000      # that η: 100% of runs reach m_T² ≥ 0.95
  lowrank simulate --lr 0.002 --steps 30000 --plot m.png   # ηd = 0.2: the recursion reaches
                                      # −1, SGD and the effective ODE stay near −0.89 (0%)
  lowrank simulate --act erf --d 2000 --k 50 --runs 10 --steps 200000 --plot m.png
  lowrank simulate --act "x**3 - 3*x" --m0 0.3 --json > he3.json
  lowrank simulate --engine full --d 60 --runs 16 --variant joint --lr-c 0.01
  lowrank simulate --convention appB --features random --c sphere --h0-sign +1
  lowrank simulate --glm --act relu --k 4 --d 400 --save-instance glm
  lowrank simulate --instance glm --engine full --runs 8
  lowrank simulate --rank 2 --k 16 --lam random --d 1000 --plot flow.png   # rank-2 population
                                                    # flow (the SGD engines are rank 1)

\b
Variants (--variant, flags joined by +): frozen (Eq. 4: ĉ frozen, gradient projected off span W
and onto the sphere's tangent space), joint (ĉ trained too, on S^{k−1}, step --lr-c),
unprojected (no projection off span W; û₀ uniform on S^{d−1}), alpha (u has a part α = --alpha in
span W), linearised (the kernel student of Fig. 3), scratch (all k rows trained from a random
start; --engine full only).

\b
The learning rate defaults to η = 0.1/d: η must scale like 1/d, and ηd be small, for SGD to
follow the population recursion (the noise term η²(d − k − 2)V(m)/2 of docs/derivations.md §2
makes SGD plateau below |m| = 1 when ηd is not small). Steps default to 200·d (ODE time ηt = 20).
Without --m0, û₀ is uniform on the unit sphere of span(W)^⊥ and flipped so that sign(m₀) =
sign(h(0)) (the theorems' assumption; --no-sign-flip keeps it as drawn); h(0) comes from theory
for normalised/raw rows, and the App. B convention needs --h0-sign. Bad input: one line on
stderr, exit status 2.
"""

VARIANT_HELP = ("frozen | joint | unprojected | alpha | linearised | scratch, joined by + "
                "(see below)")


@click.command(name="simulate", epilog=EXAMPLES,
               short_help="Run online SGD (Eq. 4) with the full or the reduced engine.")
@click.option("--act", default="relu", show_default=True,
              help="Activation: a name (relu, erf, tanh, He3, …) or an expression in x.")
@click.option("--k", "k", default=4, show_default=True, type=click.IntRange(1, 5000),
              help="Number of neurons (rank of W).")
@click.option("--d", "d", default=100, show_default=True, type=click.IntRange(3, 10**8),
              help="Input dimension (d ≥ k + 3).")
@click.option("--xi", default=1.0, show_default=True, type=XI,
              help="Perturbation scale ξ (with --rank R: one number, or R comma-separated).")
@click.option("--features", default="orthonormal", show_default=True,
              type=click.Choice(["orthonormal", "random", "separated", "glm"]))
@click.option("--lam", default="equal", show_default=True, type=click.Choice(["equal", "random"]))
@click.option("--c", "c_law", default="quantised", show_default=True,
              type=click.Choice(["quantised", "sphere"]), help="Law of c and ĉ.")
@click.option("--convention", default="normalised", show_default=True,
              type=click.Choice(["normalised", "raw", "appB"]))
@click.option("--alpha", default=0.0, show_default=True, type=Finite(0, 1),
              help="α = ‖Π_W u‖ (0: Assumption 2; > 0 needs --variant alpha).")
@click.option("--glm", is_flag=True, help="The GLM instance of §1.2 (same as --features glm).")
@click.option("--instance", "instance_file", default=None, type=click.Path(dir_okay=False),
              help="Load the instance from FILE (.json + .npz); instance options are ignored.")
@click.option("--seed", default=1, show_default=True, type=SEED,
              help="Seed of the instance (the default draws one with h(0) ≠ 0).")
@click.option("--engine", default="reduced", show_default=True,
              type=click.Choice(["reduced", "full"]))
@click.option("--runs", default=32, show_default=True, type=click.IntRange(1, 10**6))
@click.option("--steps", default=None, type=click.IntRange(0, 10**10),
              help="SGD steps [default: 200·d].")
@click.option("--lr", default=None, type=Finite(min=0, min_open=True),
              help="Learning rate η [default: 0.1/d].")
@click.option("--lr-c", "lr_c", default=None, type=Finite(min=0, min_open=True),
              help="Learning rate of ĉ (joint variant) [default: --lr].")
@click.option("--variant", default="frozen", show_default=True, help=VARIANT_HELP)
@click.option("--m0", default=None, type=Finite(-1, 1),
              help="Start every run at m₀ = <û₀, u> = M0 (no sign flip).")
@click.option("--no-sign-flip", "no_sign_flip", is_flag=True,
              help="Do not flip û₀ to make sign(m₀) = sign(h(0)).")
@click.option("--h0-sign", "h0_sign", default=None, type=click.Choice(["+1", "-1"]),
              help="Sign of h(0) for the flip (required for --convention appB).")
@click.option("--record-every", "record_every", default=None, type=click.IntRange(1, None),
              help="Record m_t every N steps [default: steps/100].")
@click.option("--eps", default=0.05, show_default=True,
              type=Finite(0, 1, min_open=True, max_open=True),
              help="Success: m_t² ≥ 1 − eps (Thms. 11–13).")
@click.option("--r", "r_esc", default=0.5, show_default=True,
              type=Finite(0, 1, max_open=True), help="Escape: |m_t| > r.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr [default: on when stderr is a terminal].")
@click.option("--noise-ode/--no-noise-ode", "noise_ode", default=None,
              help="Also solve the effective ODE with SGD's noise term (Derivation 2; V by "
                   f"quadrature: seconds at k ≤ 50, minutes at k = 200) [default: on for "
                   f"k ≤ {NOISE_ODE_MAX_K}].")
@click.option("--plot", "plot_file", default=None, type=Output("file"),
              help="Write m_t quantile bands with the ODE predictions (PNG).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see module doc).")
@click.option("--save-instance", "save_file", default=None,
              type=Output("file", paths=lambda p: [f"{stem(p)}.json", f"{stem(p)}.npz"]),
              help="Save the instance as FILE.json + FILE.npz.")
@click.option("--rank", "rank", default=1, show_default=True, type=int, help=RANK_HELP_SIMULATE)
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Neither read nor write the on-disk caches (coefficients, compiled kernels; "
                   "$LOWRANK_CACHE_DIR, default ~/.cache/lowrank).")
@click.pass_context
def cmd_simulate(ctx, act, k, d, xi, features, lam, c_law, convention, alpha, glm, instance_file,
                 seed, engine, runs, steps, lr, lr_c, variant, m0, no_sign_flip, h0_sign,
                 record_every, eps, r_esc, noise_ode, progress, plot_file, as_json, save_file,
                 rank, no_cache):
    """Run online SGD (Eq. 4) on one instance and compare m_t with the population recursion
    (rank 1); with --rank R ≥ 2, the rank-R population flow."""
    if rank != 1:  # rank r: numerics/cli/rank.py
        return simulate_command(ctx, act=act, rank=rank, k=k, d=d, xi=xi, features=features,
                                lam=lam, seed=seed, instance_file=instance_file,
                                plot_file=plot_file, as_json=as_json, save_file=save_file,
                                convention=convention, c_law=c_law, alpha=alpha)
    if isinstance(xi, tuple):
        die("--xi takes several values only with --rank R > 1")
    from theory.activations import ActivationError

    if glm:
        features = "glm"

    def plan(d: int, k: int, built: bool) -> cost.Cost:
        try:
            return cost.plan_simulate(
                d=d, k=k, runs=runs, steps=200 * d if steps is None else steps,
                record_every=record_every, engine=engine, joint="joint" in variant,
                as_json=as_json, noise_ode=k <= NOISE_ODE_MAX_K if noise_ode is None
                else noise_ode, instance_built=built,
                ode=set(variant.split("+")) <= {"frozen"} and convention != "appB")
        except cost.CostError as err:
            die(str(err))

    estimate = None
    if not instance_file and d >= k + 3:
        estimate = plan(d, k, built=False)  # before anything is allocated
    try:
        inst = build_instance(act, k=k, d=d, xi=xi, features=features, lam=lam, c_law=c_law,
                         convention=convention, alpha=alpha, seed=seed,
                         instance_file=instance_file)
        inst.activation.require_gradient()
        from numerics.sgd import parse_variant

        var = parse_variant(variant, inst)
        check_model(inst, allow_alpha="alpha" in var.name.split("+"),
                    source=instance_file or "the instance",
                    alpha_hint="--variant alpha (flags joined by +) runs that case")
    except (ActivationError, InstanceError, ValueError, OSError) as err:
        die(str(err))
    if instance_file:
        estimate = plan(inst.d, inst.k, built=True)
    if inst.d < inst.rank + 3:
        die(f"--d must be at least rank(W) + 3 = {inst.rank + 3} (Derivation 1 needs d ≥ "
            "rank(W) + 3)")
    if var.scratch and engine != "full":
        die("variant 'scratch' needs --engine full")
    sign_flip = not no_sign_flip
    if inst.convention == "appB" and m0 is None and sign_flip and h0_sign is None:
        die("the App. B convention has no h(0) from theory: give --h0-sign +1|-1, --m0 or "
            "--no-sign-flip")
    note = cost.slow_note(estimate) if estimate is not None else None
    if note:
        click.echo(note, err=True)
    if progress is None:
        progress = sys.stderr.isatty() or note is not None
    settings = {
        "engine": engine, "variant": var.name, "runs": runs,
        "steps": 200 * inst.d if steps is None else steps,
        "lr": 0.1 / inst.d if lr is None else lr, "lr_default": lr is None, "lr_c": lr_c,
        "m0": m0, "sign_flip": sign_flip, "h0_sign": None if h0_sign is None else
        float(h0_sign), "eps": eps, "r": r_esc, "record_every": record_every,
        "seed": seed, "run_seed": [seed, 1],
        "noise_ode": inst.k <= NOISE_ODE_MAX_K if noise_ode is None else noise_ode,
        "noise_ode_auto": noise_ode is None,
        "use_cache": not no_cache,
    }
    if no_cache:
        os.environ["LOWRANK_NO_CACHE"] = "1"  # compiled kernels too (numerics.jitcache)
    try:
        result = simulate(inst, settings, progress=progress)
    except (ActivationError, ValueError) as err:
        die(str(err))
    result["instance"] = describe_instance(inst, seed=seed, file=instance_file)
    # the result exists: from here on a failure to write a file must not lose it
    try:
        if save_file:
            inst.save(save_file)
        if plot_file:
            _plot(result, plot_file)
    except OSError as err:
        text = dump_json(result)
        if as_json:
            click.echo(text)
            die(f"{describe(err)}; the result is the JSON on stdout")
        saved = rescue(text, plot_file or save_file, f"lowrank-simulate-{os.getpid()}.json")
        click.echo(_text(result))
        die(f"{describe(err)}; {saved}")
    if as_json:
        click.echo(dump_json(result))
        return
    click.echo(_text(result))


def _text(res: dict) -> str:
    s, inst = res["settings"], res["instance"]
    fp = res["first_passage"]
    mf = np.asarray(res["m_final"])
    lines = [
        f"instance: σ = {inst['act']}, d = {inst['d']}, k = {inst['k']}, ξ = {inst['xi']}, "
        f"{inst['convention']} rows, features {inst['features']}, "
        f"α = {inst['alpha'] if inst['alpha'] > 1e-12 else 0:.3g}, "
        f"seed {inst['seed']}",
        f"SGD: engine {s['engine']}, variant {s['variant']}, {s['runs']} runs × {s['steps']} "
        f"steps, η = {s['lr']:.4g}" + (" (default 0.1/d)" if s["lr_default"] else ""),
        f"start: {s['start']}",
        f"m_T: median {np.median(mf):+.4f}, 10–90% [{np.quantile(mf, 0.1):+.4f}, "
        f"{np.quantile(mf, 0.9):+.4f}]; m_T² ≥ 1 − {fp['eps']}: "
        f"{100 * fp['fraction_success']:.0f}% of runs",
    ]
    ts = np.asarray(fp["t_success"])
    if (ts >= 0).any():
        lines.append(f"first passage m² ≥ 1 − eps: median over successful runs "
                     f"{int(np.median(ts[ts >= 0]))} steps")
    ode = res["ode"]
    if ode["defined"]:
        lines.append(f"population recursion from m̄_0 = {ode['m0']:+.4f}: m̄_T = "
                     f"{ode['m'][-1]:+.4f}, first passage "
                     f"{ode['t_success'] if ode['t_success'] >= 0 else 'not reached'}")
        eff = ode.get("effective")
        if eff:
            lines.append(f"effective ODE with the noise term (Derivation 2): m_T = "
                         f"{eff['m'][-1]:+.4f}, plateau m* = {eff['plateau']:+.4f} "
                         f"(noise η²(d − r − 2)V(m*) = {eff['noise_at_plateau']:.2g})")
            g = eff.get("guidance") or {}
            if g.get("warn"):
                if g.get("suggested_lr"):
                    n = inst["d"]
                    lines.append(f"warning: {g['reason']}: SGD's noise holds it below success; "
                                 f"η < {g['eta_star']:.3g} reaches it by this model — try --lr "
                                 f"{g['suggested_lr']:.2g} (ηd = {g['suggested_lr'] * n:.2g}) "
                                 "with more --steps")
                else:
                    lines.append(f"warning: {g['reason']}, and h changes sign before the "
                                 "success level: no learning rate reaches it")
        elif ode.get("effective_reason"):
            lines.append(ode["effective_reason"])
        elif s.get("noise_ode_auto") and not s.get("noise_ode"):
            lines.append(f"effective ODE not solved: k > {NOISE_ODE_MAX_K} makes its quadrature "
                         "take minutes (--noise-ode asks for it)")
    else:
        lines.append(ode["reason"])
    lines.append(f"({res['seconds']:.2f} s)")
    return "\n".join(lines)


def _plot(res: dict, path: str) -> None:

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.asarray(res["steps"])
    q = res["quantiles"]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.fill_between(t, q["q10"], q["q90"], alpha=0.3, label="SGD 10–90% across runs")
    ax.plot(t, q["median"], lw=1.5, label="SGD median")
    ode = res["ode"]
    if ode["defined"]:
        ax.plot(t, ode["m"], "k--", lw=1.2, label="population recursion")
        eff = ode.get("effective")
        if eff:
            ax.plot(t, eff["m"], ":", c="tab:red", lw=1.6,
                    label="effective ODE (noise term, Derivation 2)")
            ax.axhline(eff["plateau"], c="tab:red", lw=0.6, alpha=0.6)
    else:
        ax.text(0.02, 0.04, ode["reason"], transform=ax.transAxes, fontsize=7)
    s, inst = res["settings"], res["instance"]
    ax.set_title(f"σ = {inst['act']}, d = {inst['d']}, k = {inst['k']}, ξ = {inst['xi']}, "
                 f"{inst['convention']}; {s['engine']}/{s['variant']}, {s['runs']} runs, "
                 f"η = {s['lr']:.3g}", fontsize=8)
    ax.set_xlabel("step t")
    ax.set_ylabel("m_t = <u, û_t>")
    ax.axhline(0, c="gray", lw=0.5)
    ax.set_ylim(-1.02, 1.02)
    ax.legend(fontsize=8, loc="best")
    save_png(fig, path)


if __name__ == "__main__":  # pragma: no cover
    cmd_simulate(sys.argv[1:])
