"""mlp_gui: watch backpropagation happen in a small sigmoid MLP."""

__version__ = "0.1.0"
