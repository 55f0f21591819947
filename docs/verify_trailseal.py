#!/usr/bin/env python3
"""Check a trailseal proof with nothing but Python 3's standard library.

usage: python3 verify_trailseal.py [--old KEPT_CHECKPOINT] [--json] PROOF

PROOF is `trailseal prove --index N` output (c2sp.org/tlog-proof@v1) or
`trailseal prove --from-size M` output (trailseal.local/tlog-consistency@v1).
Checks the Merkle proof (RFC 9162) against the root in the proof's
checkpoint and, for an inclusion proof, that the entry it carries is a
canonical trailseal entry (schemas/entry.cddl) at that index. With --old,
the consistency proof must start from that kept checkpoint's size and root.
The checkpoint's Ed25519 SIGNATURE IS NOT CHECKED HERE (the standard
library has no Ed25519): check it with openssl (docs/VERIFYING.md).
Exit status: 0 valid, 1 not valid, 2 bad usage or unreadable file.
"""
import base64, binascii, datetime, hashlib, json, sys


class Invalid(Exception):
    pass


def b64(s, size=None):
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("not base64: %.40s" % s)
    if base64.b64encode(raw).decode() != s:
        raise Invalid("not canonical base64: %.40s" % s)
    if size is not None and len(raw) != size:
        raise Invalid("not base64 of %d bytes: %.40s" % (size, s))
    return raw


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def checkpoint(note):
    """(origin, size, root) of a signed note; the signature is not checked."""
    body, sep, sigs = note.rpartition("\n\n")
    lines = body.split("\n")
    if not sep or not sigs.startswith("\u2014 ") or len(lines) < 3:
        raise Invalid("the checkpoint is not a signed note")
    if not lines[1].isdigit() or lines[1] != str(int(lines[1])):
        raise Invalid("the checkpoint's tree size is not a number")
    return lines[0], int(lines[1]), b64(lines[2], 32)


def inclusion(index, size, leaf, path, root):  # RFC 9162 2.1.3.2
    if index >= size:
        raise Invalid("index %d is not in a tree of %d" % (index, size))
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise Invalid("inclusion proof: too many hashes")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise Invalid("inclusion proof: does not lead to the checkpoint's root")


def consistency(size1, size2, root1, root2, path):  # RFC 9162 2.1.4.2
    if not 0 < size1 <= size2:
        raise Invalid("old size %d is not in 1..%d" % (size1, size2))
    if size1 == size2:
        if path or root1 != root2:
            raise Invalid("consistency proof: same size, different trees")
        return
    if not path:
        raise Invalid("consistency proof: empty")
    if size1 & (size1 - 1) == 0:
        path = [root1] + path
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Invalid("consistency proof: too many hashes")
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != root1 or sr != root2:
        raise Invalid("consistency proof: the old tree is not a prefix of the new")


def entry(data):
    """Decodes one deterministic-CBOR trailseal entry (schemas/entry.cddl)."""
    pos = 0

    def head():
        nonlocal pos
        if pos >= len(data):
            raise Invalid("entry: truncated")
        major, info = data[pos] >> 5, data[pos] & 31
        pos += 1
        if info < 24:
            return major, info
        if info > 27:
            raise Invalid("entry: indefinite or reserved length")
        n = 1 << (info - 24)
        if pos + n > len(data):
            raise Invalid("entry: truncated")
        v = int.from_bytes(data[pos:pos + n], "big")
        pos += n
        if v < (24 if n == 1 else 1 << (4 * n)):
            raise Invalid("entry: not the shortest form")
        return major, v

    def item(want, size=None):
        nonlocal pos
        major, v = head()
        if major == 1 and want == 0:  # int64 (key 6): a negative integer
            return -1 - v
        if major != want:
            raise Invalid("entry: wrong type")
        if major == 0:
            return v
        if pos + v > len(data) or (size is not None and v != size):
            raise Invalid("entry: wrong size")
        pos += v
        return data[pos - v:pos]

    pairs = head()
    if pairs not in ((5, 9), (5, 10)):
        raise Invalid("entry: not a map of nine or ten keys")
    e = {}
    for key, name, want, size in [
            (1, "store_id", 2, 16), (2, "seq", 0, None),
            (3, "source_key", 2, 32), (4, "position", 0, None),
            (5, "line", 0, None), (6, "observed_us", 0, None),
            (7, "format", 3, None), (8, "record", 2, None),
            (9, "salt", 2, 16),
            (10, "original_hmac", 2, 16)][:pairs[1]]:
        if head() != (0, key):
            raise Invalid("entry: key %d missing or out of order" % key)
        e[name] = item(want, size)
    if pos != len(data):
        raise Invalid("entry: bytes after the map")
    if not -(1 << 63) <= e["observed_us"] < 1 << 63 or any(
            e[k] < 0 for k in ("seq", "position", "line")):
        raise Invalid("entry: integer out of range")
    try:
        e["format"] = e["format"].decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("entry: format is not UTF-8")
    return e


def verify(text, old):
    lines = text.split("\n")
    hdr, out = lines[0], {}
    if hdr == "c2sp.org/tlog-proof@v1":
        if not lines[1].startswith("extra ") or not lines[2].startswith("index "):
            raise Invalid("lines 2-3: expected 'extra BASE64' and 'index N'")
        data, idx, i = b64(lines[1][6:]), lines[2][6:], 3
        if not idx.isdigit() or idx != str(int(idx)):
            raise Invalid("line 3: index is not a number")
        out.update(kind="inclusion", index=int(idx))
    elif hdr == "trailseal.local/tlog-consistency@v1":
        f = lines[1].split(" ")
        if len(f) != 3 or f[0] != "old" or not f[1].isdigit() or f[1] != str(int(f[1])):
            raise Invalid("line 2: expected 'old SIZE BASE64-ROOT'")
        old_root, i = b64(f[2], 32), 2
        out.update(kind="consistency", from_size=int(f[1]),
                   from_root=base64.b64encode(old_root).decode())
    else:
        raise Invalid("line 1: not a trailseal proof")
    end = lines.index("", i) if "" in lines[i:] else len(lines)
    path = [b64(h, 32) for h in lines[i:end]]
    origin, size, root = checkpoint("\n".join(lines[end + 1:]))
    out.update(origin=origin, tree_size=size, root=base64.b64encode(root).decode())
    if out["kind"] == "inclusion":
        e = entry(data)
        if e["seq"] != out["index"]:
            raise Invalid("the entry is entry %d, the proof says %d"
                          % (e["seq"], out["index"]))
        leaf = hashlib.sha256(b"\x00" + data).digest()
        inclusion(out["index"], size, leaf, path, root)
        t = datetime.datetime(1970, 1, 1) + datetime.timedelta(
            microseconds=e["observed_us"])
        out.update(line=e["line"], position=e["position"], format=e["format"],
                   observed=t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                   record=e["record"].decode("utf-8", "backslashreplace"),
                   store_id=e["store_id"].hex(), source_key=e["source_key"].hex(),
                   leaf_hash=leaf.hex())
    else:
        if old is not None:
            o_origin, o_size, o_root = checkpoint(old)
            if (o_origin, o_size, o_root) != (origin, out["from_size"], old_root):
                raise Invalid("the proof does not start from the kept checkpoint")
        consistency(out["from_size"], size, old_root, root, path)
    return out


def main(argv):
    args, old, as_json = list(argv), None, False
    try:
        if "--json" in args:
            args.remove("--json")
            as_json = True
        if "--old" in args:
            i = args.index("--old")
            old = open(args.pop(i + 1), encoding="utf-8").read()
            args.pop(i)
        if len(args) != 1:
            raise IndexError
        text = open(args[0], encoding="utf-8").read()
    except (IndexError, OSError, UnicodeDecodeError) as e:
        print(__doc__.split("\n\n")[1] if isinstance(e, IndexError) else e,
              file=sys.stderr)
        return 2
    try:
        r, problem = verify(text, old), None
    except (Invalid, ValueError, OverflowError) as e:
        r, problem = {}, str(e) or "malformed proof"
    if as_json:
        print(json.dumps(dict(r, valid=problem is None, problem=problem)))
    elif problem:
        print("NOT VALID:", problem)
    elif r["kind"] == "inclusion":
        print("valid: entry %(index)d is in %(origin)s at tree size "
              "%(tree_size)d (root %(root)s)" % r)
        print("source line %(line)d, byte %(position)d, format %(format)s, "
              "read %(observed)s" % r)
        print("record:\n" + r["record"].rstrip("\n"))
    else:
        print("valid: the tree of %(from_size)d entries (root %(from_root)s) "
              "is a prefix of %(origin)s at tree size %(tree_size)d "
              "(root %(root)s)" % r)
    if problem is None:
        print("now check the checkpoint's signature with openssl (VERIFYING.md)",
              file=sys.stderr)
    return 0 if problem is None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
