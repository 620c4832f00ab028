"""``lowrank derive EXPR``: options and output of the command; the work is
:func:`numerics.derive.derive` (whose docstring documents the ``--json`` schema,
``lowrank-derive/1``).
"""

from __future__ import annotations

import sys

import click
import numpy as np

from numerics.cli.rank import RANK_HELP_DERIVE, XI, derive_command
from numerics.cli.util import die, dump_json, save_png
from numerics.derive import derive

EXAMPLES = """
\b
Examples:
  lowrank derive relu                         # exact Hermite coefficients, K'(ρ) in closed form
  lowrank derive "x**3 - 3*x" --json          # He3: information exponent 3, exact h(m)
  lowrank derive "tanh(2*x) + x**3/6" --terms 12 --digits 20
  lowrank derive erf --k 8 --xi 2 --features random --c sphere --seed 3 --plot h.png
  lowrank derive gelu --convention raw --latex
  lowrank derive relu --rank 2 --k 16 --lam random --seed 1   # rank 2: H(0), order of learning

\b
The expression is parsed by a whitelist grammar (never evaluated): x, numbers, + - * / **,
parentheses, exp log sqrt sin cos tanh erf sigmoid abs Heaviside sign relu gelu silu softplus,
He<p>(...), h<p>(...), Max/Min with a constant, leaky_relu(expr, slope). Growth must stay below
exp(x²/4) (otherwise E[σ(g)²] may be infinite). Bad input: one line on stderr, exit status 2.
"""


@click.command(name="derive", epilog=EXAMPLES,
               short_help="Hermite expansion, K' and h(m) of an activation you type.")
@click.argument("expr")
@click.option("--terms", default=10, show_default=True, type=click.IntRange(1, 60),
              help="Hermite coefficients μ_0..μ_N to print.")
@click.option("--digits", default=15, show_default=True, type=click.IntRange(5, 50),
              help="Significant digits of non-exact coefficients.")
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
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--convention", default="normalised", show_default=True,
              type=click.Choice(["normalised", "raw"]))
@click.option("--instance", "instance_file", default=None, type=click.Path(dir_okay=False),
              help="Load the instance from FILE (.json + .npz, as saved by lowrank).")
@click.option("--plot", "plot_file", default=None, type=click.Path(dir_okay=False),
              help="Write a plot of h(m) on [-1, 1] (PNG).")
@click.option("--latex", is_flag=True, help="Print the expansion and h(m) in LaTeX.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (see module doc).")
@click.option("--rank", "rank", default=1, show_default=True, type=int, help=RANK_HELP_DERIVE)
@click.option("--m-matrix", "m_matrix", default=None,
              help='With --rank: also print H at M = "a,b;c,d" (rows separated by ;).')
def cmd_derive(expr, terms, digits, k, d, xi, features, lam, c_law, seed, convention,
               instance_file, plot_file, latex, as_json, rank, m_matrix):
    """Derive the Hermite expansion, K'(ρ) and h(m) of an activation you type."""
    if rank != 1 or m_matrix is not None:  # rank r: numerics/cli/rank.py
        return derive_command(expr, rank=rank, k=k, d=d, xi=xi, features=features, lam=lam,
                              c_law=c_law, seed=seed, convention=convention,
                              instance_file=instance_file, m_matrix=m_matrix, as_json=as_json)
    if isinstance(xi, tuple):
        die("--xi takes several values only with --rank R > 1")
    from theory.activations import ActivationError, get

    try:
        act = get(expr)
    except ActivationError as err:
        die(str(err))
    if d < k + 3 and instance_file is None:
        die(f"--d must be at least k + 3 = {k + 3} (Derivation 1 needs d ≥ rank(W) + 3)")
    try:
        result = derive(act, expr, terms=terms, digits=digits, k=k, d=d, xi=xi,
                        features=features, lam=lam, c_law=c_law, seed=seed,
                        convention=convention, instance_file=instance_file)
    except (ActivationError, ValueError, FileNotFoundError, OSError) as err:
        die(str(err))
    if plot_file:
        _plot(result, plot_file)
    if as_json:
        click.echo(dump_json(result))
        return
    click.echo(_text(result, latex=latex))


def _text(r: dict, latex: bool = False) -> str:
    a = r["activation"]
    lines = [f"σ(x) = {a['expr']}" + ("   [polynomial]" if a["polynomial"] else "")]
    if latex:
        lines.append(f"  LaTeX: {a['latex']}")
    lines.append("")
    lines.append("Hermite coefficients μ_p = E[σ(g) h_p(g)], h_p = He_p/√(p!):")
    for cf in r["coefficients"]:
        if cf["exact"] is not None:
            lines.append(f"  μ_{cf['p']:<2} = {cf['exact']}   (exact, {cf['method']})")
        else:
            lines.append(f"  μ_{cf['p']:<2} ≈ {cf['approx']}   (± {cf['error']:.1e}, "
                         f"{cf['method']})")
    ie = r["information_exponent"]
    lines.append(f"information exponent l* = {ie if ie is not None else 'none found'}")
    dec = r["decay"]
    head = "Hermite decay (Assumption 6.2, |μ_p| ≤ C p^(-1-ρ)):"
    if dec["kind"] == "power":
        lines.append(f"{head} ρ ≈ {dec['rho']:.4f} ± {dec['rho_stderr']:.4f}, C ≈ {dec['C']:.4g}"
                     f" (fit over p = {dec['p_used'][0]}..{dec['p_used'][-1]})")
    elif dec["kind"] == "faster than any power":
        lines.append(f"{head} faster than any power (|μ_p| ≈ e^(-κp), κ ≈ {dec['kappa']:.4g} "
                     f"± {dec['kappa_stderr']:.1g}): holds for every ρ")
    else:
        lines.append(f"{head} {dec['kind']}; {'; '.join(dec['notes'])}")
    kp = r["kprime"]
    if kp.get("closed_form"):
        lines.append(f"K'(ρ) = E[σ'(a)σ'(b)] = {kp['closed_form']}")
        if latex:
            lines.append(f"  LaTeX: {kp['latex']}")
    elif kp.get("note"):
        lines.append(kp["note"])
        return "\n".join(lines)
    else:
        lines.append("K'(ρ): no closed form found; Hermite series Σ p μ_p² ρ^(p-1) used")
    inst = r["instance"]
    hh = r["h"]
    lines.append("")
    lines.append(f"instance: d = {inst['d']}, k = {inst['k']}, ξ = {inst['xi']}, features "
                 f"{inst['features']}, λ {inst['lam']}, c and ĉ {inst['c']}, seed {inst['seed']}, "
                 f"{inst['convention']} rows")
    lines.append(f"h(0) = {hh['h0']:.12g} (± {hh['h0_error']:.1e}), sign(h(0)) = "
                 f"{int(hh['sign_h0']):+d}")
    c3 = hh["condition3"]
    lines.append(f"Condition 3 (h(m)·sign(h(0)) ≥ |h(0)|/2 whenever m·h(0) ≥ 0, grid of "
                 f"{c3['grid']} points): {'holds' if c3['holds'] else 'FAILS'} (min "
                 f"{c3['min_signed_h_on_side']:.6g} vs {abs(hh['h0']) / 2:.6g})")
    if hh["exact"]:
        lines.append(f"h(m) = {hh['exact']}   (exact)")
        if latex:
            lines.append(f"  LaTeX: {hh['latex']}")
    return "\n".join(lines)


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
