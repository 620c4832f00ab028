"""The deliberately wrong formulas the rank-r tests feed to the checks (same contract as
:func:`theory.rank_r.h_matrix`): a missing factor 2, Mᵀ in place of M, C and Ĉ swapped."""

from __future__ import annotations

import numpy as np

from theory import rank_r as R


def half(M, *a):
    return 0.5 * R.h_matrix(M, *a)


def transposed(M, *a):
    return R.h_matrix(np.asarray(M, float).T, *a)


def swapped(M, g, lam, C, Ch, xi, act):
    return R.h_matrix(M, g, lam, Ch, C, xi, act)


WRONG = {"missing factor 2": half, "Mᵀ for M": transposed, "C, Ĉ swapped": swapped}
