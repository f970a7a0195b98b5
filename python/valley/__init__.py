"""valley: local entropy and heat regularization (Chaudhari et al.), from Python.

    valley.train(out="runs/sgd", method="sgd", updates=500)  # as `valley train`
    valley.local_entropy_step(f, grad, x=x0, tau=0.1, method="sgld")
    valley.heat_step(f, grad, x=x0, tau=0.1)
    valley.load_model("runs/sgd")  # model.safetensors as numpy arrays

Every function checks its arguments with the command line's messages
(ValueError); other failures raise valley.Error; Ctrl-C raises
KeyboardInterrupt. See help() of each function.
"""

from ._valley import Error, __version__, heat_step, load_model, local_entropy_step, train

__all__ = ["Error", "__version__", "heat_step", "load_model", "local_entropy_step", "train"]
