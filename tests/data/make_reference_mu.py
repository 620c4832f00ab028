"""Reference Hermite coefficients μ_p(σ) = E[σ(g) h_p(g)], p ≤ 30, at 60 significant digits, for
the activations in REFERENCE (tests/test_certified.py compares `lowrank derive` with them).

Independent of the code under test (which uses python-flint's acb.integral and exact routes):
plain mpmath at 80 digits, composite Gauss–Legendre quadrature (mpmath's nodes and weights) on
[−L, L], L = 26, cut into panels of width ≤ 1/4 (1/8–1/16 for the steep and oscillating ones)
with the kinks as panel ends (|x|^(3/2) in the variable t = √|x|, where it is smooth), the He_p
recurrence at each node, and no tails (|x| > 26
contributes below 10^-80 for these σ and p ≤ 30). Each value is computed twice, with 24 and 48
Gauss–Legendre nodes per panel, and the script stops if the two differ by more than
10^-62·max(1, |μ_p|); the 48-node value is stored with 60 significant digits. (The agreement is a
sanity check of this script, not an error bound of the tool.) Run from the repository root:

    python tests/data/make_reference_mu.py      # writes tests/data/reference_mu.json (~5 min)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import mpmath as mp

mp.mp.dps = 80

# name: (σ as an mpmath function, kinks, panel width)
Q = mp.mpf
REFERENCE = {
    "tanh(x)": (mp.tanh, [], Q(1) / 4),
    "sigmoid(x)": (lambda x: 1 / (1 + mp.exp(-x)), [], Q(1) / 4),
    "softplus(x)": (lambda x: mp.log(1 + mp.exp(x)), [], Q(1) / 4),
    "silu(x)": (lambda x: x / (1 + mp.exp(-x)), [], Q(1) / 4),
    "gelu(x)": (lambda x: x * (1 + mp.erf(x / mp.sqrt(2))) / 2, [], Q(1) / 4),
    "erf(x)+tanh(x)": (lambda x: mp.erf(x) + mp.tanh(x), [], Q(1) / 4),
    "exp(x/2)": (lambda x: mp.exp(x / 2), [], Q(1) / 4),
    "sin(3*x+1)": (lambda x: mp.sin(3 * x + 1), [], Q(1) / 4),
    "cos(2*x-0.5)": (lambda x: mp.cos(2 * x - Q(1) / 2), [], Q(1) / 4),
    "x**2*sin(x)": (lambda x: x**2 * mp.sin(x), [], Q(1) / 4),
    "relu(x-1)": (lambda x: max(x - 1, 0), [Q(1)], Q(1) / 4),
    "abs(x+0.5)": (lambda x: abs(x + Q(1) / 2), [-Q(1) / 2], Q(1) / 4),
    "relu(x)-relu(x-1)": (lambda x: max(x, 0) - max(x - 1, 0), [Q(0), Q(1)], Q(1) / 4),
    "exp(-x**2)*tanh(x)": (lambda x: mp.exp(-x**2) * mp.tanh(x), [], Q(1) / 4),
    "x*exp(-x**2/2)": (lambda x: x * mp.exp(-x**2 / 2), [], Q(1) / 4),
    "tanh(10*x)": (lambda x: mp.tanh(10 * x), [], Q(1) / 64),
    "sigmoid(5*x)": (lambda x: 1 / (1 + mp.exp(-5 * x)), [], Q(1) / 8),
    "sin(8*x)*tanh(x)": (lambda x: mp.sin(8 * x) * mp.tanh(x), [], Q(1) / 8),
    # |x|^(3/2) is not analytic at 0: integrated in t = √|x| (see coefficients)
    "sqrt(abs(x))**3": (lambda x: mp.sqrt(abs(x)) ** 3, ["sqrt"], Q(1) / 16),
    "leaky_relu(x-0.3, 0.2)": (lambda x: x - Q(3) / 10 if x > Q(3) / 10 else
                               Q(1) / 5 * (x - Q(3) / 10), [Q(3) / 10], Q(1) / 4),
}
P = 30
L = 26


def _nodes(degree: int):
    gl = mp.calculus.quadrature.GaussLegendre(mp.mp)
    # mpmath's rule of "degree" m has 3·2^(m−1) nodes on [−1, 1]
    return gl.calc_nodes(degree, mp.mp.prec)


def coefficients(f, kinks, width, degree: int) -> list:
    nodes = _nodes(degree)
    sqrt_sub = kinks == ["sqrt"]  # x = ±t², t ∈ [0, √L]: smooth for |x|^(q/2) at 0
    if sqrt_sub:
        edges = [Q(0), mp.sqrt(L)]
    else:
        edges = sorted({Q(-L), Q(L), *kinks})
    panels = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        n = int(mp.ceil((b - a) / width))
        step = (b - a) / n
        panels += [(a + i * step, a + (i + 1) * step) for i in range(n)]
    acc = [Q(0)] * (P + 1)
    c0 = 1 / mp.sqrt(2 * mp.pi)
    points = []
    for a, b in panels:
        half, mid = (b - a) / 2, (a + b) / 2
        for t, w in nodes:
            y = mid + half * t
            if sqrt_sub:
                points += [(y * y, w * half * 2 * y), (-y * y, w * half * 2 * y)]
            else:
                points.append((y, w * half))
    for x, wt in points:
        v = f(x) * mp.exp(-x * x / 2) * c0 * wt
        h0, h1 = Q(1), x
        acc[0] += v * h0
        acc[1] += v * h1
        for p in range(1, P):
            h0, h1 = h1, x * h1 - p * h0
            acc[p + 1] += v * h1
    return [acc[p] / mp.sqrt(mp.factorial(p)) for p in range(P + 1)]


def main() -> None:
    part = Path(__file__).with_name("reference_mu.partial.json")
    out = json.loads(part.read_text()) if part.exists() else {}  # resume after a stop
    for name, (f, kinks, width) in REFERENCE.items():
        if name in out:
            continue
        lo = coefficients(f, kinks, width, 4)
        hi = coefficients(f, kinks, width, 5)
        for p in range(P + 1):
            scale = max(abs(hi[p]), Q(10) ** -70)
            if abs(hi[p] - lo[p]) > Q(10) ** -62 * max(scale, Q(1)):
                sys.exit(f"{name}: μ_{p} not converged ({mp.nstr(abs(hi[p] - lo[p]), 3)})")
        out[name] = [mp.nstr(v, 60, strip_zeros=False) for v in hi]
        part.write_text(json.dumps(out))
        print(name, out[name][1][:20], flush=True)
    path = Path(__file__).with_name("reference_mu.json")
    meta = {"method": "mpmath 80 digits, composite Gauss–Legendre (24 and 48 nodes per panel, "
                      "agreement to 1e-62·max(1, |μ_p|) checked), L = 26, no tails",
            "digits": 60, "p_max": P, "script": "tests/data/make_reference_mu.py"}
    path.write_text(json.dumps({"meta": meta, "mu": out}, indent=1) + "\n")
    part.unlink()


if __name__ == "__main__":
    main()
