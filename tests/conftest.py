"""Shared pytest configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``) is derandomised so CI never flakes;
``HYPOTHESIS_PROFILE=thorough`` runs every property test with 100× ci's examples (10 000 each),
randomised, without the example database (README: "Property-based runs").
"""
import os

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=10_000,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory):
    """One quick-profile report (seed 11) for every test that reads a whole report."""
    from numerics import report as rp
    from numerics.claims import Context

    out = tmp_path_factory.mktemp("r") / "reports"
    return rp.generate(Context(profile="quick", seed=11), out, only=None, progress=False)


# The on-disk caches (numerics.coeffcache; numerics.grid's results under <dir>/grid): tests use
# a temporary one, never the user's (set before any test imports the CLI).
if "LOWRANK_CACHE_DIR" not in os.environ or not os.environ.get("LOWRANK_TEST_KEEP_CACHE"):
    import tempfile

    os.environ["LOWRANK_CACHE_DIR"] = tempfile.mkdtemp(prefix="lowrank-test-cache-")
