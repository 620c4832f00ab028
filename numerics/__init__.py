"""The numeric layer of lowrank: problem instances, Monte Carlo, SGD engines, ODEs, claim checks,
the report writer and the ``lowrank`` CLI. Randomness only through ``numpy.random.Generator``."""
