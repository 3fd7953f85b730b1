#!/usr/bin/env python3
"""How far DRS evens out a 2-D mixture's modes: per mode, its log acceptance against G's mode weight.

    python3 bench/drs_mode_acceptance.py G_EVAL.json DRS_EVAL.json

G_EVAL.json is `gan eval RUN -n 25000`'s eval.json (G alone, many samples: its mode weights w_k),
DRS_EVAL.json a `gan eval RUN --drs ...` of the same run (counts c_k). log(c_k / w_k) is DRS's log
acceptance of mode k up to a constant; exact rejection sampling towards evenly filled modes gives
it a slope of -1 against log w_k and no scatter. Prints the least-squares slope over the modes and
the residual standard deviation (which includes the sampling noise of c_k, about 1 / sqrt(c_k)).
Used for bench/QUALITY.md, "DRS that evens out the modes".
"""
import json
import math
import sys


def fit(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sxx
    residuals = [b - (my + slope * (a - mx)) for a, b in zip(x, y)]
    return slope, math.sqrt(sum(r * r for r in residuals) / (n - 2))


def main(g_path, drs_path):
    g = json.load(open(g_path))["metrics"]["counts"]
    d = json.load(open(drs_path))["metrics"]["counts"]
    k = len(g)
    log_weight = [math.log(c / sum(g) * k) for c in g]
    # An empty mode after DRS counts as half a sample, so that its log is finite.
    log_acceptance = [math.log(max(c, 0.5) / sum(d) * k) - lw for c, lw in zip(d, log_weight)]
    slope, sd = fit(log_weight, log_acceptance)
    print(f"slope {slope:+.2f} (exact rejection: -1), residual sd {sd:.2f}")
    for i, (a, b) in enumerate(zip(g, d)):
        print(f"mode {i:2d}: G {a / sum(g):6.2%}  DRS {b / sum(d):6.2%}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
