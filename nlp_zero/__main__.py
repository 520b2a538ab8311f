"""``python -m nlp_zero`` runs the ``nlp-zero`` command."""

from .cli import console_main

console_main()
