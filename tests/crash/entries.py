#!/usr/bin/env python3
"""Print a digest of the deterministic fields of sealed entries.

usage: entries.py TRAILSEAL STORE N...
For each N, runs `TRAILSEAL --store STORE prove --index N`, decodes the
proof's `extra` line (base64 of the entry's CBOR, schemas/entry.cddl) and
prints "N SHA256" over the fields that do not depend on the store or the
moment of sealing: seq (2), source_key (3), position (4), line (5),
format (7) and record (8). store_id (1), observed_us (6) and the random
salt (9) are left out. Prints "N ERROR reason" when an entry cannot be
read or decoded. Exit 0 unless the arguments are wrong."""
import base64
import hashlib
import subprocess
import sys


class Bad(Exception):
    pass


def head(b, i):
    """Returns (major type, argument, next offset) of the CBOR item at i."""
    if i >= len(b):
        raise Bad("truncated")
    ib = b[i]
    major, ai = ib >> 5, ib & 0x1F
    i += 1
    if ai < 24:
        return major, ai, i
    n = {24: 1, 25: 2, 26: 4, 27: 8}.get(ai)
    if n is None:
        raise Bad("indefinite or reserved length")
    if i + n > len(b):
        raise Bad("truncated")
    return major, int.from_bytes(b[i:i + n], "big"), i + n


def decode_entry(b):
    major, n, i = head(b, 0)
    if major != 5 or n != 9:
        raise Bad("not a map of 9 keys")
    fields = {}
    for want in range(1, 10):
        major, key, i = head(b, i)
        if major != 0 or key != want:
            raise Bad("key %d where %d was expected" % (key, want))
        major, arg, i = head(b, i)
        if major in (2, 3):
            if i + arg > len(b):
                raise Bad("truncated string")
            fields[key] = (major, b[i:i + arg])
            i += arg
        elif major in (0, 1):
            fields[key] = (major, arg)
        else:
            raise Bad("unexpected type %d for key %d" % (major, key))
    return fields


def digest(fields):
    h = hashlib.sha256()
    for key in (2, 3, 4, 5, 7, 8):
        major, v = fields[key]
        h.update(b"%d:%d:" % (key, major))
        if isinstance(v, int):
            h.update(b"%d" % v)
        else:
            h.update(b"%d:" % len(v) + v)
        h.update(b";")
    return h.hexdigest()


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: entries.py TRAILSEAL STORE N...")
    ts, store = sys.argv[1], sys.argv[2]
    for n in sys.argv[3:]:
        p = subprocess.run([ts, "--store", store, "prove", "--index", n],
                           capture_output=True)
        if p.returncode != 0:
            print(n, "ERROR prove exit %d" % p.returncode)
            continue
        extra = [ln for ln in p.stdout.split(b"\n") if ln.startswith(b"extra ")]
        if len(extra) != 1:
            print(n, "ERROR no extra line")
            continue
        try:
            fields = decode_entry(base64.b64decode(extra[0][6:], validate=True))
            if fields[2][1] != int(n):
                raise Bad("seq %d" % fields[2][1])
            print(n, digest(fields))
        except (Bad, ValueError) as e:
            print(n, "ERROR", e)


if __name__ == "__main__":
    main()
