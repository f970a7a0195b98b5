#!/usr/bin/env python3
"""Cost model (on paper) of valley's distributed IS and heat updates for
R = 1 … 256 ranks on 10 Gb/s Ethernet and on InfiniBand (docs/DISTRIBUTED.md).

Usage: scripts/distributed_cost_model.py T_SAMPLE T_DRAW OUT_DIR
  T_SAMPLE  seconds of one IS sample on one thread (measured: benchmark's
            R=1 seconds per update / J)
  T_DRAW    seconds of one heat draw's gradient parts on one thread
            (measured: R=1 seconds per update / (M·J))
Prints a Markdown table; writes OUT_DIR/cost_model.dat and cost_model.gp
(run `gnuplot cost_model.gp` there for cost_model.png).

The model follows the implementation:
  IS   T(R) = ceil(S/R)·(J/S)·t_s              compute, S = min(⌈J/16⌉, 256) shards
            + (R−1)·(α + nβ)                    the ordered hand-on of the running total
            + (S − ceil(S/R))·t_fold            folds of the held shards along the chain
            + ceil(log2 R)·(α + nβ)             broadcast of the total (binomial tree)
  heat T(R) = J_rm·[ ceil(M/R)·t_d              compute of a rank's draws
            + (R−1)·α + (R−1)/R·M·p·β ]         all-gather of the draws' parts (ring)
with n = 4d bytes (d = 159,010 for 784-200-10), p = 4·(B·n1 + d − 784·n1 − n1)
bytes per draw (B = 20, n1 = 200), t_fold = d·1 ns.
"""
import math
import os
import sys

D = 159_010
N_BYTES = 4 * D
P_BYTES = 4 * (20 * 200 + D - 784 * 200 - 200)
T_FOLD = D * 1e-9
NETWORKS = {  # α (s), β (s/byte): assumed, typical MPI figures, not measured here
    "10GbE": (30e-6, 1 / 1.1e9),
    "IB-HDR": (1.5e-6, 1 / 23e9),
}
RANKS = [1, 2, 4, 8, 16, 32, 64, 128, 256]


def is_time(j, r, t_s, net):
    alpha, beta = net
    shards = min(math.ceil(j / 16), 256)
    per_rank = math.ceil(shards / r)
    compute = per_rank * (j / shards) * t_s
    if r == 1:
        return compute, 0.0
    comm = (r - 1) * (alpha + N_BYTES * beta) + (shards - per_rank) * T_FOLD
    comm += math.ceil(math.log2(r)) * (alpha + N_BYTES * beta)
    return compute, comm


def heat_time(m, j_rm, r, t_d, net):
    alpha, beta = net
    compute = j_rm * math.ceil(m / r) * t_d
    comm = 0.0 if r == 1 else j_rm * ((r - 1) * alpha + (r - 1) / r * m * P_BYTES * beta)
    return compute, comm


def main():
    t_s, t_d, out = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    os.makedirs(out, exist_ok=True)
    cases = [("IS J=1000", lambda r, n: is_time(1000, r, t_s, n)),
             ("IS J=100000", lambda r, n: is_time(100_000, r, t_s, n)),
             ("heat M=J=30", lambda r, n: heat_time(30, 30, r, t_d, n))]
    print("| case | network | " + " | ".join(f"R={r}" for r in RANKS) + " |")
    print("|---|---|" + "---|" * len(RANKS))
    rows = []
    for name, model in cases:
        for net_name, net in NETWORKS.items():
            serial = sum(model(1, net))
            cells = []
            for r in RANKS:
                compute, comm = model(r, net)
                total = compute + comm
                eff = serial / (r * total)
                mark = "*" if comm > compute else ""
                cells.append(f"{total:.3g} s ({eff:.0%}){mark}")
                rows.append((name, net_name, r, total, eff))
            print(f"| {name} | {net_name} | " + " | ".join(cells) + " |")
    with open(os.path.join(out, "cost_model.dat"), "w") as f:
        blocks = {}
        for name, net_name, r, total, eff in rows:
            blocks.setdefault(f"{name}, {net_name}", []).append((r, total, eff))
        for key, values in blocks.items():
            f.write(f'"{key}"\n')
            for r, total, eff in values:
                f.write(f"{r} {total:.6g} {eff:.6g}\n")
            f.write("\n\n")
    with open(os.path.join(out, "cost_model.gp"), "w") as f:
        f.write('set terminal pngcairo size 900,500\nset output "cost_model.png"\n'
                'set logscale x 2\nset xlabel "ranks R"\nset ylabel "parallel efficiency T(1)/(R T(R))"\n'
                'set yrange [0:1.05]\nset key outside right\nset grid\n'
                f'plot for [i=0:{len(blocks) - 1}] "cost_model.dat" index i using 1:3 with linespoints title columnheader(1)\n')


if __name__ == "__main__":
    main()
