"""The symbolic layer of lowrank: exact (sympy) or certified-precision (mpmath) theory of
Dayi & Chen (COLT 2025). Pure functions, no randomness; never imports :mod:`numerics`."""
