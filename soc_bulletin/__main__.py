"""``python -m soc_bulletin`` runs the command line."""

from .cli import main

raise SystemExit(main())
