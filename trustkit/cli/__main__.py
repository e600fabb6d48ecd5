"""``python -m trustkit.cli`` runs the command line."""

from trustkit.cli import main

main()
