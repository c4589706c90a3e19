"""Entry script of the PyInstaller bundle: the same ``main`` as the ``mlp-gui`` console script."""

from mlp_gui.entry import main

if __name__ == "__main__":
    raise SystemExit(main())
