"""The PyTorch side of the peer benchmark (bench/peer.ts runs it): the same three workloads as
bench/workloads.ts, written the way a PyTorch user would write them.

    python3 bench/peer_pytorch.py --workload ring|dcgan|resnet --threads N --steps S --warmup W [--budget-s B --min-steps M]

Prints one JSON object: the wall time of every measured step in ms, the CPU
time (all threads) per measured step, the threads used, the
peak RSS, the versions and the BLAS. "The same": the same layers and sizes, the same loss
(non-saturating, BCE with logits; hinge for the ResNet), Adam with the same settings, the same batch, a real batch
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


class Residual(nn.Module):
    """SNGAN's residual block: its layers' output plus its shortcut's."""

    def __init__(self, layers, shortcut):
        super().__init__()
        self.layers = nn.Sequential(*layers)
        self.shortcut = nn.Sequential(*shortcut)

    def forward(self, x):
        return self.layers(x) + self.shortcut(x)


def resnet_models():
    # bench/workloads.ts's resnetPlan: examples/mnist-resnet.gan without attention and spectral norm.
    def conv(inputs, outputs, kernel):
        return nn.Conv2d(inputs, outputs, kernel, padding=kernel // 2)

    def batchnorm(channels):
        return nn.BatchNorm2d(channels, momentum=0.01, eps=1e-3)

    def up(inputs, outputs):
        return Residual(
            [batchnorm(inputs), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"), conv(inputs, outputs, 3),
             batchnorm(outputs), nn.ReLU(), conv(outputs, outputs, 3)],
            [nn.Upsample(scale_factor=2, mode="nearest"), conv(inputs, outputs, 1)],
        )

    generator = nn.Sequential(
        nn.Linear(128, 7 * 7 * 64),
        nn.Unflatten(1, (64, 7, 7)),
        up(64, 64),
        up(64, 32),
        batchnorm(32),
        nn.ReLU(),
        conv(32, 1, 3),
        nn.Sigmoid(),
    )
    discriminator = nn.Sequential(
        Residual([conv(1, 32, 3), nn.ReLU(), conv(32, 32, 3), nn.AvgPool2d(2)], [nn.AvgPool2d(2), conv(1, 32, 1)]),
        Residual([nn.ReLU(), conv(32, 64, 3), nn.ReLU(), conv(64, 64, 3), nn.AvgPool2d(2)], [conv(32, 64, 1), nn.AvgPool2d(2)]),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, 1),
    )
    return generator, discriminator, 128, 64, (2e-4, 2e-4)


def nonsaturating_losses(real_logits, fake_logits, ones, zeros):
    return F.binary_cross_entropy_with_logits(real_logits, ones) + F.binary_cross_entropy_with_logits(fake_logits, zeros)


def hinge_discriminator_loss(real_logits, fake_logits, ones, zeros):
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


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
    parser.add_argument("--workload", choices=["ring", "dcgan", "resnet"], required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--budget-s", type=float, default=float("inf"), help="stop measuring after this many seconds...")
    parser.add_argument("--min-steps", type=int, default=5, help="...once this many steps are measured")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    models = {"ring": ring_models, "dcgan": dcgan_models, "resnet": resnet_models}[args.workload]
    generator, discriminator, latent, batch, (g_lr, d_lr) = models()
    data = ring_data(100_000, rng) if args.workload == "ring" else mnist_like_data(60_000, rng)
    # tfjs's Adam defaults (epsilon 1e-7), beta1 0.5; the ResNet's are SNGAN's, as in its spec.
    betas, eps = ((0.0, 0.9), 1e-8) if args.workload == "resnet" else ((0.5, 0.999), 1e-7)
    g_opt = torch.optim.Adam(generator.parameters(), lr=g_lr, betas=betas, eps=eps)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=d_lr, betas=betas, eps=eps)
    ones = torch.ones(batch, 1)
    zeros = torch.zeros(batch, 1)
    if args.workload == "resnet":
        discriminator_loss = hinge_discriminator_loss

        def generator_loss(fake_logits):
            return -fake_logits.mean()
    else:
        discriminator_loss = nonsaturating_losses

        def generator_loss(fake_logits):
            return F.binary_cross_entropy_with_logits(fake_logits, ones)

    def step(index):
        real = data[torch.randint(0, data.shape[0], (batch,))]
        fake = generator(torch.randn(batch, latent)).detach()
        d_loss = discriminator_loss(discriminator(real), discriminator(fake), ones, zeros)
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        g_loss = generator_loss(discriminator(generator(torch.randn(batch, latent))))
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
