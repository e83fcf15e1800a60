#!/usr/bin/env python3
"""Turns the tagged Brown Corpus files (word/TAG tokens) into plain running text, one paragraph a line.

Usage: strip-brown-tags.py PACKAGE_DIR OUT_FILE
Files are taken in name order (ca01 .. cr09) so the corpus, and the trainer's held-out split, are reproducible.
"""
import os
import re
import sys

NO_SPACE_BEFORE = {".", ",", ";", ":", "?", "!", ")", "'s", "n't", "''"}
NO_SPACE_AFTER = {"(", "``"}


def detag(token):
    word, _, _tag = token.rpartition("/")
    return word or token


def join(words):
    out = []
    prev = None
    for w in words:
        if prev is not None and w not in NO_SPACE_BEFORE and prev not in NO_SPACE_AFTER:
            out.append(" ")
        out.append('"' if w in ("``", "''") else w)
        prev = w
    return "".join(out)


def main(src, dst):
    names = sorted(n for n in os.listdir(src) if re.fullmatch(r"c[a-r]\d\d", n))
    if not names:
        sys.exit(f"strip-brown-tags: no corpus files in {src}")
    with open(dst, "w", encoding="utf-8") as out:
        for name in names:
            with open(os.path.join(src, name), encoding="latin-1") as f:
                for line in f:
                    tokens = line.split()
                    if tokens:
                        out.write(join(detag(t) for t in tokens) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
