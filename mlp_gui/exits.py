"""Exit codes shared by ``mlp-gui`` and ``mlp-gui train``."""

EXIT_OK = 0
EXIT_FAILED = 1  # diverged, or could not save
EXIT_USAGE = 2  # bad flag, bad file, nothing changed
EXIT_INTERRUPTED = 130  # Ctrl+C (128 + SIGINT); SIGTERM gives 143, SIGHUP 129
