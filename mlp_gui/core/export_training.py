"""The training cell of an exported run (the course notebook's In [13]): the stepsize and the optimizer's numbers, the
loop over epochs with mini-batches drawn as :func:`mlp_gui.core.data.batches` draws them, and each step written by
:mod:`mlp_gui.core.export_optimizers`, in the trainer's order (:meth:`~mlp_gui.core.trainer.Trainer.step`): full
batch, an epoch steps with the gradients of the last pass, then computes the loss and the gradients again; in
mini-batches, each batch's pass and step, then the loss on the whole training set.
"""

from __future__ import annotations

from mlp_gui.core.export_checks import replayed_rows
from mlp_gui.core.export_optimizers import epoch_lines, setting_lines, update_lines, update_plan
from mlp_gui.core.notebook import PRINT_EVERY


def training_cell(run: object) -> str:
    """The training cell's source for ``run`` (a SavedRun)."""
    config, epochs = run.config, run.epochs  # type: ignore[attr-defined]
    rows, changes, _ = replayed_rows(run)
    plan = update_plan(run, changes=changes)
    in_batches = minibatch(run)
    features = bool(config.model.features)
    lines = ["# Optimizing the NN using a stepsize and multiple epochs",
             'print("Optimize NN using Backpropagation:")',
             f"stepsize = {float(rows[0][1] if rows else config.stepsize)!r}"]
    if len(rows) > 1:
        changes = ", ".join(f"{int(e)}: {float(s)!r}" for e, s in rows[1:])
        lines += ["# the run changed its stepsize midway: from epoch e on, each step uses stepsize_changes[e]",
                  f"stepsize_changes = {{{changes}}}"]
    lines += [f"epochs = {epochs}", *setting_lines(plan)]
    if in_batches:
        lines += [f"batchsize = {config.batch_size}", f"seed = {config.seed}", "n = x.shape[1]"]
    lines += ['print("Loss Start: {}".format(loss), "\\n")', "epoch = 0", "for i in range(1, epochs + 1):"]
    if len(rows) > 1:
        lines += ["    stepsize = stepsize_changes.get(i - 1, stepsize)"]
    lines += epoch_lines(plan)
    eta = "eta" if plan.decays else "stepsize"
    if in_batches:
        batch = ["        # the batch's features, from its raw inputs (as mlp-gui makes them), and its targets",
                 "        xb, yb = features(x_raw[:, batch]), y[:, batch]"] if features else \
                ["        xb, yb = x[:, batch], y[:, batch]"]
        lines += ["    # the mini-batches of epoch i, as mlp-gui draws them: a permutation drawn from (seed, i) alone",
                  "    order = np.random.default_rng([seed, i]).permutation(n)",
                  "    for start in range(0, n, batchsize):",
                  "        batch = order[start:start + batchsize]",
                  *batch,
                  "        # the gradient on this batch, then one step",
                  "        myNN.setParameters(parameters)",
                  "        myNN.forwardPass(xb, yb)",
                  "        gradients = myNN.backwardPass(xb, yb, False)",
                  *update_lines(plan, indent=8, stepsize=eta),
                  "    # the loss on the whole training set after the epoch",
                  "    myNN.setParameters(parameters)",
                  "    loss = myNN.forwardPass(x, y)"]
    else:
        lines += ["    # one step on the whole training set, with the gradients of the last pass",
                  *update_lines(plan, indent=4, stepsize=eta),
                  "    myNN.setParameters(parameters)",
                  "    loss = myNN.forwardPass(x, y)",
                  "    gradients = myNN.backwardPass(x, y, False)"]
    lines += ["    epoch = i",
              "    if not np.isfinite(loss):",
              '        print("The loss is no longer finite at epoch {}: the run diverged, and stops here as in mlp-gui".format(i))',
              "        break",
              f"    if i % {PRINT_EVERY} == 1 or i <= 3:",
              '        print("Loss after {} epochs: {}".format(i, loss), "\\n")',
              'print("Loss after {} epochs: {}".format(epoch, loss), "\\n")']
    return "\n".join(lines)


def minibatch(run: object) -> bool:
    """Whether ``run`` trains in mini-batches (else each step is on the whole training set)."""
    config = run.config  # type: ignore[attr-defined]
    return config.data != "notebook" and 0 < config.batch_size < run.x.shape[1]  # type: ignore[attr-defined]


__all__ = ["minibatch", "training_cell"]
