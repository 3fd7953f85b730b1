"""The PyTorch side of the peer benchmark (bench/peer.ts runs it): the same two workloads as
bench/workloads.ts, written the way a PyTorch user would write them.

    python3 bench/peer_pytorch.py --workload ring|dcgan --threads N --steps S --warmup W [--budget-s B --min-steps M]

Prints one JSON object: the wall time of every measured step in ms, the CPU
time (all threads) per measured step, the threads used, the
peak RSS, the versions and the BLAS. "The same": the same layers and sizes, the same non-saturating loss
(BCE with logits), Adam with the same learning rates and beta1, the same batch, a real batch
drawn from an in-memory data set and fresh Gaussian latents every step, the D step on a
detached generator output and then the G step, losses read back every 10 steps (as gan does).
"""

import argparse
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LOG_EVERY = 10


def ring_models():
    def mlp(inputs, outputs):
        return nn.Sequential(nn.Linear(inputs, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, outputs))

    return mlp(64, 2), mlp(2, 1), 64, 512, (1e-3, 1e-4)


def dcgan_models():
    # Keras/tfjs "same" padding for a stride-2, kernel-4 (de)convolution pads 1 on each side.
    generator = nn.Sequential(
        nn.Linear(100, 7 * 7 * 128),
        nn.BatchNorm1d(7 * 7 * 128, momentum=0.01, eps=1e-3),
        nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1),
        nn.BatchNorm2d(64, momentum=0.01, eps=1e-3),
        nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1),
        nn.Sigmoid(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(1, 64, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, stride=2, padding=1),
        nn.BatchNorm2d(128, momentum=0.01, eps=1e-3),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1),
    )
    return generator, discriminator, 100, 64, (2e-4, 2e-4)


def ring_data(count, rng):
    modes = rng.integers(0, 8, count)
    angles = 2 * np.pi * modes / 8
    points = np.stack([2 * np.cos(angles), 2 * np.sin(angles)], axis=1) + rng.normal(0, 0.02, (count, 2))
    return torch.tensor(points, dtype=torch.float32)


def mnist_like_data(count, rng):
    # Timing only: the pixel values do not change the arithmetic, so no download is needed.
    return torch.tensor(rng.random((count, 1, 28, 28), dtype=np.float32))


def loaded_blas():
    """The BLAS library this process really loaded (Debian's torch links the generic libblas.so.3,
    which is the reference BLAS or OpenBLAS depending on what is installed)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower()}
    return ", ".join(sorted(paths)) or "none loaded"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", choices=["ring", "dcgan"], required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--budget-s", type=float, default=float("inf"), help="stop measuring after this many seconds...")
    parser.add_argument("--min-steps", type=int, default=5, help="...once this many steps are measured")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    generator, discriminator, latent, batch, (g_lr, d_lr) = ring_models() if args.workload == "ring" else dcgan_models()
    data = ring_data(100_000, rng) if args.workload == "ring" else mnist_like_data(60_000, rng)
    g_opt = torch.optim.Adam(generator.parameters(), lr=g_lr, betas=(0.5, 0.999), eps=1e-7)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=d_lr, betas=(0.5, 0.999), eps=1e-7)
    ones = torch.ones(batch, 1)
    zeros = torch.zeros(batch, 1)

    def step(index):
        real = data[torch.randint(0, data.shape[0], (batch,))]
        fake = generator(torch.randn(batch, latent)).detach()
        d_loss = F.binary_cross_entropy_with_logits(discriminator(real), ones) + F.binary_cross_entropy_with_logits(
            discriminator(fake), zeros
        )
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        g_loss = F.binary_cross_entropy_with_logits(discriminator(generator(torch.randn(batch, latent))), ones)
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        if (index + 1) % LOG_EVERY == 0:
            d_loss.item(), g_loss.item()

    for i in range(args.warmup):
        step(i)
    times = []
    cpu_start = time.process_time()
    budget_end = time.perf_counter() + args.budget_s
    while len(times) < args.steps and (len(times) < args.min_steps or time.perf_counter() < budget_end):
        start = time.perf_counter()
        step(len(times))
        times.append((time.perf_counter() - start) * 1000)
    cpu_ms_per_step = (time.process_time() - cpu_start) * 1000 / len(times)
    blas = loaded_blas()
    json.dump(
        {"workload": args.workload, "threads": torch.get_num_threads(), "ms": times, "cpuMsPerStep": cpu_ms_per_step,
         "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "torch": torch.__version__, "python": sys.version.split()[0], "blas": blas},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
