"""`python -m corpuskit` runs the command line."""

from corpuskit.cli import main

raise SystemExit(main())
