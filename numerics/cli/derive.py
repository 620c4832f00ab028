"""``lowrank derive EXPR``: options and output of the command; the work is
:func:`numerics.derive.derive` (whose docstring documents the ``--json`` schema,
``lowrank-derive/2``).
"""

from __future__ import annotations

import sys

import click
import numpy as np

from numerics import cost
from numerics.atomic import describe
from numerics.cli.rank import RANK_HELP_DERIVE, XI, derive_command
from numerics.cli.util import die, dump_json, save_png
from numerics.cli.validate import SEED, Output
from numerics.derive import derive, fmt_error

EXAMPLES = """
\b
Examples:
  lowrank derive relu                         # exact Hermite coefficients, K'(ρ) in closed form
  lowrank derive "x**3 - 3*x" --json          # He3: information exponent 3, exact h(m)
  lowrank derive "tanh(2*x) + x**3/6" --terms 12 --digits 20
  lowrank derive erf --k 8 --xi 2 --features random --c sphere --seed 3 --plot h.png
  lowrank derive gelu --convention raw --latex
  lowrank derive tanh --m 0.1,0.5 --digits 30    # h at chosen m, coefficients to 30 digits
  lowrank derive relu --rank 2 --k 16 --lam random --seed 1   # rank 2: H(0), order of learning

\b
The expression is parsed by a whitelist grammar (never evaluated): x, numbers, + - * / **,
parentheses, exp log sqrt sin cos tanh erf sigmoid abs Heaviside sign relu gelu silu softplus,
He<p>(...), h<p>(...), Max/Min with a constant, leaky_relu(expr, slope). Growth must stay below
exp(x²/4) (otherwise E[σ(g)²] may be infinite). Bad input: one line on stderr, exit status 2.
"""


def _points(ctx, param, value):
    """--m 0.1,0.5 → (0.1, 0.5), each in [−1, 1]."""
    if value is None:
        return ()
    try:
        pts = tuple(float(t) for t in value.split(",") if t.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of numbers") from None
    bad = [p for p in pts if not (-1 <= p <= 1)]
    if bad:
        raise click.BadParameter(f"m = {bad[0]} is outside [-1, 1]")
    return pts


@click.command(name="derive", epilog=EXAMPLES,
               short_help="Hermite expansion, K' and h(m) of an activation you type.")
@click.argument("expr")
@click.option("--terms", default=10, show_default=True, type=click.IntRange(1, 60),
              help="Hermite coefficients μ_0..μ_N to print.")
@click.option("--digits", default=15, show_default=True, type=click.IntRange(5, 50),
              help="Significant digits of certified coefficients (raised precision; fewer "
                   "printed, with the reason, when the bound does not support them).")
@click.option("--k", "k", default=4, show_default=True, type=click.IntRange(1, 500),
              help="Number of neurons.")
@click.option("--d", "d", default=64, show_default=True, type=click.IntRange(3, 100000),
              help="Input dimension (d ≥ k + 3).")
@click.option("--xi", default=1.0, show_default=True, type=XI,
              help="Perturbation scale ξ (with --rank R: one number, or R comma-separated).")
@click.option("--features", default="orthonormal", show_default=True,
              type=click.Choice(["orthonormal", "random", "separated"]))
@click.option("--lam", default="equal", show_default=True, type=click.Choice(["equal", "random"]))
@click.option("--c", "c_law", default="quantised", show_default=True,
              type=click.Choice(["quantised", "sphere"]), help="Law of c and ĉ.")
@click.option("--seed", default=1, show_default=True, type=SEED,
              help="Seed of the instance (the default draws one with h(0) ≠ 0).")
@click.option("--convention", default="normalised", show_default=True,
              type=click.Choice(["normalised", "raw"]))
@click.option("--instance", "instance_file", default=None, type=click.Path(dir_okay=False),
              help="Take W, λ, c, ĉ, ξ and the convention from FILE (.json + .npz, as saved by "
                   "lowrank); EXPR stays the activation.")
@click.option("--m", "points", default=None, callback=_points,
              help="Also print h at these m (comma-separated, in [-1, 1]) with their bounds.")
@click.option("--plot", "plot_file", default=None, type=Output("file"),
              help="Write a plot of h(m) on [-1, 1] (PNG).")
@click.option("--latex", is_flag=True,
              help="Also print σ, its Hermite expansion, K' and h(m) in LaTeX.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see module doc).")
@click.option("--rank", "rank", default=1, show_default=True, type=int, help=RANK_HELP_DERIVE)
@click.option("--m-matrix", "m_matrix", default=None,
              help='With --rank: also print H at M = "a,b;c,d" (rows separated by ;).')
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Neither read nor write the on-disk cache of coefficients "
                   "($LOWRANK_CACHE_DIR, default ~/.cache/lowrank).")
def cmd_derive(expr, terms, digits, k, d, xi, features, lam, c_law, seed, convention,
               instance_file, points, plot_file, latex, as_json, rank, m_matrix, no_cache):
    """Derive the Hermite expansion, K'(ρ) and h(m) of an activation you type."""
    if rank != 1 or m_matrix is not None:  # rank r: numerics/cli/rank.py
        return derive_command(expr, rank=rank, k=k, d=d, xi=xi, features=features, lam=lam,
                              c_law=c_law, seed=seed, convention=convention,
                              instance_file=instance_file, m_matrix=m_matrix, as_json=as_json)
    if isinstance(xi, tuple):
        die("--xi takes several values only with --rank R > 1")
    from theory.activations import ActivationError, get
    from theory.hermite import HermiteError

    try:
        act = get(expr)
    except ActivationError as err:
        die(str(err))
    if d < k + 3 and instance_file is None:
        die(f"--d must be at least k + 3 = {k + 3} (Derivation 1 needs d ≥ rank(W) + 3)")
    if instance_file is None:
        try:
            cost.check(cost.derive_cost(d=d, k=k), remedy="use a smaller --d or --k")
        except cost.CostError as err:
            die(str(err))
    try:
        result = derive(act, expr, terms=terms, digits=digits, k=k, d=d, xi=xi,
                        features=features, lam=lam, c_law=c_law, seed=seed,
                        convention=convention, instance_file=instance_file, points=points,
                        use_cache=not no_cache)
    except (ActivationError, HermiteError, ValueError, FileNotFoundError, OSError) as err:
        die(str(err))
    inst = result.get("instance") or {}
    if inst.get("file_act") and inst["file_act"] != result["activation"]["input"].strip():
        click.echo(f"lowrank: note: {instance_file} was saved with activation "
                   f"{inst['file_act']!r}; using {expr!r} as given", err=True)
    if plot_file:
        try:
            _plot(result, plot_file)
        except OSError as err:  # checked before the work; a disk can still fill up
            if as_json:
                click.echo(dump_json(result))
            die(describe(err) + ("; the result is the JSON on stdout" if as_json else ""))
    if as_json:
        click.echo(dump_json(result))
        return
    click.echo(_text(result, latex=latex))


def _num(v: float) -> str:
    return f"{v:.12g}"


def _text(r: dict, latex: bool = False) -> str:
    a = r["activation"]
    lines = [f"σ(x) = {a['expr']}" + ("   [polynomial]" if a["polynomial"] else "")]
    if latex:
        lines.append(f"  LaTeX: \\sigma(x) = {a['latex']}")
    lines.append("")
    lines.append("Hermite coefficients μ_p = E[σ(g) h_p(g)], h_p = He_p/√(p!) "
                 f"(exact, or certified: value ± a proved bound; {r['digits']} digits asked):")
    for cf in r["coefficients"]:
        if cf["exact"] is not None:
            num = "" if cf["exact"] == cf["value"] else f" = {cf['value']}"
            lines.append(f"  μ_{cf['p']:<2} = {cf['exact']}{num}   (exact, {cf['method']})")
        else:
            tail = f"; {cf['note']}" if cf["note"] else ""
            lines.append(f"  μ_{cf['p']:<2} = {cf['value']} ± {fmt_error(cf['error'])}   "
                         f"(certified, {cf['method']}{tail})")
    ie = r["information_exponent"]
    if ie["value"] is not None:
        lines.append(f"information exponent l* = {ie['value']} ({ie['status']}: {ie['reason']})")
    else:
        lines.append(f"information exponent: {ie['status']} ({ie['reason']})")
    dec = r["decay"]
    lines.append(f"Hermite decay (Assumption 6.2, |μ_p| ≤ C p^(-1-ρ)): {dec['status']} — "
                 f"{dec['reason']}")
    a61 = a["assumption_6_1"]
    lines.append(f"Assumption 6.1 (σ' of polynomial growth): {a61['status']} — {a61['reason']}")
    if latex:
        lines.append("  LaTeX: " + _expansion_latex(r))
    kp = r["kprime"]
    if kp.get("closed_form"):
        lines.append(f"K'(ρ) = E[σ'(a)σ'(b)] = {kp['closed_form']}")
        if latex:
            lines.append(f"  LaTeX: K'(\\rho) = {kp['latex']}")
    elif kp.get("note"):
        lines.append(kp["note"])
        return "\n".join(lines)
    else:
        lines.append(f"K'(ρ): no closed form; {kp['route']}")
    inst = r["instance"]
    hh = r["h"]
    lines.append("")
    lines.append(_describe(inst))
    sign = {1.0: "+1", -1.0: "−1", 0.0: "0", None: "undetermined"}[hh["sign_h0"]]
    if hh["beyond_float"]:
        ov = hh["beyond_float"]
        lines.append(f"h(0) = {ov['h0']} ± {ov['h0_error']}, sign(h(0)) = {sign}   "
                     f"[{ov['note']}]")
    else:
        exact0 = " (exactly: h(0) = 0)" if hh["h0_exact_zero"] else ""
        lines.append(f"h(0) = {_num(hh['h0'])} ± {fmt_error(hh['h0_error'])}{exact0}, "
                     f"sign(h(0)) = {sign}   [{hh['route']}]")
    for pt in hh["points"]:
        if pt["h"] is not None:
            lines.append(f"h({pt['m']:+g}) = {_num(pt['h'])} ± {fmt_error(pt['error'])}")
        else:
            lines.append(f"h({pt['m']:+g}) = {pt['decimal']} ± {pt['decimal_error']}")
    c3 = hh["condition3"]
    lines.append(f"Condition 3 (h(m)·sign(h(0)) ≥ |h(0)|/2 whenever m·h(0) ≥ 0, grid of "
                 f"{c3['grid']} points): {c3['status']} — {c3['reason']}")
    if hh["grid"].get("note"):
        lines.append(f"note: {hh['grid']['note']}")
    if hh["exact"]:
        lines.append(f"h(m) = {hh['exact']}   (exact)")
        if latex:
            lines.append(f"  LaTeX: h(m) = {hh['latex']}")
    elif latex:
        lines.append("  LaTeX: h(m) = 2\\sum_{i,j}\\lambda_i\\lambda_j\\xi^2 c_i\\hat c_j "
                     "\\frac{K'(\\rho_{ij}(m))}{N_i\\hat N_j}" if inst["convention"] ==
                     "normalised" else "  LaTeX: h(m) = 2\\sum_{i,j}\\lambda_i\\lambda_j\\xi^2 "
                     "c_i\\hat c_j\\,\\mathbb{E}[\\sigma'(a_i)\\sigma'(b_j)]")
    return "\n".join(lines)


def _describe(inst: dict) -> str:
    src = ("drawn from seed " + str(inst["seed"])) if inst["file"] is None else \
        f"from {inst['file']}"
    laws = []
    if inst.get("features"):
        laws.append(f"features {inst['features']}")
    if inst.get("lam"):
        laws.append(f"λ {inst['lam']}")
    if inst.get("c"):
        laws.append(f"c and ĉ {inst['c']}")
    what = ", ".join(laws) if laws else "arrays as saved"
    return (f"instance ({src}): d = {inst['d']}, k = {inst['k']}, ξ = {inst['xi']:g}, {what}, "
            f"{inst['convention']} rows")


def _expansion_latex(r: dict) -> str:
    terms = []
    for cf in r["coefficients"]:
        if cf["exact"] == "0":
            continue
        if cf["exact"] is not None:
            import sympy as sp

            coef = sp.latex(sp.sympify(cf["exact"]))
        else:
            coef = cf["value"]
        terms.append(f"\\left({coef}\\right) h_{{{cf['p']}}}(x)")
    body = " + ".join(terms) if terms else "0"
    return f"\\sigma(x) = {body} + \\dots"


def _plot(r: dict, path: str) -> None:

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if r["h"] is None:
        die("no h(m) to plot: σ' has a point mass")
    m = np.asarray(r["h"]["grid"]["m"])
    h = np.asarray(r["h"]["grid"]["h"])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(m, h, label="h(m)")
    h0 = r["h"]["h0"]
    ax.axhline(h0 / 2, ls="--", c="gray", lw=0.8, label="h(0)/2")
    ax.axhline(0, c="k", lw=0.5)
    inst = r["instance"]
    ax.set_title(f"σ = {r['activation']['expr']}   (k={inst['k']}, ξ={inst['xi']}, "
                 f"{inst['convention']})", fontsize=9)
    ax.set_xlabel("m = <u, û>")
    ax.set_ylabel("h(m)")
    ax.legend()
    save_png(fig, path)


if __name__ == "__main__":  # pragma: no cover
    cmd_derive(sys.argv[1:])
