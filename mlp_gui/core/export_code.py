"""A run as plain NumPy code in the course notebook's layout: what ``mlp-gui export`` and File ▸ Export as Python
script / as notebook write.

:func:`export_cells` turns a run (a :class:`~mlp_gui.core.runfile.SavedRun`, from a file or the window's session)
into the notebook's cells: In [8] the seed and ``initialize`` (the data drawn from the seed, or given, and its input
features), In [9] the ``NN`` class with the forward pass, the loss and the hand-written backward pass of the run's own
activations, output and loss (:mod:`mlp_gui.core.export_parts`), In [10] the first pass and its gradients, In [13]
the training loop with the run's optimizer, penalty and decay (:mod:`mlp_gui.core.export_training`) and a last cell
that asserts the final loss is the run's ``loss[-1]`` to the last bit. The code does the kernel's and the update
rule's floating-point operations in their order, which is what makes that assertion hold.
:mod:`mlp_gui.core.export_checks` says what cannot be exported yet.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from mlp_gui.core.config import TrainConfig
from mlp_gui.core.export_checks import DataPlan, replayed_rows
from mlp_gui.core.export_optimizers import described, update_plan
from mlp_gui.core.export_parts import ACTIVATION_CODE, HEAD_CODE, INIT_CODE, OUTPUT_CODE, feature_lines, indented, loss_takes_z
from mlp_gui.core.export_training import minibatch, training_cell

Cell = tuple[str, str]  # ("code" or "markdown", source)


def export_cells(run: object, *, data: DataPlan, notebook: bool = False) -> list[Cell]:
    """The cells of the exported run (see the module's description): a markdown title, then the code cells.
    ``notebook``: for a notebook (a data file is found in the working folder, not beside ``__file__``)."""
    config = run.config  # type: ignore[attr-defined]
    return [
        ("markdown", _title(run, data)),
        ("code", _initialize_cell(run, data, notebook=notebook)),
        ("code", _network_cell(config)),
        ("code", _first_pass_cell()),
        ("code", training_cell(run)),
        ("code", _check_cell(run)),
    ]


def script_text(cells: list[Cell], command: str) -> str:
    """One Python file of ``cells``: ``command`` (the ``mlp-gui train`` line) as its first line's comment, the markdown
    as the docstring, each code cell under its ``# In [n]:`` line."""
    title = next(source for kind, source in cells if kind == "markdown")
    parts = ["\n".join(f"# {line}" for line in command.splitlines()), '"""' + title.replace("\\", "\\\\").replace('"""', "'''") + '\n"""']
    numbers = iter((8, 9, 10, 13, 14))
    for kind, source in cells:
        if kind == "code":
            parts.append(f"# In [{next(numbers)}]:\n{source}")
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------- the cells


def _title(run: object, data: DataPlan) -> str:
    config, epochs = run.config, run.epochs  # type: ignore[attr-defined]
    where = {"seed": "the notebook's random batch, drawn from the seed after the weights",
             "literal": "the run's training data, written out below",
             "file": f"the run's training data, from {data.file_name} beside this file"}[data.source]
    first = (f"This mlp-gui run as plain NumPy, laid out like the course notebook: {epochs:,} epoch{'s' * (epochs != 1)} "
             f"of the network {','.join(map(str, config.layers))} on {where}.")
    how = described(update_plan(run, changes=replayed_rows(run).changes))
    if how:
        first = first[:-1] + f", trained with {how}."
    second = ("Running it trains the network again from the seed and ends by checking that the final loss is the run's, "
              "to the last bit. Change anything and the check tells you that you changed the run.")
    return "\n\n".join(textwrap.fill(p, width=110) for p in (first, second))


def _initialize_cell(run: object, data: DataPlan, *, notebook: bool) -> str:
    config = run.config  # type: ignore[attr-defined]
    sizes = config.layers
    scale_text, scale_name = INIT_CODE[config.init]
    lines = ["# Python CODE", "import numpy as np"]
    if data.source == "file" and not notebook:
        lines.append("from pathlib import Path")
    lines += [
        "# mlp-gui computes with floating-point warnings off: e^-z overflowing only makes a sigmoid 0, and a run that",
        "# blows up shows inf or nan as its loss (the training loop stops there, as mlp-gui does)",
        'np.seterr(all="ignore")',
        "# DO NOT FORGET TO SPECIFY THE SAME SEED",
        f"np.random.seed({config.seed})",
    ]
    seed_data = data.source == "seed"
    lines.append("def initialize(batchsize):" if seed_data else "def initialize():")
    lines.append(f"    # weights W = randn(out, in) × scale ({scale_name}), layer by layer; biases zero (they draw nothing)")
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        lines.append(f"    W{i} = np.random.randn({n_out}, {n_in}) * {scale_text.format(n_in=n_in, n_out=n_out)}")
        lines.append(f"    b{i} = np.zeros(({n_out},))")
    names = ", ".join(f"W{i}, b{i}" for i in range(1, len(sizes)))
    lines += ["    # list of all network parameters", f"    parameters = [{names}]"]
    if seed_data:
        lines += ["    # minibatch of input instances", f"    x = np.random.rand({sizes[0]}, batchsize)",
                  "    # ground truths", f"    y = np.random.randn({sizes[-1]}, batchsize)", "    return parameters, x, y",
                  "# initialize parameters, inputs and targets", f"parameters, x, y = initialize({run.x.shape[1]})"]
        return "\n".join(lines)
    lines += ["    return parameters", "# initialize parameters", "parameters = initialize()"]
    lines += _data_lines(run, data, notebook=notebook)
    return "\n".join(lines)


def _data_lines(run: object, data: DataPlan, *, notebook: bool) -> list[str]:
    x, y = run.x, run.y  # type: ignore[attr-defined]
    x_test = getattr(run, "x_test", None)
    held = x_test.shape[1] if x_test is not None else 0
    lines = [f"# the training data as mlp-gui used it: {x.shape[1]:,} samples, one column each (x: inputs, y: targets)"]
    if held:
        lines.append(f"# ({held:,} more samples were held out as the test set; they do not change the training)")
    if data.source == "file":
        where = repr(data.file_name) if notebook else f"Path(__file__).with_name({data.file_name!r})"
        lines += [f"data = np.load({where})", 'x, y = data["x"], data["y"]']
        return lines + feature_lines(run.config.model.features, minibatch=minibatch(run))
    lines += [f"x = {array_literal(x)}", f"y = {array_literal(y)}"]
    return lines + feature_lines(run.config.model.features, minibatch=minibatch(run))


def array_literal(a: np.ndarray, width: int = 110) -> str:
    """``np.array([[...], ...])`` of a 2-D float array, every number written with ``repr`` (it reads back exactly)."""
    rows = []
    for row in np.asarray(a, dtype=np.float64):
        words = [repr(float(v)) for v in row]
        text, lines = "    [", []
        for w in words:
            if len(text) + len(w) + 2 > width and text != "    [":
                lines.append(text.rstrip())
                text = "     "
            text += w + ", "
        lines.append(text[:-2] + "],")
        rows.append("\n".join(lines))
    return "np.array([\n" + "\n".join(rows) + "\n])"


def _network_cell(config: TrainConfig) -> str:
    model = config.model
    hidden, n = list(model.activations), model.n_layers
    functions = [*hidden, model.output]
    lines = ["class NN:",
             f'    """The network {",".join(map(str, config.layers))}: {_described_functions(hidden)}, '
             f'{model.output} output, {model.loss} loss."""', "",
             "    # Functions: each activation with its derivative, the output function, the loss and its derivative"]
    written: set[str] = set()
    for name in hidden:
        if name not in written:
            lines += indented(ACTIVATION_CODE[name]) + [""]
            written.add(name)
    if model.output not in written:
        lines += indented(OUTPUT_CODE[model.output]) + [""]
    lines += indented(HEAD_CODE[(model.output, model.loss)]) + [""]
    lines += ["    def setParameters(self, param):"]
    for i in range(1, n + 1):
        lines += [f"        self.W{i} = param[{2 * i - 2}]", f"        self.b{i} = param[{2 * i - 1}]"]
    lines += ["",
              "    def layerExec(self, input, weight, bias, act):",
              "        # forward pass execution of neuron layer: z = W a + b (b added to every sample's column), then f(z)",
              "        output = np.dot(weight, input) + bias[:, None]",
              "        outputAct = act(output)",
              "        return output, outputAct",
              "",
              "    def forwardPass(self, input, target):",
              "        # forward pass of through all layers of the NN"]
    previous = "input"
    for i, f in enumerate(functions, start=1):
        lines.append(f"        self.layer{i}BefAct, self.layer{i} = self.layerExec({previous}, self.W{i}, self.b{i}, self.{f})")
        previous = f"self.layer{i}"
    last = f"self.layer{n}BefAct" if loss_takes_z(model.output, model.loss) else f"self.layer{n}"
    lines += [f"        return self.loss({last}, target)", ""]
    lines += _backward_lines(hidden, n)
    return "\n".join(lines)


def _described_functions(hidden: list[str]) -> str:
    if not hidden:
        return "no hidden layer"
    if len(set(hidden)) == 1:
        return f"{hidden[0]} hidden layer{'s' * (len(hidden) > 1)}"
    return "hidden layers " + ", ".join(hidden)


def _backward_lines(hidden: list[str], n: int) -> list[str]:
    lines = ["    def backwardPass(self, input, target, printResults):",
             "        # backwards pass through all layers of the NN: δ of the last layer from the loss, then",
             "        # δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(z_l) down to the first layer",
             f"        self.L{n}OutputGrad = self.dloss(self.layer{n}, target)"]
    delta = {n: f"self.L{n}OutputGrad"}
    for i in range(n - 1, 0, -1):
        lines += [f"        self.L{i}OutputGrad = np.dot(self.W{i + 1}.T, {delta[i + 1]})",
                  f"        self.L{i}WeightedGrad = self.L{i}OutputGrad * self.{hidden[i - 1]}Deriv(self.layer{i}BefAct)"]
        delta[i] = f"self.L{i}WeightedGrad"
    lines += ["", "        # calculation of gradients of weights and bias: ∂L/∂W_l = δ_l a_{l-1}ᵀ, ∂L/∂b_l = Σ over samples of δ_l"]
    for i in range(n, 0, -1):
        below = f"self.layer{i - 1}" if i > 1 else "input"
        lines += [f"        w{i}_gradient = np.dot({delta[i]}, {below}.T)",
                  f"        b{i}_gradient = np.sum({delta[i]}, axis = 1)"]
    lines += ["", "        # print gradients for Question 3", "        if printResults:"]
    for i in range(1, n + 1):
        lines += [f'            print("w{i}_gradient:", w{i}_gradient, "\\n")',
                  f'            print("b{i}_gradient:", b{i}_gradient, "\\n")']
    names = ", ".join(f"w{i}_gradient, b{i}_gradient" for i in range(1, n + 1))
    lines += [f"        gradients = [{names}]", "        return gradients"]
    return lines


def _first_pass_cell() -> str:
    return "\n".join([
        "myNN = NN()",
        "myNN.setParameters(parameters)",
        "loss = myNN.forwardPass(x, y)",
        'print("Question 1: Loss of the forward Pass: {}".format(loss), "\\n")',
        'print("Question 3: Show gradients of loss function for each parameter separately")',
        "gradients = myNN.backwardPass(x, y, True)",
    ])


def _check_cell(run: object) -> str:
    final, epochs = float(run.loss[-1]), run.epochs  # type: ignore[attr-defined]
    lines = ["# The run's final loss in mlp-gui (its loss[-1]). The code above does mlp-gui's floating-point operations in",
             "# mlp-gui's order, so it gives the same number to the last bit; change anything and it will not.",
             f"expected_epochs, expected_loss = {epochs}, {_float_literal(final)}"]
    same = "np.isnan(loss)" if math.isnan(final) else "loss == expected_loss"
    lines += [f"same = epoch == expected_epochs and {same}",
              'assert same, ("this is not the run mlp-gui made: loss {!r} after {} epochs, expected {!r} after {}. "',
              '               "If you changed nothing, this NumPy may round differently from the one that made it"',
              '               .format(loss, epoch, expected_loss, expected_epochs))',
              'print("The final loss is the run\'s, to the last bit:", repr(float(loss)))']
    return "\n".join(lines)


def _float_literal(value: float) -> str:
    if math.isnan(value):
        return 'float("nan")'
    if math.isinf(value):
        return 'float("inf")' if value > 0 else 'float("-inf")'
    return repr(value)


__all__ = ["Cell", "array_literal", "export_cells", "script_text"]
