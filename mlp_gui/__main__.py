"""Allow ``python -m mlp_gui``."""

from mlp_gui.cli import main

raise SystemExit(main())
