"""Allow ``python -m mlp_gui``."""

from mlp_gui.entry import main

raise SystemExit(main())
