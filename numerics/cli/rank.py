"""``--rank R`` for ``lowrank derive`` and ``lowrank simulate``: option parsing and output only.
The mathematics is :mod:`theory.rank_r`, the work :func:`numerics.rank_r.derive_rank` and
:func:`numerics.rank_r.simulate_rank`; rank r is the project's own derivation
(``docs/rank-r.md``), not a result of the paper. JSON schemas:
``docs/schemas/derive-rank.schema.json`` and ``docs/schemas/simulate-rank.schema.json``.

Bad input (R > k, a malformed or wrongly sized ``--m-matrix``, NaN, mismatched arrays in an
instance file, an SGD-only option with R > 1) is one line on stderr and exit status 2.

>>> parse_xi("1,1.3"), parse_xi("2")
((1.0, 1.3), 2.0)
>>> parse_m_matrix("0.1,0.2;0.3,0.4", 2).tolist()
[[0.1, 0.2], [0.3, 0.4]]
"""

from __future__ import annotations

import math

import click
import numpy as np

from numerics.cli.util import die, dump_json, save_png

__all__ = ["XI", "parse_xi", "parse_m_matrix", "derive_command", "simulate_command",
           "RANK_HELP_DERIVE", "RANK_HELP_SIMULATE", "SGD_ONLY"]

RANK_HELP_DERIVE = ("Rank R of the perturbation (teacher W + CDUᵀ, C, Ĉ k×R): R ≥ 2 prints the "
                    "h-matrix H(0), its singular values and the predicted order of learning "
                    "(the project's own derivation, docs/rank-r.md).")
RANK_HELP_SIMULATE = ("Rank R ≥ 2 runs the population flow dM/dt = H − M sym(MᵀH) of the R×R "
                      "overlap M = UᵀÛ (flow time t, no η) and plots σ_s(M(t)) and the loss; the "
                      "SGD engines are rank 1 only (docs/rank-r.md).")


def parse_xi(text: str) -> float | tuple[float, ...]:
    """``--xi``: one positive number, or comma-separated positive numbers (one per direction).
    Raises ValueError with the reason."""
    parts = [t.strip() for t in str(text).split(",")]
    try:
        vals = [float(t) for t in parts]
    except ValueError:
        raise ValueError(f"--xi must be a number or comma-separated numbers, not {text!r}"
                         ) from None
    if not all(math.isfinite(v) and v > 0 for v in vals):
        raise ValueError(f"--xi must be positive and finite, got {text!r}")
    return vals[0] if len(vals) == 1 else tuple(vals)


class _XiType(click.ParamType):
    """``--xi`` as :func:`parse_xi` reads it; a bad value is one line on stderr, exit 2."""

    name = "XI"

    def convert(self, value, param, ctx):
        if isinstance(value, (float, int, tuple)):
            return value
        try:
            return parse_xi(value)
        except ValueError as err:
            die(str(err))


XI = _XiType()


def parse_m_matrix(text: str, r: int) -> np.ndarray:
    """``--m-matrix "a,b;c,d"`` (rows separated by ``;``) as an r×r array; ValueError if it is
    not r×r numbers, all finite."""
    rows = [row for row in str(text).split(";")]
    try:
        M = [[float(v) for v in row.split(",")] for row in rows]
    except ValueError:
        raise ValueError(f"--m-matrix must be numbers, commas between entries and ';' between "
                         f"rows, not {text!r}") from None
    if len(M) != r or any(len(row) != r for row in M):
        shape = f"{len(M)} rows of " + "/".join(str(len(row)) for row in M) + " entries"
        raise ValueError(f"--m-matrix must be {r}×{r} for --rank {r}, got {shape}")
    A = np.array(M, dtype=float)
    if not np.all(np.isfinite(A)):
        raise ValueError("--m-matrix has a NaN or infinite entry")
    return A


def _check_rank(rank: int, k: int | None) -> None:
    if rank < 1:
        die(f"--rank must be at least 1, got {rank}")
    if k is not None and rank > k:
        die(f"--rank {rank} exceeds k = {k}: R sign columns of length k cannot be independent")


def _instance(act_text, *, rank, k, d, xi, features, lam, c_law, seed, instance_file):
    from numerics.rank_r import cli_instance
    from theory.activations import ActivationError, get

    try:
        get(act_text).require_gradient()
    except ActivationError as err:
        die(str(err))
    if instance_file is None:
        _check_rank(rank, k)
        if isinstance(xi, tuple) and len(xi) != rank:
            die(f"--xi has {len(xi)} values; give one number or --rank {rank} numbers")
    else:
        _check_rank(rank, None)
    try:
        fp = cli_instance(act_text, rank=rank, k=k, d=d, xi=xi, features=features, lam=lam,
                          c_law=c_law, seed=seed, instance_file=instance_file)
    except (ValueError, FileNotFoundError, OSError, KeyError) as err:
        die(str(err))
    if fp.r > fp.k:
        die(f"the instance has rank {fp.r} > k = {fp.k}")
    return fp


def _vec(v) -> str:
    return "(" + ", ".join(f"{x:.4g}" for x in np.ravel(v)) + ")"


def _mat(A, indent: int) -> str:
    rows = ["[" + ", ".join(f"{x: .6g}" for x in row) + "]" for row in np.atleast_2d(A)]
    pad = " " * indent
    return ("[" + f",\n{pad} ".join(rows) + "]")


def derive_command(expr: str, *, rank: int, k: int, d: int, xi, features: str, lam: str,
                   c_law: str, seed: int, convention: str, instance_file: str | None,
                   m_matrix: str | None, as_json: bool) -> None:
    """``lowrank derive EXPR --rank R`` (and ``--m-matrix``): print or emit JSON."""
    from numerics.rank_r import derive_rank

    if convention != "normalised":
        die(f"--rank {rank}: rank r is derived for normalised rows only, not {convention!r}")
    fp = _instance(expr, rank=rank, k=k, d=d, xi=xi, features=features, lam=lam, c_law=c_law,
                   seed=seed, instance_file=instance_file)
    M = None
    if m_matrix is not None:
        try:
            M = parse_m_matrix(m_matrix, fp.r)
        except ValueError as err:
            die(str(err))
    try:
        out = derive_rank(expr, fp, M)
    except ValueError as err:
        die(str(err))
    if as_json:
        click.echo(dump_json(out))
        return
    click.echo(_derive_text(out))


def _derive_text(o: dict) -> str:
    inst = o["instance"]
    r = o["rank"]
    lines = [f"rank-{r} h-matrix of σ(x) = {o['activation']['expr']}: {o['note']}",
             f"instance: k = {inst['k']}, d = {inst['d']}, R = {r}, ξ = {_vec(inst['xi'])}, "
             + (f"file {inst['file']}" if inst.get("file") else
                f"features {inst['features']}, λ {inst['lam']}, C and Ĉ {inst['c']}, "
                f"seed {inst['seed']}")]
    for msg in o["collinear"]:
        lines.append(f"warning: {msg}")
    lines.append("H(0) = " + _mat(o["H0"], 7))
    s = np.asarray(o["singular_values"], float)
    lines.append("singular values of H(0): " + ", ".join(f"σ{j + 1} = {v:.6g}"
                                                         for j, v in enumerate(s))
                 + (f"   (σ1/σ{r} = {s[0] / s[-1]:.4g})" if s[-1] > 0 else ""))
    lines.append("predicted order of learning, frozen-H times atanh(0.9)/σ_s(H(0)) (close for "
                 "the first direction, an upper estimate for later ones):")
    for row in o["order"]:
        t = row["t_frozen"]
        tt = "∞" if t is None else f"{t:.4g}"
        rel = "≈" if row["s"] == 1 and t is not None else ("=" if tt == "∞" else "≤")
        lines.append(f"  {row['s']}. t{row['s']} {rel} {tt}   along the left singular vector "
                     f"{_vec(row['left_vector'])} of H(0)")
    for j in o["no_linear_drive"]:
        lines.append(f"no linear drive in direction {j}; escape ∝ log d (frozen-H time ∞)")
    fm = o["first_moment_direction"]
    if fm["cos_with_top_left"] is not None:
        tag = "μ₁ ≠ 0" if abs(fm["mu1"]) > 1e-12 else "μ₁ = 0: no rank-one part"
        lines.append(f"first-moment direction DCᵀλ ({tag}): |cos| with the top left singular "
                     f"vector of H(0) = {fm['cos_with_top_left']:.4f}")
    if o["m_matrix"] is not None:
        mm = o["m_matrix"]
        lines.append("H(M) at M = " + _mat(mm["M"], 12) + ":")
        lines.append("  " + _mat(mm["H"], 2))
    return "\n".join(lines)


#: Options of ``lowrank simulate`` that only mean something for SGD (refused with R > 1).
SGD_ONLY = ("engine", "runs", "steps", "lr", "lr_c", "variant", "m0", "no_sign_flip", "h0_sign",
            "record_every", "eps", "r_esc", "noise_ode", "glm")


def _refuse_sgd_options(ctx: click.Context, rank: int, values: dict) -> None:
    from click.core import ParameterSource

    why = f"rank R = {rank} > 1 runs the population flow only (the SGD engines are rank 1)"
    opts = {p.name: p for p in ctx.command.params}
    for name in SGD_ONLY:
        if name in opts and ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT,
                                                                    None):
            die(f"{opts[name].opts[0]} is an SGD option: {why}")
    if values.get("convention", "normalised") != "normalised":
        die(f"--convention {values['convention']}: {why}, in normalised rows")
    if values.get("c_law") == "sphere":
        die(f"--c sphere: {why}, with quantised signs")
    if values.get("features") == "glm":
        die(f"--features glm: {why}; the GLM instance is rank 1")
    if values.get("alpha", 0.0):
        die(f"--alpha: {why}, with U ⊥ span(W)")


def simulate_command(ctx: click.Context, *, act: str, rank: int, k: int, d: int, xi,
                     features: str, lam: str, seed: int, instance_file: str | None,
                     plot_file: str | None, as_json: bool, save_file: str | None,
                     **values) -> None:
    """``lowrank simulate --rank R`` (R ≥ 2): the population flow; print or emit JSON."""
    from numerics.rank_r import save_instance, simulate_rank

    _refuse_sgd_options(ctx, rank, {"features": features, **values})
    fp = _instance(act, rank=rank, k=k, d=d, xi=xi, features=features, lam=lam,
                   c_law="quantised", seed=seed, instance_file=instance_file)
    if d < fp.k + 2 * fp.r:
        die(f"--d must be at least k + 2R = {fp.k + 2 * fp.r} (the start Û₀ lives in the "
            "(d − k)-dimensional complement of span W)")
    try:
        out = simulate_rank(fp, d=d, seed=seed)
        if save_file:
            save_instance(fp, save_file)
    except (ValueError, OSError) as err:
        die(str(err))
    if plot_file:
        _plot(out, plot_file)
    if as_json:
        click.echo(dump_json(out))
        return
    click.echo(_simulate_text(out))


def _simulate_text(o: dict) -> str:
    inst, st, fl = o["instance"], o["settings"], o["flow"]
    r = inst["r"]
    s = np.asarray(o["H0_singular_values"], float)
    sv = np.asarray(fl["sv"], float)
    lines = [f"rank-{r} population flow dM/dt = H − M sym(MᵀH), M = UᵀÛ, flow time t (no η): "
             f"{o['note']}",
             f"instance: σ = {inst['act']}, k = {inst['k']}, R = {r}, ξ = {_vec(inst['xi'])}, "
             + (f"file {inst['file']}" if inst.get("file") else
                f"features {inst['features']}, λ {inst['lam']}, seed {inst['seed']}"),
             f"start: {st['start']}, d = {st['d']}: σ(M₀) = {_vec(sv[0])}",
             "σ_s(H(0)) = " + _vec(s) + "; frozen-H times atanh(0.9)/σ_s = "
             + _vec([math.atanh(0.9) / v if v > 1e-12 * s[0] else math.inf for v in s])]
    tl = fl["t_level"]
    lines.append(f"t_s (first σ_s(M(t)) ≥ {st['level']}): "
                 + ", ".join(f"t{j + 1} = {t:.4g}" if math.isfinite(t) else f"t{j + 1} = never"
                             for j, t in enumerate(tl)))
    t_end = float(np.asarray(fl["t"])[-1])
    how = (f"σ_min(M) reached {st['stop']}" if fl["stopped"] == "recovered"
           else f"t_max = {st['t_max']:g} reached")
    lines.append(f"stopped at t = {t_end:.4g} ({how}); σ(M_end) = {_vec(sv[-1])}: subspace "
                 + ("recovered" if fl["success"] else "NOT recovered (σ_min ≤ 0.99)"))
    lines.append(f"‖M_end − polar(H(0))‖_F = {fl['dist_polar_H0']:.4g}; distance to the nearest "
                 f"signed permutation = {fl['dist_signed_permutation']:.4g}")
    loss = np.asarray(fl["loss"], float)
    lines.append(f"loss Φ(M(t)): {loss[0]:.6g} at t = 0 → {loss[-1]:.6g} at the stop")
    lines.append(f"({o['seconds']:.2f} s)")
    return "\n".join(lines)


def _plot(o: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fl, inst = o["flow"], o["instance"]
    t = np.asarray(fl["t"])
    sv = np.asarray(fl["sv"])
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.4, 5.0), sharex=True)
    for j in range(sv.shape[1]):
        a1.plot(t, sv[:, j], label=f"σ{j + 1}(M(t))")
    a1.set_ylabel("singular values of M = UᵀÛ")
    a1.set_ylim(-0.02, 1.02)
    a1.legend(fontsize=8)
    a1.set_title(f"rank {inst['r']}, σ = {inst['act']}, k = {inst['k']}, d = "
                 f"{o['settings']['d']} (own derivation, docs/rank-r.md)", fontsize=9)
    a2.plot(t, fl["loss"])
    a2.set_ylabel("loss Φ(M(t))")
    a2.set_xlabel("flow time t")
    save_png(fig, path)
