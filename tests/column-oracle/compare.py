# Compares trailseal's columns read and written with the oracle's ground
# truth. argv: statements truth predicted.jsonl columns min_percent.
# Prints "ok - ..." / "not ok - ..." lines and every miss.
import json
import sys

stmts_path, truth_path, pred_path, cols_path, min_percent = sys.argv[1:6]
min_percent = float(min_percent)
statements = open(stmts_path).read().split("\n")
if statements and statements[-1] == "":
    statements.pop()
universe = set()
for line in open(cols_path):
    s, t, c = line.split()
    universe.add(f"{s}.{t}.{c}")

truth = {"read": {}, "write": {}}
baseline = {}
odd = []
for line in open(truth_path):
    mode, col, n, state = line.split()
    n = int(n)
    if mode == "all":
        baseline[n] = state
    elif state == "42501":
        truth[mode].setdefault(n, set()).add(col)
    elif state != "00000":
        odd.append(f"{mode} {col} line {n}: SQLSTATE {state}")

broken = [n for n in range(1, len(statements) + 1) if baseline.get(n) != "00000"]
if broken:
    for n in broken:
        print(f"not ok - statement {n} fails with every privilege "
              f"(SQLSTATE {baseline.get(n)}): {statements[n - 1]}")
else:
    print(f"ok - all {len(statements)} statements run with every privilege")
for o in odd[:20]:
    print(f"# unexpected outcome: {o}")

preds = [json.loads(l) for l in open(pred_path) if l.strip()]
if len(preds) != len(statements):
    print(f"not ok - analyze-sql gave {len(preds)} analyses for "
          f"{len(statements)} statements")
    sys.exit(0)

for mode, key in (("read", "columns_read"), ("write", "columns_written")):
    tp = fp = fn = 0
    misses = []
    for n, (stmt, p) in enumerate(zip(statements, preds), start=1):
        if n in broken:
            continue
        want = truth[mode].get(n, set())
        got = set(p[key]) & universe
        tp += len(want & got)
        for c in sorted(got - want):
            fp += 1
            misses.append(f"{mode} false positive {c} in {n}: {stmt}")
        for c in sorted(want - got):
            fn += 1
            misses.append(f"{mode} false negative {c} in {n}: {stmt}")
    precision = 100.0 * tp / (tp + fp) if tp + fp else 100.0
    recall = 100.0 * tp / (tp + fn) if tp + fn else 100.0
    for m in misses:
        print(f"# miss: {m}")
    msg = (f"{mode}s: precision {precision:.2f}% recall {recall:.2f}% "
           f"({tp} true, {fp} false positives, {fn} false negatives)")
    if precision >= min_percent and recall >= min_percent:
        print(f"ok - {msg}")
    else:
        print(f"not ok - {msg}, under {min_percent}%")
