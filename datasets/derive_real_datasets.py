#!/usr/bin/env python3
"""Derives the shipped real sweeps from their public sources (see each card for licence and provenance).

    python3 datasets/derive_real_datasets.py SOURCE_DIR

SOURCE_DIR holds clark2022_routing/curves.csv (google-deepmind/scaling_laws_for_routing, data/curves.csv.gz
unzipped) and openathena_isoflops/isoflops.csv (Open-Athena/scaling-law-analysis,
data/isoflops/extract/isoflops.csv). Standard library only; the output is deterministic.
"""
import csv
import os
import sys


def clark(source, out):
    rows = list(csv.DictReader(open(source, newline="")))
    last = {}
    for r in rows:  # the laws use each run's final evaluation
        h = r["hyper_id"]
        if h not in last or int(r["step"]) > int(last[h]["step"]):
            last[h] = r

    def group(r):  # the paper's main sweep and its three ablations
        if r["routing_frequency"] != "0.5":
            return "routing_frequency"
        if r["k"] != "1":
            return "k"
        if r["seed"] != "42":
            return "seed"
        return "main"

    columns = ["hyper_id", "group", "router_type", "model_size_label", "params", "active_params", "experts",
               "active_experts", "k_as_published", "d_model", "n_layers", "n_heads", "kqv_size", "flop_increase",
               "routing_frequency", "seed", "step", "flops_per_step", "loss", "loss_c4", "loss_curation_corpus",
               "loss_lambada", "loss_pile", "loss_wikitext103"]
    renamed = {"params": "total_parameter_count", "active_params": "dense_parameter_count",
               "experts": "num_experts", "n_layers": "num_blocks", "n_heads": "num_heads",
               "loss": "loss_validation", "k_as_published": "k"}
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for h in sorted(last, key=int):
            r = last[h]
            row = []
            for c in columns:
                if c == "group":
                    row.append(group(r))
                elif c == "active_experts":
                    # Dense rows' k widens the FFN to match k experts' compute: one "expert", always active.
                    row.append("1" if r["router_type"] == "Dense" else r["k"])
                else:
                    row.append(r[renamed.get(c, c)])
            w.writerow(row)
    return len(last)


def marin(source, out):
    rows = [r for r in csv.DictReader(open(source, newline="")) if r["source"].startswith("marin")]
    columns = ["source", "corpus", "model", "params", "tokens", "budget", "loss"]
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([r["source"], r["dataset"], r["model"], r["params"], r["tokens"], r["budget"], r["loss"]])
    return len(rows)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    n = clark(os.path.join(sys.argv[1], "clark2022_routing", "curves.csv"),
              os.path.join(here, "clark2022_routing.csv"))
    m = marin(os.path.join(sys.argv[1], "openathena_isoflops", "isoflops.csv"),
              os.path.join(here, "marin_isoflops.csv"))
    print(f"clark2022_routing.csv: {n} runs; marin_isoflops.csv: {m} runs")
