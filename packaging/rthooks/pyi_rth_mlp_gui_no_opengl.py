"""PyInstaller runtime hook of the mlp-gui bundle: stand-ins for PySide6.QtOpenGL(Widgets).

pyqtgraph >= 0.14 imports PySide6.QtOpenGL and QtOpenGLWidgets when it loads
PlotCurveItem and GraphicsView, although it draws with OpenGL only when asked
to (``useOpenGL``), which mlp-gui never does. The real modules weigh 9.5 MB, so
the bundle leaves them out (packaging/mlp-gui.spec) and this hook supplies empty
modules in their place, found only after every real importer has failed. Using
OpenGL from them raises an error that says why.
"""

import sys


class _NoOpenGLFinder:
    """A meta path finder (and loader) of the two stand-in modules."""

    NAMES = ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets")
    WHY = "OpenGL drawing is not included in the mlp-gui app bundle"

    def find_spec(self, name, path=None, target=None):
        if name not in self.NAMES:
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(name, self)

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module):
        why = self.WHY

        if module.__name__ == "PySide6.QtOpenGLWidgets":
            from PySide6.QtWidgets import QWidget

            class QOpenGLWidget(QWidget):
                def __init__(self, *args, **kwargs):
                    raise RuntimeError(why)

            module.QOpenGLWidget = QOpenGLWidget

        def __getattr__(attr):
            raise AttributeError(f"{module.__name__}.{attr}: {why}")

        module.__getattr__ = __getattr__


sys.meta_path.append(_NoOpenGLFinder())
