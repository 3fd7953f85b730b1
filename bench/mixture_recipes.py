"""A PyTorch prototype of examples/ring8.gan and examples/grid25.gan, for searching recipes quickly.

gan's blas runs of the mixtures take minutes each on a busy machine; this script trains the same
kind of model (dense layers with Glorot-uniform weights and zero biases, as gan's dense layers,
leaky ReLU 0.2, the non-saturating loss with one-sided label smoothing, Adam with tfjs's epsilon
1e-7, PacGAN packing of consecutive chunks, the R1 penalty per pack with weight gamma / 2) at
one thread, and measures the last generator with the PacGAN definitions of `gan eval` (2,500
samples, a mode captured by one sample within 3 std, reverse KL over the high-quality samples).
It is a search tool: a recipe it finds is then written as a .gan spec and measured by gan
itself (bench/QUALITY.md reports gan's numbers; the prototype's only say why a choice was made).

    OMP_NUM_THREADS=1 nice -n 15 python3 bench/mixture_recipes.py --data ring --seed 1 \
        --g 400,400,400,400 --d 128,128 --pack 2 --r1 1 --glr cos:1e-3:1e-5 --dlr cos:3e-4:1e-5 --evals 2500,5000

is examples/ring8.gan; with `--latent 2 --steps 10000` it is examples/ring8-long.gan.

    OMP_NUM_THREADS=1 nice -n 10 python3 bench/mixture_recipes.py --data grid --seed 1 --latent 2 --batch 100 \
        --g 400,400,400,400 --gbn --gact relu --d 200,200,200 --dact relu --smooth 1 --beta2 0.9 \
        --gp 1 --gp-until 2500 --gp-floor 0.1 --glr cosfrom:1e-3:1e-5:2500 --dlr cosfrom:1e-3:1e-5:2500

is examples/grid25.gan; with `--steps 10000`, 5000 in place of 2500, it is examples/grid25-long.gan.

Learning rates: `const:A`, `cos:A:B` (cosine from A to B over the run), `cosfrom:A:B:S` (A until step S,
then a cosine to B: gan's `cosine(A -> B, from S)`), `lin:A:B`.
Prints one JSON object: the arguments, the final (modes, high quality %, reverse KL), where the
final samples lie (spread: median distance to the nearest mean, % within 0.1 and 0.3), the curve
at --evals and the seconds it took; a line starting with # at each of --evals.
"""
import argparse
import copy
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--data", choices=["ring", "grid"], default="ring")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--steps", type=int, default=5000)
parser.add_argument("--batch", type=int, default=128)
parser.add_argument("--latent", type=int, default=64)
parser.add_argument("--g", default="128,128", help="G's hidden widths")
parser.add_argument("--d", default="128,128", help="D's hidden widths")
parser.add_argument("--act", choices=["leaky", "relu"], default="leaky")
parser.add_argument("--gact", choices=["leaky", "relu"], help="G's activation (default: --act)")
parser.add_argument("--dact", choices=["leaky", "relu"], help="D's activation (default: --act)")
parser.add_argument("--gbn", action="store_true", help="batch norm after each hidden dense of G, before its activation (PacGAN's G)")
parser.add_argument("--glr", default="cos:1e-3:1e-5")
parser.add_argument("--dlr", default="const:3e-4")
parser.add_argument("--beta1", type=float, default=0.5)
parser.add_argument("--beta2", type=float, default=0.999)
parser.add_argument("--smooth", type=float, default=0.9, help="the real label (one-sided label smoothing)")
parser.add_argument("--r1", type=float, default=0.0, help="R1's gamma (0: no penalty)")
parser.add_argument("--pack", type=int, default=1, help="samples per pack (1: no packing)")
parser.add_argument("--pack-from", type=int, default=0, help="train with an unpacked D until this step, then with a fresh packed D (gan train --init-from RUN --init-networks generator)")
parser.add_argument("--mbstd", type=int, default=0, help="@gan/minibatch-stddev's group (0: none): D's last layer also reads the spread of each group")
parser.add_argument("--noise", default="", help="instance noise A:S: std A falling linearly to 0 at step S, on everything D sees (@gan/instance-noise { std: linear(A -> 0, until S) })")
parser.add_argument("--gscale", type=float, default=1.0, help="scale the initial weights of G's last dense by this factor: G's initial spread (about 0.7 to 1 with PacGAN's G) against the data's (2.8)")
parser.add_argument("--gp-until", type=int, default=0, help="WGAN-GP's lambda falls linearly to 0 at this step (0: constant; @gan/gp { lambda: linear(L -> 0, until S) })")
parser.add_argument("--gp-floor", type=float, default=0.0, help="with --gp-until: lambda falls to this value, not to 0 (@gan/gp { lambda: linear(L -> F, until S) })")
parser.add_argument("--ncritic", type=int, default=1)
parser.add_argument("--loss", choices=["ns", "hinge", "wgan", "ragan"], default="ns")
parser.add_argument("--gp", type=float, default=0.0, help="WGAN-GP's lambda (0: none): |grad D| pulled to 1 on points between real and fake (@gan/gp kind wgan-gp)")
parser.add_argument("--evals", default="", help="steps to measure at, comma-separated")
parser.add_argument("--plot", help="write the final generator's 2,500 samples (black) over the means (red) to this PNG")
parser.add_argument("--ema", type=float, default=0.0, help="also measure an average of G's weights with this decay (@gan/ema: batch norm's moving statistics taken from the trained G)")
parser.add_argument("--ema-from", type=int, default=0, help="with --ema: start the average at this step (use \"@gan/ema\" { decay: D } from S)")
parser.add_argument("--bn-momentum", type=float, default=0.9, help="G's batch norm momentum as gan writes it (the moving statistics keep this share a step; PyTorch's momentum is 1 minus it)")
parser.add_argument("--topk", default="", help="top-k training (Sinha et al. 2020) F:S: G's loss over only the fraction of the fakes D rates most real, falling linearly from 1 to F by step S (S 0: F throughout)")
args = parser.parse_args()
torch.set_num_threads(1)
torch.manual_seed(args.seed)

if args.data == "ring":  # examples/ring8.gan: data ring { modes: 8, radius: 2, std: 0.02 }
    angles = 2 * np.pi * np.arange(8) / 8
    means = np.stack([2 * np.cos(angles), 2 * np.sin(angles)], 1)
    std = 0.02
else:  # examples/grid25.gan: data grid { side: 5, spacing: 2, std: 0.05 }
    offsets = (np.arange(5) - 2) * 2.0
    means = np.array([[x, y] for x in offsets for y in offsets])
    std = 0.05
means_tensor = torch.tensor(means, dtype=torch.float32)


def real_batch(count):
    return means_tensor[torch.randint(0, len(means), (count,))] + std * torch.randn(count, 2)


def mlp(inputs, hidden, outputs, activation, batch_norm=False):
    layers = []
    for width in hidden:
        layers.append(nn.Linear(inputs, width))
        if batch_norm:  # @gan/batchnorm: momentum 0.9 by default (PyTorch's 0.1), epsilon 1e-5
            layers.append(nn.BatchNorm1d(width, momentum=1 - args.bn_momentum, eps=1e-5))
        layers.append(nn.LeakyReLU(0.2) if activation == "leaky" else nn.ReLU())
        inputs = width
    layers.append(nn.Linear(inputs, outputs))
    network = nn.Sequential(*layers)
    for layer in network:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return network


def widths(text):
    return [int(width) for width in text.split(",")]


generator = mlp(args.latent, widths(args.g), 2, args.gact or args.act, args.gbn)
if args.gscale != 1.0:
    generator[-1].weight.data.mul_(args.gscale)  # G's last dense scaled at init: its initial spread times gscale
class MinibatchStddev(nn.Module):
    """@gan/minibatch-stddev: in front of D's last layer, one more feature, the standard deviation of each feature
    over a group (samples s, s + M, ...; M = batch / group), averaged over the features."""

    def __init__(self, body, head_inputs):
        super().__init__()
        self.body, self.head = body, nn.Linear(head_inputs + 1, 1)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, inputs):
        features = self.body(inputs)
        group = min(args.mbstd, features.shape[0])
        grouped = features.reshape(group, -1, features.shape[1])  # [group, M, features]: s, s + M, ... share a column
        spread = (grouped.var(0, unbiased=False) + 1e-8).sqrt().mean(1)  # [M]
        return self.head(torch.cat([features, spread.repeat(group)[:, None]], 1))


def make_discriminator(pack):
    if args.mbstd == 0:
        return mlp(2 * pack, widths(args.d), 1, args.dact or args.act)
    body = mlp(2 * pack, widths(args.d)[:-1], widths(args.d)[-1], args.dact or args.act)
    return MinibatchStddev(nn.Sequential(*body, nn.LeakyReLU(0.2) if (args.dact or args.act) == "leaky" else nn.ReLU()), widths(args.d)[-1])


final_pack = args.pack
if args.pack_from > 0:
    args.pack = 1  # the first stage: D judges single samples
discriminator = make_discriminator(args.pack)


def schedule(text):
    kind, *values = text.split(":")
    values = [float(value) for value in values]
    if kind == "const":
        return lambda step: values[0]
    if kind == "cos":
        return lambda step: values[1] + (values[0] - values[1]) * 0.5 * (1 + math.cos(math.pi * min(step / args.steps, 1)))
    if kind == "cosfrom":  # cosfrom:A:B:S: A until step S, then a cosine to B at the end (cosine(A -> B, from S))
        return lambda step: values[0] if step < values[2] else values[1] + (values[0] - values[1]) * 0.5 * (1 + math.cos(math.pi * min((step - values[2]) / (args.steps - values[2]), 1)))
    if kind == "lin":
        return lambda step: values[0] + (values[1] - values[0]) * min(step / args.steps, 1)
    raise SystemExit(f"unknown schedule {text!r}: const:A, cos:A:B, cosfrom:A:B:S or lin:A:B")


g_lr, d_lr = schedule(args.glr), schedule(args.dlr)
g_optimizer = torch.optim.Adam(generator.parameters(), betas=(args.beta1, args.beta2), eps=1e-7)
d_optimizer = torch.optim.Adam(discriminator.parameters(), betas=(args.beta1, args.beta2), eps=1e-7)
averaged = copy.deepcopy(generator) if args.ema > 0 else None
eval_stream = torch.Generator().manual_seed(args.seed + 1000)


def noisy(samples, step):
    """@gan/instance-noise: Gaussian noise on D's inputs, its std falling linearly to 0."""
    if not args.noise:
        return samples
    start, until = (float(value) for value in args.noise.split(":"))
    std = start * max(0.0, 1 - step / until)
    return samples + std * torch.randn_like(samples) if std > 0 else samples


def top_k(fake_logits, step):
    """Top-k training: the ceil(fraction * count) fake logits D rates most real (the largest), the rest dropped
    from G's loss; the fraction falls linearly from 1 to F by step S."""
    final, until = (float(value) for value in args.topk.split(":"))
    fraction = final if until == 0 else 1 + (final - 1) * min(step / until, 1.0)
    k = math.ceil(fraction * fake_logits.shape[0])
    return fake_logits if k >= fake_logits.shape[0] else fake_logits.flatten().topk(k).values[:, None]


def packed(samples):
    """@gan/pack: m consecutive chunks of the batch side by side, pack p = samples p, p + n, ..."""
    if args.pack == 1:
        return samples
    n = samples.shape[0] // args.pack
    return torch.cat([samples[i * n:(i + 1) * n] for i in range(args.pack)], 1)


def generate(network, batch_statistics=False):
    """2,500 samples, batch norm with its moving statistics, as gan samples (or, with batch_statistics, with the
    statistics of these 2,500: what G would give if its moving statistics were exact)."""
    saved = copy.deepcopy(network.state_dict()) if batch_statistics else None
    if network is averaged:  # @gan/ema: the average's batch norms use the trained G's moving statistics
        for average, buffer in zip(averaged.buffers(), generator.buffers()):
            average.copy_(buffer)
    network.train(batch_statistics)
    with torch.no_grad():  # from their own stream, so that measuring does not change the training's draws
        samples = network(torch.randn(2500, args.latent, generator=eval_stream)).numpy()
    if batch_statistics:  # undo this pass's update of the moving statistics
        network.load_state_dict(saved)
    network.train()
    return samples


def squared_distances(network, batch_statistics=False):
    """2,500 samples' squared distances to every mean."""
    return ((generate(network, batch_statistics)[:, None, :] - means[None]) ** 2).sum(-1)


def spread(squared):
    """Where the samples lie: the median distance to the nearest mean, and the % within 0.1 and 0.3 of
    one (on the ring the data's median is 0.024; what lies beyond 0.3 is on the bridges between modes)."""
    nearest = np.sqrt(squared.min(1))
    return {"median": round(float(np.median(nearest)), 4), "within_0.1": round(float((nearest < 0.1).mean() * 100), 1),
            "within_0.3": round(float((nearest < 0.3).mean() * 100), 1)}


def evaluate(network, squared=None):
    """(modes captured, high quality %, reverse KL): gan eval's mixture metrics on 2,500 samples."""
    if squared is None:
        squared = squared_distances(network)
    high_quality = squared.min(1) < (3 * std) ** 2
    counts = np.bincount(squared.argmin(1)[high_quality], minlength=len(means))
    modes = int((counts > 0).sum())
    if high_quality.sum() == 0:
        return modes, 0.0, float("nan")
    shares = counts[counts > 0] / counts.sum()
    return modes, float(high_quality.mean() * 100), float((shares * np.log(shares * len(means))).sum())


def plot(network, path):
    """A 400x400 scatter of 2,500 samples over [-6, 6]^2 (PIL: the prototype needs no plotting library)."""
    from PIL import Image, ImageDraw

    samples = generate(network)
    image = Image.new("RGB", (400, 400), "white")
    draw = ImageDraw.Draw(image)
    pixel = lambda point: ((point[0] + 6) / 12 * 400, (6 - point[1]) / 12 * 400)
    for mean in means:
        x, y = pixel(mean)
        draw.ellipse((x - 4, y - 4, x + 4, y + 4), outline="red")
    for point in samples:
        x, y = pixel(point)
        draw.point((x, y), fill="black")
    image.save(path)


eval_steps = [int(step) for step in args.evals.split(",") if step]
started = time.time()
curve = []
for step in range(args.steps):
    if args.pack_from > 0 and step == args.pack_from:  # the second stage: a fresh packed D, G kept
        args.pack = final_pack
        discriminator = make_discriminator(args.pack)
        d_optimizer = torch.optim.Adam(discriminator.parameters(), betas=(args.beta1, args.beta2), eps=1e-7)
    for group in g_optimizer.param_groups:
        group["lr"] = g_lr(step)
    for group in d_optimizer.param_groups:
        group["lr"] = d_lr(step)
    for _ in range(args.ncritic):
        real = real_batch(args.batch).requires_grad_(args.r1 > 0)
        fake = generator(torch.randn(args.batch, args.latent)).detach()
        real_logits, fake_logits = discriminator(packed(noisy(real, step))), discriminator(packed(noisy(fake, step)))
        if args.loss == "ns":
            d_loss = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, args.smooth)) + F.binary_cross_entropy_with_logits(
                fake_logits, torch.zeros_like(fake_logits)
            )
        elif args.loss == "ragan":  # relativistic average (loss ragan): each side against the other side's mean logit
            d_loss = F.binary_cross_entropy_with_logits(real_logits - fake_logits.mean(), torch.ones_like(real_logits)) + F.binary_cross_entropy_with_logits(
                fake_logits - real_logits.mean(), torch.zeros_like(fake_logits)
            )
        elif args.loss == "hinge":
            d_loss = F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
        else:
            d_loss = fake_logits.mean() - real_logits.mean()
        if args.gp > 0:
            mix = torch.rand(real.shape[0], 1)
            between = (mix * real.detach() + (1 - mix) * fake).requires_grad_(True)
            (gradient,) = torch.autograd.grad(discriminator(packed(between)).sum(), between, create_graph=True)
            norms = gradient.norm(dim=1)  # per sample (runs with --gp use no packs)
            weight = args.gp_floor + (args.gp - args.gp_floor) * max(0.0, 1 - step / args.gp_until) if args.gp_until > 0 else args.gp
            d_loss = d_loss + weight * ((norms - 1) ** 2).mean()
        if args.r1 > 0:
            # gamma / 2 * mean over packs of |grad|^2 over the pack's values.
            (gradient,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
            d_loss = d_loss + args.r1 / 2 * gradient.pow(2).sum() / real_logits.shape[0]
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
    fake_logits = discriminator(packed(noisy(generator(torch.randn(args.batch, args.latent)), step)))
    if args.topk:
        fake_logits = top_k(fake_logits, step)
    if args.loss == "ns":
        g_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    elif args.loss == "ragan":
        real_logits = discriminator(packed(noisy(real_batch(args.batch), step)))
        g_loss = F.binary_cross_entropy_with_logits(fake_logits - real_logits.mean(), torch.ones_like(fake_logits)) + F.binary_cross_entropy_with_logits(
            real_logits - fake_logits.mean(), torch.zeros_like(real_logits)
        )
    else:
        g_loss = -fake_logits.mean()
    g_optimizer.zero_grad()
    g_loss.backward()
    g_optimizer.step()
    if averaged is not None and step == args.ema_from:  # @gan/ema starts from the weights after its first update
        averaged.load_state_dict(generator.state_dict())
    elif averaged is not None and step > args.ema_from:
        with torch.no_grad():
            for average, weight in zip(averaged.parameters(), generator.parameters()):
                average.mul_(args.ema).add_(weight, alpha=1 - args.ema)
    if step + 1 in eval_steps:
        squared = squared_distances(generator)
        curve.append((step + 1, evaluate(generator, squared)))
        if averaged is not None:
            curve[-1] = curve[-1] + (evaluate(averaged),)
        print("#", step + 1, *curve[-1][1:], spread(squared), round(time.time() - started), flush=True)
squared = squared_distances(generator)
result = {"args": vars(args), "final": evaluate(generator, squared), "spread": spread(squared), "curve": curve, "s": round(time.time() - started, 1)}
if args.plot:
    plot(generator, args.plot)
if averaged is not None:
    result["ema"] = evaluate(averaged)
if args.gbn:  # the same G with exact batch statistics: how much the moving statistics cost
    result["batch_statistics"] = evaluate(generator, squared_distances(generator, batch_statistics=True))
print(json.dumps(result))
