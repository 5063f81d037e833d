"""``python -m soc_bulletin`` runs the command line."""

from .cli.main import main

raise SystemExit(main())
