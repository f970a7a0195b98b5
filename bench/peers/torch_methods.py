#!/usr/bin/python3
"""PyTorch peer of `valley bench`: seconds per outer update of SGD, IS, SGLD and heat.

The same per-update computations as valley's defaults (the reference paper,
§6.2, and /work/shared/DESIGN.md): batch B = 20, τ = 0.01, J = 1000 samples
for SGLD (Alg. 3) and importance sampling (Alg. 4), M = J = 30 for the
Robbins–Monro heat update (Alg. 5), on the 784-10 and 784-200-10 ReLU MLPs
with softmax cross-entropy averaged over the minibatch, in float32.

The networks are plain tensors: the parameters are one flat vector x, and
each layer's W (n_in × n_out) and b are views into it. Gradients use a
hand-written backward pass; `--check` compares it, and every method, with
direct autograd computations.

Run with Debian's interpreter and PyTorch (`apt-get install python3-torch`):

    /usr/bin/python3 bench/peers/torch_methods.py --threads 2 --json /tmp/torch_peers.json
    /usr/bin/python3 bench/peers/torch_methods.py --check

On a GPU, `--device cuda` runs the same updates there, eagerly (one kernel
launch per operation), and `--device cuda --graph` captures one whole update
in a CUDA graph and replays it per update (the inputs copied into the
graph's own buffers first):

    python3 bench/peers/torch_methods.py --device cuda --json eager.json
    python3 bench/peers/torch_methods.py --device cuda --graph --json graph.json
"""

import argparse
import ctypes
import json
import math
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import torch
import torch.nn.functional as F

TAU = 0.01  # τ, the regularization of every method (§6.2)
BATCH = 20  # minibatch size B (§6.2)
SGD_LR = 0.01  # SGD's step, equal to τ (§6.2)
N_SAMPLES = 1000  # J for SGLD and IS (§6.2)
SGLD_EPS0 = 1000.0  # ε_j = 1 / (ε0 + j) (Fig. 4)
HEAT_ITERATIONS = 30  # Robbins–Monro iterations J (§6.2)
HEAT_DRAWS = 30  # draws M per iteration (§6.2)
HEAT_C, HEAT_ALPHA = 0.1, 0.7  # a_j = c · j^(−α)
# Chunks of 25–400 IS samples, and SGLD noise blocks of 1–50 steps, timed
# alike, within the noise of a loaded 2-core machine; 100 and 50 keep each
# noise buffer of 784-200-10 at 64 and 32 MB.
IS_CHUNK = 100  # IS samples evaluated together
SGLD_NOISE_BLOCK = 50  # SGLD steps whose noise is drawn in one call

N_WARMUP = 3
MIN_UPDATES = 5
MIN_SECONDS = 1.0
MAX_UPDATES = 2000

NETS = {"784-10": (784, 10), "784-200-10": (784, 200, 10)}
METHODS = ("sgd", "is", "sgld", "heat")


class Mlp:
    """A ReLU MLP whose parameters are one flat vector: W_1, b_1, W_2, b_2, …

    W_l is stored row-major as (n_{l−1}, n_l), so a layer is h ↦ h W_l + b_l.
    `layers` also takes a stack of vectors (S, d), one network each.
    """

    def __init__(self, widths):
        self.widths = tuple(widths)
        self.shapes = list(zip(self.widths[:-1], self.widths[1:]))
        self.dim = sum(n_in * n_out + n_out for n_in, n_out in self.shapes)

    @property
    def name(self):
        return "-".join(str(w) for w in self.widths)

    def layers(self, v):
        """[(W_l, b_l)] as views of v, of shape (…, n_in, n_out) and (…, n_out)."""
        lead = v.shape[:-1]
        out, offset = [], 0
        for n_in, n_out in self.shapes:
            w = v[..., offset:offset + n_in * n_out].view(*lead, n_in, n_out)
            offset += n_in * n_out
            b = v[..., offset:offset + n_out]
            offset += n_out
            out.append((w, b))
        return out

    def glorot_uniform(self, generator):
        """Weights U(−a, a) with a = √(6 / (n_in + n_out)), zero biases."""
        x = torch.zeros(self.dim)
        for (w, _), (n_in, n_out) in zip(self.layers(x), self.shapes):
            bound = math.sqrt(6.0 / (n_in + n_out))
            w.uniform_(-bound, bound, generator=generator)
        return x

    def gradient(self, x, images, onehot, out):
        """∇f(x) into `out`: f is the mean cross-entropy over the minibatch (eq. 1)."""
        layers = self.layers(x)
        inputs = [images]
        for w, b in layers[:-1]:
            inputs.append(torch.addmm(b, inputs[-1], w).relu_())
        w, b = layers[-1]
        delta = torch.addmm(b, inputs[-1], w).softmax(-1).sub_(onehot).div_(images.shape[0])
        grads = self.layers(out)
        for l in range(len(layers) - 1, -1, -1):
            grad_w, grad_b = grads[l]
            torch.mm(inputs[l].t(), delta, out=grad_w)
            torch.sum(delta, 0, out=grad_b)
            if l > 0:
                delta = delta.mm(layers[l][0].t()).masked_fill_(inputs[l] == 0, 0.0)

    def _perturbed_forward(self, x, sigma, xi, images):
        """Logits (S, B, C) of the S networks x + σ ξ_s, and each layer's input.

        Layer 1 splits X (W + σ ξ_W) into X W + σ X ξ_W, so the S perturbed
        weight matrices are never formed; later layers form W + σ ξ_W (small).
        """
        n_samples, batch = xi.shape[0], images.shape[0]
        layers, noise = self.layers(x), self.layers(xi)
        (w, b), (xi_w, xi_b) = layers[0], noise[0]
        centre = torch.addmm(b, images, w)  # X W_1 + b_1, shared by all samples
        inputs = [images]
        a = torch.baddbmm(centre, images.expand(n_samples, batch, -1), xi_w, alpha=sigma)
        a.add_(xi_b.unsqueeze(1), alpha=sigma)
        perturbed = [None]
        for (w, b), (xi_w, xi_b) in zip(layers[1:], noise[1:]):
            h = a.relu_()
            inputs.append(h)
            w_s = torch.add(w, xi_w, alpha=sigma)
            perturbed.append(w_s)
            a = torch.baddbmm(torch.add(b, xi_b, alpha=sigma).unsqueeze(1), h, w_s)
        return a, inputs, perturbed

    def perturbed_losses(self, x, sigma, xi, images, onehot):
        """f(x + σ ξ_s) for each row ξ_s of xi (S, d): S forward passes in batched GEMMs."""
        logits, _, _ = self._perturbed_forward(x, sigma, xi, images)
        return torch.logsumexp(logits, -1).sub_((logits * onehot).sum(-1)).mean(-1)

    def perturbed_gradient_sum(self, x, sigma, xi, images, onehot, out):
        """Σ_s ∇f(x + σ ξ_s) into `out`, without forming any per-sample gradient.

        The sum over samples of ∂f/∂W_l = h_{l−1}ᵀ δ_l is one GEMM over the
        stacked (S·B) rows; for layer 1 the input X is shared, so it is
        Xᵀ (Σ_s δ_1,s).
        """
        logits, inputs, perturbed = self._perturbed_forward(x, sigma, xi, images)
        delta = logits.softmax(-1).sub_(onehot).div_(images.shape[0])
        grads = self.layers(out)
        for l in range(len(grads) - 1, 0, -1):
            grad_w, grad_b = grads[l]
            h = inputs[l]
            torch.mm(h.reshape(-1, h.shape[-1]).t(), delta.reshape(-1, delta.shape[-1]), out=grad_w)
            torch.sum(delta, (0, 1), out=grad_b)
            delta = torch.bmm(delta, perturbed[l].transpose(1, 2)).masked_fill_(h == 0, 0.0)
        grad_w, grad_b = grads[0]
        delta_sum = delta.sum(0)
        torch.mm(images.t(), delta_sum, out=grad_w)
        torch.sum(delta_sum, 0, out=grad_b)


class NoiseStream:
    """Blocks of N(0, 1) draws, taken in order from one generator.

    PyTorch's CPU normal sampler is single-threaded and is most of the cost
    of IS, SGLD and heat. With `ahead`, block i + 1 is drawn on a second
    thread while the caller works on block i (PyTorch releases the GIL inside
    normal_), as valley's SGLD draws step j's noise while step j − 1 runs.
    The draws, and so the results, are the same either way.
    """

    def __init__(self, max_rows, dim, generator, ahead):
        self.buffers = [torch.empty(max_rows, dim) for _ in range(2 if ahead else 1)]
        self.generator = generator
        self.pool = ThreadPoolExecutor(max_workers=1) if ahead else None

    def blocks(self, rows):
        """Yield blocks of rows[i] × dim normals; each is valid until the next is asked for."""
        def draw(i):
            return self.buffers[i % len(self.buffers)][:rows[i]].normal_(generator=self.generator)

        if self.pool is None:
            yield from (draw(i) for i in range(len(rows)))
            return
        pending = self.pool.submit(draw, 0)
        for i in range(len(rows)):
            block = pending.result()
            if i + 1 < len(rows):
                pending = self.pool.submit(draw, i + 1)  # into the buffer block i − 1 used
            yield block


def split_rows(total, block):
    """[block, block, …, rest]: `total` rows in blocks of at most `block`."""
    return [min(block, total - start) for start in range(0, total, block)]


class Sgd:
    """Plain SGD: x ← x − lr ∇f(x) (the paper's baseline)."""

    uses_noise = False

    def __init__(self, net, generator, noise_ahead=False, lr=SGD_LR):
        self.net, self.lr = net, lr
        self.grad = torch.empty(net.dim)

    def step(self, x, images, onehot):
        self.net.gradient(x, images, onehot, self.grad)
        x.add_(self.grad, alpha=-self.lr)


class ImportanceSampling:
    """Alg. 1 with Alg. 4: x ← Σ_j w_j x^j / Σ_j w_j, x^j = x + √τ ξ_j, w_j = exp(−f(x^j)).

    Samples are drawn and evaluated `chunk` at a time; the weighted noise sum
    is kept with an online log-sum-exp (running max, rescaled accumulators),
    so memory is O(chunk · d), never J · d.
    """

    uses_noise = True

    def __init__(self, net, generator, noise_ahead=False, n_samples=N_SAMPLES, chunk=IS_CHUNK, tau=TAU):
        self.net, self.sigma = net, math.sqrt(tau)
        self.graph_safe = False  # keep the log-sum-exp in tensors: no host reads (CUDA graph capture)
        self.chunks = split_rows(n_samples, chunk)
        self.noise = NoiseStream(chunk, net.dim, generator, noise_ahead)
        self.weighted = torch.empty(net.dim)
        self.losses = net.perturbed_losses  # f at x + σ ξ_s; --check swaps in a constant

    def step(self, x, images, onehot):
        if self.graph_safe:
            return self.step_on_device(x, images, onehot)
        self.weighted.zero_()  # Σ_j exp(log w_j − m) ξ_j
        log_max, total = -math.inf, 0.0  # m = max_j log w_j, Σ_j exp(log w_j − m)
        for xi in self.noise.blocks(self.chunks):
            log_w = self.losses(x, self.sigma, xi, images, onehot).neg_()
            new_max = max(log_max, log_w.max().item())
            rescale = math.exp(log_max - new_max)
            w = log_w.sub_(new_max).exp_()
            self.weighted.addmv_(xi.t(), w, beta=rescale)
            total = total * rescale + w.sum().item()
            log_max = new_max
        # eq. 16 and Alg. 1 with η = τ: x_{k+1} = x + √τ Σ w_j ξ_j / Σ w_j
        x.add_(self.weighted, alpha=self.sigma / total)

    def step_on_device(self, x, images, onehot):
        """step() with m and Σ_j exp(log w_j − m) kept as tensors: nothing waits for the device."""
        self.weighted.zero_()
        log_max = torch.full((), -math.inf, device=x.device)
        total = torch.zeros((), device=x.device)
        for xi in self.noise.blocks(self.chunks):
            log_w = self.losses(x, self.sigma, xi, images, onehot).neg_()
            new_max = torch.maximum(log_max, log_w.max())
            rescale = torch.exp(log_max - new_max)
            w = log_w.sub_(new_max).exp_()
            self.weighted.mul_(rescale).addmv_(xi.t(), w)
            total = total * rescale + w.sum()
            log_max = new_max
        x.add_(self.weighted * (self.sigma / total))


class Sgld:
    """Alg. 1 with Alg. 3: a Langevin chain y, continued from the previous update.

    y ← y − (ε_j/2)(∇f(y) + (y − x)/τ) + √ε_j N(0, I), ε_j = 1/(ε0 + j),
    and x ← Σ_j ε_j y_j / Σ_j ε_j. The steps are sequential; the noise of
    `noise_block` steps is drawn in one call.
    """

    uses_noise = True

    def __init__(self, net, generator, noise_ahead=False, n_steps=N_SAMPLES, eps_0=SGLD_EPS0, tau=TAU,
                 noise_block=SGLD_NOISE_BLOCK):
        self.net, self.eps_0, self.tau = net, eps_0, tau
        self.blocks = split_rows(n_steps, noise_block)
        self.noise = NoiseStream(noise_block, net.dim, generator, noise_ahead)
        self.grad = torch.empty(net.dim)
        self.mean = torch.empty(net.dim)
        self.chain = None

    def step(self, x, images, onehot):
        if self.chain is None:
            self.chain = x.clone()  # Alg. 3: x^0 = x, the first time
        y, j = self.chain, 0
        self.mean.zero_()
        sum_eps = 0.0
        for noise in self.noise.blocks(self.blocks):
            for xi in noise:
                j += 1
                eps = 1.0 / (self.eps_0 + j)
                self.net.gradient(y, images, onehot, self.grad)
                # y ← (1 − ε/(2τ)) y + (ε/(2τ)) x − (ε/2) ∇f(y) + √ε ξ
                y.mul_(1.0 - eps / (2.0 * self.tau)).add_(x, alpha=eps / (2.0 * self.tau))
                y.add_(self.grad, alpha=-eps / 2.0).add_(xi, alpha=math.sqrt(eps))
                self.mean.add_(y, alpha=eps)
                sum_eps += eps
        x.copy_(self.mean).div_(sum_eps)  # Alg. 1 with η = τ: x_{k+1} = μ


class Heat:
    """Alg. 2 with Alg. 5 (Robbins–Monro), from x^0 = x_k:

    x^j = x^{j−1} − a_j (x^{j−1} − x_k + (τ/M) Σ_m ∇f(z_m)), z_m = x^{j−1} + √τ ξ_m,
    a_j = c j^(−α). The M gradients of an iteration are one batched pass.
    """

    uses_noise = True

    def __init__(self, net, generator, noise_ahead=False, n_iterations=HEAT_ITERATIONS, n_draws=HEAT_DRAWS,
                 c=HEAT_C, alpha=HEAT_ALPHA, tau=TAU):
        self.net, self.c, self.alpha, self.tau = net, c, alpha, tau
        self.n_draws, self.draws = n_draws, [n_draws] * n_iterations
        self.noise = NoiseStream(n_draws, net.dim, generator, noise_ahead)
        self.grad_sum = torch.empty(net.dim)
        self.x_j = torch.empty(net.dim)

    def step(self, x, images, onehot):
        sigma = math.sqrt(self.tau)
        self.x_j.copy_(x)
        for j, xi in enumerate(self.noise.blocks(self.draws), start=1):
            self.net.perturbed_gradient_sum(self.x_j, sigma, xi, images, onehot, self.grad_sum)
            a_j = self.c * j ** -self.alpha
            # eq. 17: x^j = (1 − a_j) x^{j−1} + a_j x_k − a_j (τ/M) Σ_m ∇f(z_m)
            self.x_j.mul_(1.0 - a_j).add_(x, alpha=a_j).add_(self.grad_sum, alpha=-a_j * self.tau / self.n_draws)
        x.copy_(self.x_j)


METHOD_CLASSES = {"sgd": Sgd, "is": ImportanceSampling, "sgld": Sgld, "heat": Heat}


class Minibatches:
    """Synthetic images in [0, 1] with labels 0–9; one minibatch of B per outer update."""

    def __init__(self, n_inputs, n_classes, generator, n_images=2000, batch=BATCH):
        self.images = torch.rand(n_images, n_inputs, generator=generator)
        self.labels = torch.arange(n_images) % n_classes
        self.eye = torch.eye(n_classes)
        self.batch, self.generator = batch, generator

    def draw(self):
        """(images B×784, labels B, one-hot labels B×C)."""
        idx = torch.randint(self.images.shape[0], (self.batch,), generator=self.generator, device="cpu")
        labels = self.labels[idx]
        return self.images[idx], labels, self.eye[labels]


def set_threads(n_threads, device="cpu"):
    """Threads for PyTorch's own kernels and for OpenBLAS (its GEMMs), no env vars."""
    torch.set_num_threads(n_threads)
    if device == "cpu":
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(n_threads)


def thread_plan(cls, n_threads, plain):
    """(compute threads, noise thread?) for a method given n_threads in all.

    The default plan is valley's: a method that draws noise gives one thread
    to its NoiseStream and computes on the other n_threads − 1; SGD computes
    on one thread, PyTorch's fastest here (784-200-10 on 2 cores: 0.20 ms on
    one thread, 0.29 ms with both given to PyTorch and OpenBLAS — a
    20-image gradient is too small for their splitting; valley splits the
    first layer's units over its threads itself).
    `plain` gives PyTorch and OpenBLAS all n_threads for every method.
    """
    if plain:
        return n_threads, False
    if cls.uses_noise and n_threads >= 2:
        return n_threads - 1, True
    return 1, False


def bench_method(method, net_name, n_threads, plain, seed=1, device="cpu", graph=False):
    """valley's protocol: N_WARMUP updates, then time each update until ≥ MIN_UPDATES and ≥ MIN_SECONDS.

    On a GPU the clock is read after the device has finished (synchronize);
    with `graph`, one update is captured as a CUDA graph and replayed.
    """
    cls = METHOD_CLASSES[method]
    on_gpu = device != "cpu"
    compute_threads, noise_ahead = (1, False) if on_gpu else thread_plan(cls, n_threads, plain)
    set_threads(compute_threads, device)
    net = Mlp(NETS[net_name])
    generator = torch.Generator().manual_seed(seed)
    data = Minibatches(net.widths[0], net.widths[-1], generator)
    x = net.glorot_uniform(generator)
    if on_gpu:
        # Parameters, data and every buffer of the method on the GPU; its
        # noise from a generator there (the default one when captured in a
        # graph, which PyTorch replays with fresh offsets).
        x = x.to(device)
        data.images, data.labels, data.eye = data.images.to(device), data.labels.to(device), data.eye.to(device)
        torch.set_default_device(device)
        generator = None if graph else torch.Generator(device=device).manual_seed(seed + 1)
        if graph:
            torch.cuda.manual_seed(seed + 1)
    try:
        update = cls(net, generator, noise_ahead)
        if graph and hasattr(update, "graph_safe"):
            update.graph_safe = True
        sync = torch.cuda.synchronize if on_gpu else (lambda: None)
        images, _, onehot = data.draw()
        if graph:
            static_images, static_onehot = images.clone(), onehot.clone()
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(N_WARMUP):
                    update.step(x, static_images, static_onehot)
            torch.cuda.current_stream().wait_stream(side)
            captured = torch.cuda.CUDAGraph()
            with torch.cuda.graph(captured):
                update.step(x, static_images, static_onehot)

            def run_update(images, onehot):
                static_images.copy_(images)
                static_onehot.copy_(onehot)
                captured.replay()
        else:
            run_update = lambda images, onehot: update.step(x, images, onehot)  # noqa: E731
            for _ in range(N_WARMUP):
                images, _, onehot = data.draw()
                run_update(images, onehot)
        sync()
        seconds = []
        start = time.perf_counter()
        while len(seconds) < MAX_UPDATES:
            t0 = time.perf_counter()
            images, _, onehot = data.draw()
            run_update(images, onehot)
            sync()
            t1 = time.perf_counter()
            seconds.append(t1 - t0)
            if len(seconds) >= MIN_UPDATES and t1 - start >= MIN_SECONDS:
                break
        if not bool(torch.isfinite(x).all()):
            raise RuntimeError(f"{method} on {net_name}: non-finite parameters")
    finally:
        if on_gpu:
            torch.set_default_device("cpu")
    return {"method": method, "net": net_name, "device": device, "graph": graph,
            "compute_threads": compute_threads, "noise_thread": noise_ahead, "updates": len(seconds),
            "median_seconds": statistics.median(seconds), "min_seconds": min(seconds),
            "max_seconds": max(seconds)}


def format_table(results):
    """method, net, threads (compute + noise), updates timed, median, min, max seconds per update."""
    lines = [f"{'method':<6} {'net':<11} {'threads':>7} {'upd':>5} {'median s':>11} {'min s':>10} {'max s':>10}"]
    for r in results:
        threads = f"{r['compute_threads']}+1" if r["noise_thread"] else str(r["compute_threads"])
        lines.append(f"{r['method']:<6} {r['net']:<11} {threads:>7} {r['updates']:>5} {r['median_seconds']:>11.4g} "
                     f"{r['min_seconds']:>10.4g} {r['max_seconds']:>10.4g}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- --check

def reference_loss(net, v, images, labels):
    """f(v) by plain autograd-friendly ops: mean cross-entropy of the MLP (eq. 1)."""
    h = images
    layers = net.layers(v)
    for l, (w, b) in enumerate(layers):
        h = h @ w + b
        if l < len(layers) - 1:
            h = torch.relu(h)
    return F.cross_entropy(h, labels)


def reference_gradient(net, v, images, labels):
    v = v.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(reference_loss(net, v, images, labels), v)
    return grad


def check_problem(widths, seed, batch=BATCH):
    """A network, its Glorot parameters (biases made non-zero) and a minibatch."""
    net = Mlp(widths)
    generator = torch.Generator().manual_seed(seed)
    x = net.glorot_uniform(generator)
    for _, b in net.layers(x):
        b.uniform_(-0.1, 0.1, generator=generator)
    data = Minibatches(widths[0], widths[-1], generator, n_images=100, batch=batch)
    images, labels, onehot = data.draw()
    return net, x, images, labels, onehot


def close(name, got, want, rtol=1e-4, atol=1e-6):
    """Print PASS/FAIL with the largest difference; return whether it passed."""
    ok = torch.allclose(got, want, rtol=rtol, atol=atol)
    err = (got - want).abs().max().item()
    print(f"{'PASS' if ok else 'FAIL'}  {name}  (max |diff| {err:.2e})")
    return ok


def run_checks():
    """Each method against a direct, unbatched autograd computation; True if all pass."""
    results = []
    for widths in ((784, 10), (784, 200, 10), (6, 5, 4, 3)):
        net, x, images, labels, onehot = check_problem(widths, seed=7)
        tag = net.name
        grad = torch.empty(net.dim)
        net.gradient(x, images, onehot, grad)
        want = reference_gradient(net, x, images, labels)
        results.append(close(f"gradient {tag} = autograd", grad, want))

        x_sgd = x.clone()
        Sgd(net, None).step(x_sgd, images, onehot)
        results.append(close(f"sgd {tag}: x − lr ∇f(x)", x_sgd, x - SGD_LR * want))

        xi = torch.randn(5, net.dim, generator=torch.Generator().manual_seed(3))
        losses = net.perturbed_losses(x, 0.1, xi, images, onehot)
        want = torch.stack([reference_loss(net, x + 0.1 * row, images, labels) for row in xi])
        results.append(close(f"perturbed losses {tag} = f(x + σ ξ_s)", losses, want))

        grad_sum = torch.empty(net.dim)
        net.perturbed_gradient_sum(x, 0.1, xi, images, onehot, grad_sum)
        want = sum(reference_gradient(net, x + 0.1 * row, images, labels) for row in xi)
        results.append(close(f"perturbed gradient sum {tag} = Σ_s ∇f(x + σ ξ_s)", grad_sum, want))

        for ahead in (False, True):
            results.append(check_importance_sampling(net, x, images, labels, onehot, ahead))
            results.append(check_sgld(net, x, images, labels, onehot, ahead))
            results.append(check_heat(net, x, images, labels, onehot, ahead))

    net, x, images, labels, onehot = check_problem((784, 200, 10), seed=11)
    update = ImportanceSampling(net, torch.Generator().manual_seed(5), n_samples=250, chunk=100)
    update.losses = lambda x, sigma, xi, images, onehot: torch.zeros(xi.shape[0])
    x_is = x.clone()
    update.step(x_is, images, onehot)
    replay = torch.Generator().manual_seed(5)
    xi = torch.cat([torch.randn(n, net.dim, generator=replay) for n in (100, 100, 50)])
    results.append(close("is, all-equal weights: x + √τ mean(ξ)", x_is, x + math.sqrt(TAU) * xi.mean(0)))
    return all(results)


def noise_tag(ahead):
    return "noise thread" if ahead else "noise inline"


def check_importance_sampling(net, x, images, labels, onehot, ahead):
    """Alg. 4 over 3 chunks (4, 4, 2) = softmax(−f)-weighted mean of the samples."""
    update = ImportanceSampling(net, torch.Generator().manual_seed(1), ahead, n_samples=10, chunk=4)
    x_is = x.clone()
    update.step(x_is, images, onehot)
    replay = torch.Generator().manual_seed(1)
    samples = x + math.sqrt(TAU) * torch.cat([torch.randn(n, net.dim, generator=replay) for n in (4, 4, 2)])
    f = torch.stack([reference_loss(net, s, images, labels) for s in samples])
    want = (torch.softmax(-f.double(), 0)[:, None] * samples.double()).sum(0).float()
    return close(f"is {net.name}, {noise_tag(ahead)}: Σ w_j x^j / Σ w_j (3 chunks)", x_is, want)


def check_sgld(net, x, images, labels, onehot, ahead):
    """Alg. 3, two updates of 7 steps (noise blocks of 3), the chain carried over."""
    update = Sgld(net, torch.Generator().manual_seed(2), ahead, n_steps=7, noise_block=3)
    x_sgld = x.clone()
    for _ in range(2):
        update.step(x_sgld, images, onehot)
    replay = torch.Generator().manual_seed(2)
    centre, y = x.clone(), x.clone()
    for _ in range(2):
        noise = torch.cat([torch.randn(n, net.dim, generator=replay) for n in (3, 3, 1)])
        weighted, sum_eps = torch.zeros(net.dim), 0.0
        for j in range(1, 8):
            eps = 1.0 / (SGLD_EPS0 + j)
            grad = reference_gradient(net, y, images, labels)
            y = y - eps / 2 * (grad + (y - centre) / TAU) + math.sqrt(eps) * noise[j - 1]
            weighted += eps * y
            sum_eps += eps
        centre = weighted / sum_eps
    return close(f"sgld {net.name}, {noise_tag(ahead)}: 2 updates of the chain", x_sgld, centre)


def check_heat(net, x, images, labels, onehot, ahead):
    """Alg. 5, J = 2 iterations of M = 3 draws, each gradient by its own autograd call."""
    update = Heat(net, torch.Generator().manual_seed(4), ahead, n_iterations=2, n_draws=3)
    x_heat = x.clone()
    update.step(x_heat, images, onehot)
    replay = torch.Generator().manual_seed(4)
    x_j = x.clone()
    for j in (1, 2):
        z = x_j + math.sqrt(TAU) * torch.randn(3, net.dim, generator=replay)
        grad_sum = sum(reference_gradient(net, z_m, images, labels) for z_m in z)
        x_j = x_j - HEAT_C * j ** -HEAT_ALPHA * (x_j - x + TAU / 3 * grad_sum)
    return close(f"heat {net.name}, {noise_tag(ahead)}: 2 Robbins–Monro iterations", x_heat, x_j)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated: sgd,is,sgld,heat")
    parser.add_argument("--nets", default=",".join(NETS), help="comma-separated: 784-10,784-200-10")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads in all; IS, SGLD and heat draw noise on one and compute on the rest, "
                        "SGD computes on one")
    parser.add_argument("--plain-threads", action="store_true",
                        help="instead give PyTorch and OpenBLAS all --threads for every method, noise drawn inline")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument("--check", action="store_true", help="check every method against autograd, then exit")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"),
                        help="where the updates run (cuda: the first GPU; --threads then does not apply)")
    parser.add_argument("--graph", action="store_true",
                        help="with --device cuda: capture one update in a CUDA graph and replay it")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: PyTorch sees no CUDA device")
    if args.graph and args.device != "cuda":
        parser.error("--graph needs --device cuda")
    methods, nets = args.methods.split(","), args.nets.split(",")
    for name in methods:
        if name not in METHOD_CLASSES:
            parser.error(f"unknown method {name!r} (choose from {', '.join(METHODS)})")
    for name in nets:
        if name not in NETS:
            parser.error(f"unknown net {name!r} (choose from {', '.join(NETS)})")
    if args.threads < 1:
        parser.error("--threads must be ≥ 1")

    if args.check:
        set_threads(args.threads)
        sys.exit(0 if run_checks() else 1)

    load_before = os.getloadavg()
    results = []
    for method in methods:
        for net in nets:
            print(f"timing {method} on {net} …", file=sys.stderr, flush=True)
            results.append(bench_method(method, net, args.threads, args.plain_threads, device=args.device,
                                        graph=args.graph))
    load_after = os.getloadavg()
    print(f"torch {torch.__version__} peer: batch {BATCH}, {args.threads} thread(s), τ = {TAU}, "
          f"J = {N_SAMPLES}, heat M = J = {HEAT_DRAWS}, IS chunk {IS_CHUNK}, "
          f"thread plan {'plain' if args.plain_threads else 'valley'}")
    if args.device == "cuda":
        print(f"device: {torch.cuda.get_device_name()}, {'one CUDA graph per update' if args.graph else 'eager'}")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}\n")
    print(format_table(results))
    if args.json:
        out = {"peer": "torch", "torch_version": torch.__version__, "batch": BATCH, "device": args.device,
               "graph": args.graph,
               "device_name": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
               "threads": args.threads, "plain_threads": args.plain_threads, "is_chunk": IS_CHUNK,
               "loadavg_before": load_before, "loadavg_after": load_after, "results": results}
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
