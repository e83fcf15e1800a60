#!/usr/bin/env python3
"""The corpus of issue 31's CUDA calibration sweep, built where it trains. The lent machine reaches no network
and takes at most 64 MiB of files, far less text than runs of 1e15-1e17 FLOPs read; but it holds hundreds of
megabytes of openly licensed text of its own: the Python source of its standard library and of its
permissively licensed packages. This script gathers those files (their order fixed by a hash of each path, so
the trainer's held-out tail is a sample of all of them, not the last package), encodes them with the BPE model
`moescope-cli tokenize` trained here, and writes the uint16 tokens `moescope-train --data` reads, with a
manifest (package versions, files, bytes, tokens) for the dataset card.

  device_corpus.py --model SP.model --out TOKENS.bin [--manifest M.json] [--max-tokens N] [--workers N]
                   [--list]   (--list: print each file it would read, key and path, and the manifest; encode
                               nothing)
"""
import argparse
import hashlib
import importlib.metadata as md
import json
import multiprocessing
import os
import sys
import sysconfig

# Packages whose source is read, with their licence (as each package states it); anything else is left out.
PERMISSIVE = {
    "torch": "BSD-3-Clause", "numpy": "BSD-3-Clause", "scipy": "BSD-3-Clause", "pandas": "BSD-3-Clause",
    "scikit-learn": "BSD-3-Clause", "sympy": "BSD-3-Clause", "networkx": "BSD-3-Clause",
    "matplotlib": "PSF-based (matplotlib licence)", "transformers": "Apache-2.0", "jax": "Apache-2.0",
    "flax": "Apache-2.0", "optax": "Apache-2.0", "torchvision": "BSD-3-Clause", "torchaudio": "BSD-2-Clause",
    "statsmodels": "BSD-3-Clause", "scikit-image": "BSD-3-Clause", "xarray": "Apache-2.0",
    "requests": "Apache-2.0", "rich": "MIT", "pygments": "BSD-2-Clause", "sentence-transformers": "Apache-2.0",
    "accelerate": "Apache-2.0", "peft": "Apache-2.0", "timm": "Apache-2.0", "lightning": "Apache-2.0",
    "pytorch-lightning": "Apache-2.0", "torchmetrics": "Apache-2.0", "botorch": "MIT", "gpytorch": "MIT",
    "numpyro": "Apache-2.0", "equinox": "Apache-2.0", "diffrax": "Apache-2.0", "seaborn": "BSD-3-Clause",
    "h5py": "BSD-3-Clause", "pillow": "MIT-CMU (HPND)", "setuptools": "MIT", "pip": "MIT",
}
MAX_FILE = 1 << 20  # larger .py files are generated tables, not prose or code


def gather():
    """(key, path) of every file read, and the manifest's packages."""
    files, packages = [], {}
    stdlib = sysconfig.get_paths()["stdlib"]
    for root, dirs, names in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "dist-packages", "__pycache__"))
        for n in names:
            if n.endswith(".py"):
                p = os.path.join(root, n)
                files.append(("python/" + os.path.relpath(p, stdlib), p))
    packages["python"] = {"version": sys.version.split()[0], "licence": "PSF-2.0"}
    for dist in md.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name not in PERMISSIVE or name in packages:
            continue
        packages[name] = {"version": dist.version, "licence": PERMISSIVE[name]}
        for f in dist.files or []:
            if str(f).endswith(".py"):
                files.append((f"{name}/{f}", str(dist.locate_file(f))))
    keyed = []
    for key, p in files:
        try:
            if 0 < os.path.getsize(p) <= MAX_FILE:
                keyed.append((hashlib.sha256(key.encode()).hexdigest(), key, p))
        except OSError:
            pass
    keyed.sort()
    return [(k, p) for _, k, p in keyed], packages


_sp = None


def _encode(args):
    model, path = args
    global _sp
    if _sp is None:
        import sentencepiece
        _sp = sentencepiece.SentencePieceProcessor(model_file=model)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    ids = _sp.encode(text)
    eos = _sp.eos_id()
    return ids + [eos] if eos >= 0 else ids


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--manifest")
    p.add_argument("--max-tokens", type=float, default=float("inf"))
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--list", action="store_true")
    o = p.parse_args(argv)
    files, packages = gather()
    manifest = {"packages": packages, "files": len(files),
                "bytes": sum(os.path.getsize(f) for _, f in files),
                "list_sha256": hashlib.sha256("\n".join(k for k, _ in files).encode()).hexdigest()}
    if o.list:
        for k, f in files:
            print(f"{k}\t{f}")
        print(json.dumps(manifest), file=sys.stderr)
        return 0
    import array
    tokens = array.array("H")
    used = 0
    with multiprocessing.Pool(max(1, o.workers)) as pool:
        for ids in pool.imap(_encode, ((o.model, f) for _, f in files), chunksize=16):
            if ids is None:
                continue
            if max(ids, default=0) > 65535:
                print(f"{o.model}: token ids beyond uint16", file=sys.stderr)
                return 2
            tokens.extend(ids)
            used += 1
            if len(tokens) >= o.max_tokens:
                pool.terminate()
                break
    tmp = o.out + ".tmp"
    with open(tmp, "wb") as f:
        tokens.tofile(f)
    os.replace(tmp, o.out)
    manifest.update({"files_read": used, "tokens": len(tokens)})
    print(json.dumps(manifest))
    if o.manifest:
        with open(o.manifest, "w") as f:
            json.dump(manifest, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
