"""``python -m numerics.cli`` runs the ``lowrank`` command line."""

from numerics.cli import main

main()
