#!/usr/bin/env python3
"""Write a large PostgreSQL stderr log (prefix '%m [%p] %q%u@%d/%a %r %c %e ')
for the crash test: the records of a real log, repeated with shifted process
ids and session ids so that every copy is a different session.

usage: gen_log.py SOURCE_LOG RECORDS > OUT
RECORDS counts prefixed lines written (a record may span several lines)."""
import re
import sys


def main():
    src, count = sys.argv[1], int(sys.argv[2])
    with open(src, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    recs = []
    for line in lines:
        if re.match(r"\d{4}-\d\d-\d\d ", line) or not recs:
            recs.append(line)
        else:
            recs[-1] += line
    pid = re.compile(r"\[(\d+)\]")
    sid = re.compile(r" ([0-9a-f]{8})\.([0-9a-f]+) ")
    out = sys.stdout
    written, rep = 0, 0
    while written < count:
        for r in recs:
            if written >= count:
                break
            r = pid.sub(lambda m: "[%d]" % (int(m.group(1)) + rep * 7), r, count=1)
            r = sid.sub(lambda m: " %08x.%x " % (int(m.group(1), 16) + rep,
                                                 int(m.group(2), 16) + rep * 7),
                        r, count=1)
            out.write(r)
            written += 1
        rep += 1


if __name__ == "__main__":
    main()
