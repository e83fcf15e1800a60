#!/usr/bin/env python3
"""A calibration sweep trained across short leases of a machine that sees neither the sweep's folder nor the
network (issue 31): `moescope-cli run-sweep PLAN --out DIR --lease-jobs JOBS.json` lists the runs that can
train now; on the lent machine `train` trains as many of them as fit before its deadline and packs their
results into one archive; back here `collect` unpacks it into DIR, and the next --lease-jobs lists what is
left (runs whose learning rate waits for a ladder among them).

  sweep_lease.py train JOBS.json --trainer T --work DIR --pack OUT.tar.gz [--data F] [--tokenizer F]
                 [--device D] [--threads N] [--deadline SECONDS] [--max-runs N]
  sweep_lease.py collect PACK.tar.gz --into DIR

Both files are untrusted: a job list or pack that is malformed, names a path outside its folder or asks
for options the lease sets itself is refused as a whole (exit 2) with the file and the job or member.
`train` exits 1 when a run failed (its events say why; the pack still holds every run that finished).
Trainers are started with argument vectors, never through a shell.
"""
import argparse
import io
import json
import math
import os
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

PACKED = ("result.json", "runs.csv", "events.jsonl")
# The names MoEScope writes itself inside a sweep's folder (core/io/PathNames.cpp's list).
RESERVED = {"plan.json", "runs.csv", "result.json", "events.jsonl", "checkpoint.pt", "config.json", "tokens.bin",
            "sp.model", "trainer.lock", "runs.csv.tmp", "checkpoint.pt.tmp"}


def path_name(name):
    """Whether a run's name can be a folder of the sweep: checkPathName's rule (core/io/PathNames.cpp)."""
    return (isinstance(name, str) and 0 < len(name.encode("utf-8")) <= 128 and name[0] not in "-."
            and not any(ord(c) < 0x20 or ord(c) == 0x7F or c in "/\\" for c in name) and name not in RESERVED)
# What the lease sets itself, and what would reach outside the run's folder.
LEASE_OPTIONS = {"--data", "--tokenizer", "--device", "--threads", "--resume", "--branch-from", "--out"}
MAX_JOBS_BYTES = 8 << 20
MAX_PACK_MEMBER = 64 << 20
MAX_PACK_TOTAL = 1 << 30  # what collect holds in memory before it writes anything
PACK_LIMIT = 15 << 20  # what comes back from a lease: 16 MiB a file


class Refused(Exception):
    pass


def read_jobs(path):
    try:
        size = os.path.getsize(path)
        if size > MAX_JOBS_BYTES:
            raise Refused(f"{path}: {size} bytes, more than a job list holds ({MAX_JOBS_BYTES})")
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise Refused(f"{path}: cannot be read: {e}")
    except (json.JSONDecodeError, RecursionError) as e:
        raise Refused(f"{path}: not JSON: {e}")
    if not isinstance(doc, dict) or doc.get("format") != "moescope-lease-jobs" or doc.get("version") != 1:
        raise Refused(f"{path}: not a lease job list (format moescope-lease-jobs, version 1)")
    jobs = doc.get("jobs")
    if not isinstance(jobs, list) or len(jobs) > 10000:
        raise Refused(f"{path}: field 'jobs' must be a list of at most 10000 runs")
    seen = set()
    for i, job in enumerate(jobs):
        where = f"{path}: job {i + 1}"
        if not isinstance(job, dict):
            raise Refused(f"{where}: not an object")
        name = job.get("name")
        if not path_name(name):
            raise Refused(f"{where}: field 'name' is not a folder name (no separator or control character, "
                          "not starting with '-' or '.', at most 128 bytes)")
        if name in seen:
            raise Refused(f"{where}: field 'name': '{name}' appears twice")
        seen.add(name)
        flops = job.get("flops")
        if isinstance(flops, bool) or not isinstance(flops, (int, float)) or not math.isfinite(flops) or flops < 0:
            raise Refused(f"{where} ({name}): field 'flops' must be a non-negative number")
        args = job.get("args")
        if not isinstance(args, list) or len(args) > 256 or not all(isinstance(a, str) for a in args):
            raise Refused(f"{where} ({name}): field 'args' must be a list of at most 256 strings")
        for a in args:
            if len(a) > 1000 or any(ord(c) < 0x20 or ord(c) == 0x7F for c in a):
                raise Refused(f"{where} ({name}): field 'args': an argument is too long or holds a control "
                              "character")
        outs = [k for k, a in enumerate(args) if a == "--out"]
        if len(outs) != 1 or outs[0] + 1 >= len(args) or args[outs[0] + 1] != "./" + name:
            raise Refused(f"{where} ({name}): field 'args' must hold '--out ./{name}' once")
        rest = args[: outs[0]] + args[outs[0] + 2:]
        for a in rest:
            if a.split("=", 1)[0] in LEASE_OPTIONS:
                raise Refused(f"{where} ({name}): field 'args': {a.split('=', 1)[0]} is set by the lease")
    return jobs


def result_of(run_dir):
    try:
        with open(os.path.join(run_dir, "result.json"), encoding="utf-8") as f:
            r = json.load(f)
        return r if isinstance(r, dict) else None
    except (OSError, ValueError, RecursionError):
        return None


def stop(proc):
    """The trainer checkpoints and exits on SIGTERM; a trainer that does not is killed."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def pack(work, names, path):
    """The finished runs' small files, events last to go when the pack would not come back."""
    chosen = []
    for name in names:
        d = os.path.join(work, name)
        if result_of(d) is None:
            continue
        for f in PACKED:
            p = os.path.join(d, f)
            if os.path.isfile(p) and not os.path.islink(p):
                chosen.append((name, f, p))
    for with_events in (True, False):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for name, f, p in chosen:
                if f == "events.jsonl" and not with_events:
                    continue
                tar.add(p, arcname=f"{name}/{f}", recursive=False)
        if buf.tell() <= PACK_LIMIT or not with_events:
            break
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".pack-")
    with os.fdopen(fd, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)
    return len({n for n, _, _ in chosen}), with_events


def train(opts):
    jobs = read_jobs(opts.jobs)
    # The trainer runs in the lease's folder: a path relative to here would name nothing there.
    trainer = os.path.abspath(opts.trainer)
    if not (os.path.isfile(trainer) and os.access(trainer, os.X_OK)):
        raise Refused(f"option --trainer: {opts.trainer} is not an executable file")
    os.makedirs(opts.work, exist_ok=True)
    extra = []
    for flag, value in (("--data", opts.data), ("--tokenizer", opts.tokenizer), ("--device", opts.device),
                        ("--threads", opts.threads)):
        if value is not None:
            extra += [flag, os.path.abspath(value) if flag in ("--data", "--tokenizer") else str(value)]
    start = time.monotonic()
    trained_flops = trained_seconds = 0.0
    trained = failed = failed_in_a_row = 0
    names = [j["name"] for j in jobs]
    for i, job in enumerate(jobs):
        name = job["name"]
        run_dir = os.path.join(opts.work, name)
        if result_of(run_dir) is not None:
            continue
        if opts.max_runs is not None and trained >= opts.max_runs:
            break
        left = opts.deadline - (time.monotonic() - start) if opts.deadline is not None else None
        if left is not None:
            rate = trained_flops / trained_seconds if trained_seconds > 0 else 0
            need = job["flops"] / rate * 1.15 + 10 if rate > 0 else 30
            if need > left:
                print(f"[{i + 1}/{len(jobs)}] {name}: needs ~{need:.0f} s, {left:.0f} s left; for the next lease",
                      flush=True)
                continue
        os.makedirs(run_dir, exist_ok=True)
        print(f"[{i + 1}/{len(jobs)}] {name}", flush=True)
        t0 = time.monotonic()
        with open(os.path.join(run_dir, "events.jsonl"), "ab") as log:
            proc = subprocess.Popen([trainer] + job["args"] + extra, cwd=opts.work, stdout=log,
                                    stderr=subprocess.STDOUT)
            try:
                rc = proc.wait(timeout=max(1.0, left) if left is not None else None)
            except subprocess.TimeoutExpired:
                stop(proc)
                print(f"  stopped at the lease's deadline; trained from scratch in the next", flush=True)
                break
        seconds = time.monotonic() - t0
        result = result_of(run_dir)
        if result is not None:  # trained to its end (a diverged run writes its result too, and exits 1)
            trained += 1
            trained_flops += job["flops"]
            trained_seconds += seconds
            print(f"  {'done' if rc == 0 else f'ended (exit {rc})'}: loss {result.get('loss')} in {seconds:.1f} s",
                  flush=True)
            failed_in_a_row = 0
        else:
            print(f"  failed (exit {rc}); see {run_dir}/events.jsonl", flush=True)
            failed += 1
            failed_in_a_row += 1
            if failed_in_a_row == 2:  # a build or an option every run shares: the lease's time is better kept
                print("  two runs in a row failed: no more runs in this lease", flush=True)
                break
    packed, with_events = pack(opts.work, names, opts.pack)
    unfinished = sum(result_of(os.path.join(opts.work, n)) is None for n in names)
    print(f"{opts.pack}: {packed} finished run(s) packed{'' if with_events else ' (without their events: too large)'}; "
          f"{trained} trained in this lease, {unfinished} left for the next", flush=True)
    return 1 if failed else 0  # the pack holds what did finish either way


def collect(opts):
    members, total = [], 0
    try:
        with tarfile.open(opts.pack, mode="r:gz") as tar:
            for m in tar:
                if len(members) >= 30000:
                    raise Refused(f"{opts.pack}: more members than a sweep's pack holds")
                parts = m.name.split("/")
                if (not m.isfile() or len(parts) != 2 or not path_name(parts[0]) or parts[1] not in PACKED
                        or m.size > MAX_PACK_MEMBER):
                    raise Refused(f"{opts.pack}: member '{m.name}' is not a run's result, table or events "
                                  "(NAME/result.json, NAME/runs.csv, NAME/events.jsonl, at most 64 MiB)")
                total += m.size
                if total > MAX_PACK_TOTAL:
                    raise Refused(f"{opts.pack}: more than {MAX_PACK_TOTAL >> 20} MiB of results; refused")
                members.append((parts[0], parts[1], tar.extractfile(m).read()))
    except (OSError, tarfile.TarError, EOFError) as e:
        raise Refused(f"{opts.pack}: not a readable pack: {e}")
    into = os.path.realpath(opts.into)
    os.makedirs(into, exist_ok=True)
    names = sorted({n for n, _, _ in members})
    added = kept = 0
    for name in names:
        run_dir = os.path.join(into, name)
        if os.path.islink(run_dir) or os.path.dirname(os.path.realpath(run_dir)) != into:
            raise Refused(f"{run_dir}: a link out of {opts.into}; refused")
        if result_of(run_dir) is not None:
            kept += 1  # never overwrite a run trained already
            continue
        if not any(n == name and f == "result.json" for n, f, _ in members):
            continue
        os.makedirs(run_dir, exist_ok=True)
        # The result last, so a run is never seen as done without its table.
        for n, f, data in sorted((m for m in members if m[0] == name), key=lambda m: m[1] == "result.json"):
            fd, tmp = tempfile.mkstemp(dir=run_dir, prefix=".in-")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, os.path.join(run_dir, f))
        added += 1
    print(f"{opts.into}: {added} run(s) added from {opts.pack}, {kept} already there (kept)")
    return 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="verb", required=True)
    t = sub.add_parser("train")
    t.add_argument("jobs")
    t.add_argument("--trainer", required=True)
    t.add_argument("--work", required=True)
    t.add_argument("--pack", required=True)
    t.add_argument("--data")
    t.add_argument("--tokenizer")
    t.add_argument("--device")
    t.add_argument("--threads", type=int)
    t.add_argument("--deadline", type=float, help="seconds from now after which no run is left training")
    t.add_argument("--max-runs", type=int)
    c = sub.add_parser("collect")
    c.add_argument("pack")
    c.add_argument("--into", required=True)
    opts = p.parse_args(argv)
    try:
        return train(opts) if opts.verb == "train" else collect(opts)
    except Refused as e:
        print(e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
