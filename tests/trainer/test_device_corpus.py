#!/usr/bin/env python3
"""scripts/device_corpus.py, which builds the CUDA sweep's corpus on the lent machine: the file order is fixed
by each path's hash and repeats, the tokens are the tokenizer's encoding of those files in that order with
an end-of-text id after each, and --max-tokens stops it. Exits 77 (skipped) without Python's sentencepiece.
Usage: test_device_corpus.py MOESCOPE_CLI SOURCE_DIR"""
import array
import hashlib
import os
import subprocess
import sys
import tempfile

try:
    import sentencepiece
except ImportError:
    # Debian's python3-sentencepiece serves /usr/bin/python3; another interpreter may be first on the path.
    if os.path.exists("/usr/bin/python3") and not os.environ.get("MOESCOPE_CORPUS_TEST_REEXEC") \
            and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.environ["MOESCOPE_CORPUS_TEST_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("test_device_corpus: skipped: no sentencepiece for Python")
    sys.exit(77)

cli, source = sys.argv[1], sys.argv[2]
script = os.path.join(source, "scripts", "device_corpus.py")
failures = []


def check(ok, what):
    print(f"test_device_corpus: {what}: {'ok' if ok else 'FAILED'}")
    if not ok:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    text = os.path.join(tmp, "text.txt")
    with open(text, "w") as f:
        for name in sorted(os.listdir(os.path.join(source, "scripts"))):
            if name.endswith(".py"):
                f.write(open(os.path.join(source, "scripts", name)).read())
    subprocess.run([cli, "tokenize", text, "--vocab", "400", "--out", tmp], check=True, stdout=subprocess.DEVNULL)
    model = os.path.join(tmp, "sp.model")
    sp = sentencepiece.SentencePieceProcessor(model_file=model)

    def listing():
        r = subprocess.run([sys.executable, script, "--model", model, "--out", "-", "--list"], check=True,
                           capture_output=True, text=True)
        return [line.split("\t") for line in r.stdout.splitlines()]

    first = listing()
    check(len(first) > 10 and first == listing(), "the file list repeats")
    hashes = [hashlib.sha256(k.encode()).hexdigest() for k, _ in first]
    check(hashes == sorted(hashes), "files come in the order of their keys' hashes")

    out = os.path.join(tmp, "tokens.bin")
    subprocess.run([sys.executable, script, "--model", model, "--out", out, "--manifest",
                    os.path.join(tmp, "m.json"), "--max-tokens", "20000", "--workers", "2"], check=True,
                   stdout=subprocess.DEVNULL)
    tokens = array.array("H")
    with open(out, "rb") as f:
        tokens.frombytes(f.read())
    check(len(tokens) >= 20000, f"--max-tokens 20000 reached ({len(tokens)} tokens)")
    check(max(tokens) < sp.get_piece_size(), "every id lies in the vocabulary")
    # The first readable files, in order, each followed by the end-of-text id.
    expected = []
    for _, path in first:
        try:
            body = open(path, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError):
            continue
        expected += sp.encode(body) + [sp.eos_id()]
        if len(expected) >= 5000:
            break
    check(list(tokens[: len(expected)]) == expected, "the tokens are the listed files' encodings in order")

sys.exit(1 if failures else 0)
