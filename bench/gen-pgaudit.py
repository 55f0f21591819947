#!/usr/bin/env python3
"""gen-pgaudit.py -- a synthetic PostgreSQL 15 stderr log with pgAudit 1.7.

Writes a log shaped like tests/e2e/data/pg15-pgaudit.log (log_line_prefix
'%m [%p] %q%u@%d/%a %r %c %e ', UTC): many overlapping sessions (connection
received / authenticated / authorized with SSL / disconnection with session
time), people, services and AI agents, a few thousand statement shapes with
varying literals, SESSION and OBJECT audit records with CSV quoting, bind
parameters (pgaudit.log_parameter), multi-line statements (continuation lines
start with a TAB), ERROR records with DETAIL and STATEMENT lines, failed
logins, and the odd checkpointer line.

An "event" here is one record as trailseal splits them: a prefixed line with
its continuation lines and the DETAIL / STATEMENT lines that belong to it.
Output is deterministic for a given --seed and --events.

Standard library only.  Usage:
    bench/gen-pgaudit.py --events 1000000 --seed 1 -o /tmp/pg.log
"""

import argparse
import random
import sys
import time

PREFIX = "%m [%p] %q%u@%d/%a %r %c %e "

# --------------------------------------------------------------------------
# the world: tables, roles, applications

TABLES = {
    "public.customers": ["id", "full_name", "email", "ssn", "card_last4", "phone", "created_at"],
    "public.orders": ["id", "customer_id", "amount_cents", "status", "created_at"],
    "public.order_items": ["id", "order_id", "product_id", "quantity", "price_cents"],
    "public.products": ["id", "sku", "name", "price_cents", "stock"],
    "public.payments": ["id", "order_id", "card_number", "amount_cents", "paid_at"],
    "public.addresses": ["id", "customer_id", "street", "city", "postcode", "country"],
    "public.support_tickets": ["id", "customer_id", "subject", "body", "status", "opened_at"],
    "public.users": ["id", "email", "password_hash", "last_login", "is_admin"],
    "public.api_keys": ["id", "user_id", "secret", "created_at", "revoked"],
    "public.invoices": ["id", "customer_id", "total_cents", "issued_at", "due_at"],
    "hr.employees": ["id", "full_name", "email", "ssn", "salary", "date_of_birth", "manager_id"],
    "hr.payroll": ["id", "employee_id", "period", "gross_cents", "bank_account"],
    "ml.training_rows": ["id", "full_name", "email", "ssn", "label"],
    "ml.features": ["id", "customer_id", "f_recency", "f_frequency", "f_monetary"],
    "analytics.page_views": ["id", "session_key", "url", "user_agent", "viewed_at"],
    "analytics.daily_revenue": ["day", "revenue_cents", "orders"],
}
TABLE_NAMES = list(TABLES)
NUMERIC = {"id", "customer_id", "order_id", "product_id", "quantity", "price_cents",
           "amount_cents", "stock", "total_cents", "user_id", "employee_id", "salary",
           "gross_cents", "label", "manager_id", "orders", "revenue_cents"}

# role, databases, applications (weight), SSL?, host kind, share of sessions,
# statements per session (lo, hi), tables it favours, uses bind parameters
ROLES = [
    ("alice", ["shop", "hr"], ["psql", "DataGrip 2023.2.1", "pgAdmin 4 - DB:shop"], True, "vpn", 6, (3, 60), None, False),
    ("bob", ["shop"], ["dbeaver-23.1", "psql"], True, "vpn", 5, (2, 40), None, False),
    ("carol", ["shop", "hr"], ["psql", "metabase"], True, "vpn", 3, (2, 30), None, False),
    ("dave", ["hr"], ["pgAdmin 4 - DB:hr"], True, "vpn", 2, (2, 25), ["hr.employees", "hr.payroll"], False),
    ("svc_billing", ["shop"], ["billing-api/2.4"], True, "app", 30, (20, 400),
     ["public.orders", "public.payments", "public.invoices", "public.customers", "public.order_items"], True),
    ("svc_reporting", ["shop"], ["reporting-worker/1.9"], True, "app", 10, (10, 200),
     ["analytics.daily_revenue", "public.orders", "analytics.page_views"], True),
    ("svc_etl", ["shop"], ["airflow-2.7.3"], True, "app", 6, (20, 300), None, False),
    ("agent_langchain", ["shop"], ["langchain-agent/0.2", "langchain-sqlagent/0.1.4"], True, "agent", 8, (3, 80),
     ["public.customers", "ml.training_rows", "ml.features", "public.orders"], False),
    ("agent_openai", ["shop"], ["openai-agents/1.3"], True, "agent", 3, (3, 40), None, True),
    ("postgres", ["postgres", "shop"], ["psql"], False, "local", 2, (1, 12), None, False),
]
ROLE_WEIGHTS = [r[5] for r in ROLES]

FIRST = ["Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Donald", "Frances", "Ken",
         "Dennis", "Margaret", "Niklaus", "Radia", "John", "Hedy", "Tim", "Sophie", "Liskov",
         "Mary", "Jean", "Claude", "Anita", "Linus", "Guido", "Bjarne", "Shafi", "Leslie"]
LAST = ["Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen",
        "Thompson", "Ritchie", "Hamilton", "Wirth", "Perlman", "McCarthy", "Lamarr",
        "Berners-Lee", "Wilson", "O'Brien", "Bartik", "Shannon", "Borg", "Torvalds", "van Rossum",
        "Goldwasser", "Lamport", "D'Souza"]
STATUS = ["pending", "paid", "shipped", "refunded", "cancelled"]
CITIES = ["London", "Paris", "Berlin", "Lisbon", "Austin, TX", "Portland, OR", "Zürich"]


def make_pools(rng):
    """Pools of literal values; picking from a pool is much cheaper than
    formatting a fresh value each time, and a few thousand of each is
    plenty of variety."""
    p = {}
    p["int"] = [str(rng.randint(1, 999999)) for _ in range(4096)]
    p["small"] = [str(rng.randint(1, 100)) for _ in range(256)]
    p["cents"] = [str(rng.randint(99, 250000)) for _ in range(4096)]
    names = []
    for _ in range(4096):
        names.append("%s %s" % (rng.choice(FIRST), rng.choice(LAST)))
    p["name"] = names
    p["email"] = ["%s.%s%d@example.%s" % (n.split()[0].lower(), n.split()[-1].lower().replace("'", ""),
                                          rng.randint(1, 999), rng.choice(["com", "org", "net", "io"]))
                  for n in names]
    p["ssn"] = ["%03d-%02d-%04d" % (rng.randint(100, 899), rng.randint(1, 99), rng.randint(1, 9999))
                for _ in range(4096)]
    p["card"] = ["4%015d" % rng.randint(0, 10 ** 15 - 1) for _ in range(2048)]
    p["status"] = STATUS
    p["city"] = CITIES
    p["date"] = ["2026-%02d-%02d" % (rng.randint(1, 11), rng.randint(1, 28)) for _ in range(512)]
    p["sku"] = ["SKU-%05d" % rng.randint(0, 99999) for _ in range(2048)]
    p["text"] = ["%s, order %d" % (rng.choice(["cannot log in", "refund please", "wrong size",
                                              'card "declined"', "where is my parcel"]),
                                   rng.randint(1000, 99999)) for _ in range(1024)]
    return p


def lit_kind(col):
    if col in NUMERIC:
        return "cents" if "cents" in col else "int"
    if col in ("email",):
        return "email"
    if col == "ssn":
        return "ssn"
    if col in ("full_name", "name"):
        return "name"
    if col in ("card_number", "bank_account"):
        return "card"
    if col == "status":
        return "status"
    if col == "city":
        return "city"
    if col == "sku":
        return "sku"
    if col in ("subject", "body"):
        return "text"
    if col.endswith("_at") or col in ("day", "date_of_birth", "period", "last_login"):
        return "date"
    return "int"


def quoted(kind):
    return kind not in ("int", "small", "cents")


class Shape:
    """One statement shape: text pieces with literal slots between them."""
    __slots__ = ("cls", "cmd", "objs", "parts", "kinds", "params", "key")

    def __init__(self, cls, cmd, objs, text, params=None):
        # text uses {kind} slots; split once here
        parts, kinds = [], []
        rest = text
        while True:
            i = rest.find("{")
            if i < 0:
                parts.append(rest)
                break
            j = rest.index("}", i)
            parts.append(rest[:i])
            kinds.append(rest[i + 1:j])
            rest = rest[j + 1:]
        self.cls, self.cmd, self.objs = cls, cmd, objs
        self.parts, self.kinds, self.params = parts, kinds, params or []
        self.key = text


def build_shapes(rng, want):
    shapes, seen = [], set()

    def add(s):
        if s.key not in seen:
            seen.add(s.key)
            shapes.append(s)

    def where(t, cols, param_style, n0=1):
        c = rng.choice(cols)
        k = lit_kind(c)
        if param_style:
            return "%s = $%d" % (c, n0), [k]
        return ("%s = '{%s}'" if quoted(k) else "%s = {%s}") % (c, k), []

    tries = 0
    while len(shapes) < want and tries < want * 40:
        tries += 1
        t = rng.choice(TABLE_NAMES)
        cols = TABLES[t]
        kind = rng.random()
        param_style = rng.random() < 0.35
        if kind < 0.58:  # simple select
            n = rng.randint(1, min(4, len(cols)))
            sel = ", ".join(rng.sample(cols, n)) if rng.random() < 0.85 else "*"
            w, pk = where(t, cols, param_style)
            tail = rng.choice(["", "", " ORDER BY %s DESC" % cols[0], " LIMIT {small}",
                               " ORDER BY %s LIMIT 50" % cols[-1]])
            if param_style:
                tail = tail.replace("{small}", "100")
            if rng.random() < 0.1:
                text = "SELECT %s\n  FROM %s\n WHERE %s%s" % (sel, t, w, tail)
            else:
                text = "SELECT %s FROM %s WHERE %s%s" % (sel, t, w, tail)
            add(Shape("READ", "SELECT", [t], text + ("" if param_style else ";"), pk))
        elif kind < 0.63:  # join, multi-line, one audit record per relation
            t2 = rng.choice(TABLE_NAMES)
            if t2 == t:
                continue
            c1 = rng.sample(cols, min(2, len(cols)))
            c2 = rng.sample(TABLES[t2], min(2, len(TABLES[t2])))
            j2 = TABLES[t2][1]
            text = ("SELECT a.%s,\n       a.%s,\n       b.%s\n  FROM %s a\n  JOIN %s b ON b.%s = a.id\n"
                    " WHERE a.%s > {int}\n ORDER BY 1 LIMIT {small};"
                    % (c1[0], c1[-1], c2[0], t, t2, j2, cols[0]))
            add(Shape("READ", "SELECT", [t, t2], text))
        elif kind < 0.79:  # insert
            ic = [c for c in cols if c != "id"]
            ic = ic[:rng.randint(1, len(ic))]
            if param_style:
                vals = ", ".join("$%d" % (i + 1) for i in range(len(ic)))
                text = "INSERT INTO %s (%s) VALUES (%s)" % (t, ", ".join(ic), vals)
                add(Shape("WRITE", "INSERT", [t], text, [lit_kind(c) for c in ic]))
            else:
                row = "(" + ", ".join(("'{%s}'" if quoted(lit_kind(c)) else "{%s}") % lit_kind(c) for c in ic) + ")"
                nrows = rng.choice([1, 1, 1, 1, 1, 2, 3])
                if nrows == 1:
                    text = "INSERT INTO %s (%s) VALUES %s;" % (t, ", ".join(ic), row)
                else:
                    text = "INSERT INTO %s (%s) VALUES\n    %s;" % (t, ", ".join(ic), ",\n    ".join([row] * nrows))
                add(Shape("WRITE", "INSERT", [t], text))
        elif kind < 0.90:  # update
            c = rng.choice([c for c in cols if c != "id"])
            k = lit_kind(c)
            if param_style:
                text = "UPDATE %s SET %s = $1 WHERE id = $2" % (t, c)
                add(Shape("WRITE", "UPDATE", [t], text, [k, "int"]))
            else:
                v = ("'{%s}'" if quoted(k) else "{%s}") % k
                text = "UPDATE %s SET %s = %s WHERE id = {int};" % (t, c, v)
                add(Shape("WRITE", "UPDATE", [t], text))
        elif kind < 0.955:  # delete
            w, pk = where(t, cols, param_style)
            add(Shape("WRITE", "DELETE", [t], "DELETE FROM %s WHERE %s%s" % (t, w, "" if param_style else ";"), pk))
        elif kind < 0.98:  # copy-out / lineage
            dst = rng.choice(["ml.training_rows", "ml.features", "analytics.daily_revenue"])
            if dst == t:
                continue
            sc = ", ".join(rng.sample(cols, min(3, len(cols))))
            text = ("INSERT INTO %s (%s)\n    SELECT %s FROM %s WHERE id > {int};" % (dst, sc, sc, t))
            add(Shape("WRITE", "INSERT", [dst, t], text))
        else:  # aggregate report
            g = rng.choice(cols)
            text = ("SELECT %s, count(*) AS n\n  FROM %s\n WHERE %s IS NOT NULL\n GROUP BY %s\n"
                    " ORDER BY n DESC\n LIMIT {small};" % (g, t, g, g))
            add(Shape("READ", "SELECT", [t], text))
    return shapes


DDL = [
    ("DDL", "CREATE INDEX", "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_{int}_idx ON public.orders (status);"),
    ("DDL", "ALTER TABLE", "ALTER TABLE public.customers ADD COLUMN IF NOT EXISTS note_{int} text;"),
    ("DDL", "CREATE TABLE", "CREATE TABLE IF NOT EXISTS ml.snapshot_{int} (\n    id bigint,\n    payload jsonb\n);"),
    ("DDL", "DROP TABLE", "DROP TABLE IF EXISTS ml.snapshot_{int};"),
    ("ROLE", "GRANT", "GRANT SELECT ON public.orders TO svc_reporting;"),
    ("ROLE", "GRANT", "GRANT SELECT, INSERT ON ml.training_rows TO agent_langchain;"),
    ("ROLE", "REVOKE", "REVOKE SELECT ON public.customers FROM bob;"),
    ("ROLE", "ALTER ROLE", "ALTER ROLE bob VALID UNTIL '{date}';"),
    ("MISC", "VACUUM", "VACUUM (ANALYZE) public.orders;"),
    ("MISC", "SET", "SET statement_timeout = '{small}s';"),
]

ERRORS = [
    ("42501", "permission denied for table %(tbl)s", None),
    ("42601", 'syntax error at or near "FORM" at character 18', None),
    ("42P01", 'relation "public.custmers" does not exist at character 15', None),
    ("23505", 'duplicate key value violates unique constraint "customers_email_key"',
     "Key (email)=(%(email)s) already exists."),
    ("57014", "canceling statement due to statement timeout", None),
    ("22012", "division by zero", None),
    ("40P01", "deadlock detected",
     "Process %(pid)d waits for ShareLock on transaction %(xid)d; blocked by process %(pid2)d.\n"
     "Process %(pid2)d waits for ShareLock on transaction %(xid2)d; blocked by process %(pid)d."),
]


def csv_field(s):
    """pgAudit's append_valid_csv: quote when the value holds a quote,
    comma or line break, doubling quotes."""
    if '"' in s or "," in s or "\n" in s or "\r" in s:
        return '"' + s.replace('"', '""') + '"'
    return s


class Session:
    __slots__ = ("pid", "sid", "role", "db", "app", "ssl", "remote", "host", "port",
                 "start_ms", "left", "stmt", "pfx", "shapes", "params", "authed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000, help="records to write (default 10,000,000, ~2 GB)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shapes", type=int, default=3000, help="distinct statement shapes (default 3000)")
    ap.add_argument("--concurrency", type=int, default=24, help="sessions open at once (default 24)")
    ap.add_argument("-o", "--output", default="-", help="file to write (default standard output)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pools = make_pools(rng)
    shapes = build_shapes(rng, args.shapes)
    ddl = [Shape(c, m, [], t) for c, m, t in DDL]
    by_table = {}
    for s in shapes:
        by_table.setdefault(s.objs[0], []).append(s)
    rnd = rng.random
    out = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")

    # clock: milliseconds since the epoch; second strings cached
    now = int(time.mktime((2026, 11, 1, 0, 0, 0, 0, 0, 0)) - time.timezone) * 1000
    sec_cache = [None, None]

    def ts():
        s = now // 1000
        if sec_cache[0] != s:
            sec_cache[0] = s
            sec_cache[1] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s))
        return "%s.%03d UTC" % (sec_cache[1], now % 1000)

    next_pid = [20000]
    open_sessions = []
    buf = []
    emitted = 0
    postmaster = 6712
    checkpointer = 6714
    next_ckpt = now + 300_000

    def fill(shape):
        kinds = shape.kinds
        if not kinds:
            return shape.parts[0]
        parts = shape.parts
        o = [parts[0]]
        for i, k in enumerate(kinds):
            pool = pools[k]
            v = pool[int(rnd() * len(pool))]
            if k in ("name", "text") and "'" in v:
                v = v.replace("'", "''")
            o.append(v)
            o.append(parts[i + 1])
        return "".join(o)

    def fill_params(shape):
        vals = []
        for k in shape.params:
            pool = pools[k]
            v = pool[int(rnd() * len(pool))]
            vals.append(csv_field(v))
        return ",".join(vals)

    def inline(shape):
        """the statement with literal values where the shape has $n"""
        stmt = fill(shape)
        for i in range(len(shape.params), 0, -1):
            k = shape.params[i - 1]
            v = pools[k][int(rnd() * len(pools[k]))]
            stmt = stmt.replace("$%d" % i, "'%s'" % v.replace("'", "''") if quoted(k) else v)
        return stmt

    def new_session():
        r = ROLES[rng.choices(range(len(ROLES)), ROLE_WEIGHTS)[0]]
        s = Session()
        next_pid[0] += 1 + int(rnd() * 7)
        if next_pid[0] > 4_000_000:
            next_pid[0] = 20000
        s.pid = next_pid[0]
        s.start_ms = now
        s.sid = "%x.%x" % (now // 1000, s.pid)
        s.role = r[0]
        s.db = r[1][int(rnd() * len(r[1]))]
        s.app = r[2][int(rnd() * len(r[2]))]
        s.ssl = r[3]
        kind = r[4]
        if kind == "local":
            s.remote, s.host, s.port = "[local]", "[local]", None
        else:
            net = {"vpn": "10.8.%d.%d", "app": "10.0.%d.%d", "agent": "10.20.%d.%d"}[kind]
            s.host = net % (int(rnd() * 4), 2 + int(rnd() * 60))
            s.port = 32768 + int(rnd() * 28000)
            s.remote = "%s(%d)" % (s.host, s.port)
        lo, hi = r[6]
        s.left = lo + int(rnd() * (hi - lo + 1))
        s.stmt = 0
        fav = r[7]
        s.shapes = [x for t in fav for x in by_table.get(t, [])] if fav else shapes
        s.params = r[8]
        s.pfx = "[%d] %s@%s/%s %s %s " % (s.pid, s.role, s.db, s.app, s.remote, s.sid)
        return s

    def line(body):
        buf.append(ts())
        buf.append(" ")
        buf.append(body)
        buf.append("\n")

    def connect(s, fail):
        # connection received, then authenticated + authorized (or a failed login)
        line("[%d] [unknown]@[unknown]/[unknown] %s %s 00000 LOG:  connection received: host=%s%s"
             % (s.pid, s.remote, s.sid, s.host, "" if s.port is None else " port=%d" % s.port))
        pre = "[%d] %s@%s/[unknown] %s %s " % (s.pid, s.role, s.db, s.remote, s.sid)
        if fail:
            line(pre + '28P01 FATAL:  password authentication failed for user "%s"\n'
                 % s.role + ts() + " " + pre +
                 '28P01 DETAIL:  Connection matched pg_hba.conf line 4: '
                 '"hostssl all       all       10.0.0.0/8    scram-sha-256"')
            return
        if s.port is None:
            line(pre + "00000 LOG:  connection authorized: user=%s database=%s application_name=%s"
                 % (s.role, s.db, s.app))
            return
        line(pre + '00000 LOG:  connection authenticated: identity="%s" method=scram-sha-256 '
                   '(/etc/postgresql/15/main/pg_hba.conf:4)' % s.role)
        line(pre + "00000 LOG:  connection authorized: user=%s database=%s application_name=%s%s"
             % (s.role, s.db, s.app,
                " SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)" if s.ssl else ""))

    def disconnect(s):
        d = now - s.start_ms
        h, rem = divmod(d, 3_600_000)
        m, rem = divmod(rem, 60_000)
        line(s.pfx + "00000 LOG:  disconnection: session time: %d:%02d:%02d.%03d user=%s database=%s host=%s%s"
             % (h, m, rem // 1000, rem % 1000, s.role, s.db, s.host, "" if s.port is None else " port=%d" % s.port))

    def audit(s):
        """one statement: one or more AUDIT records, sometimes an ERROR."""
        nonlocal now
        x = rnd()
        if x < 0.004:  # an error, with STATEMENT (and sometimes DETAIL); like
            # a permission denied, no AUDIT row and no statement id used
            code, msg, detail = ERRORS[int(rnd() * len(ERRORS))]
            sh = s.shapes[int(rnd() * len(s.shapes))]
            stmt = inline(sh)
            vals = {"tbl": sh.objs[0].split(".")[-1], "email": pools["email"][int(rnd() * 4096)],
                    "pid": s.pid, "pid2": s.pid + 3, "xid": 7000000 + int(rnd() * 999999),
                    "xid2": 7000000 + int(rnd() * 999999)}
            p = ts() + " " + s.pfx + code + " "
            rec = p + "ERROR:  " + (msg % vals)
            if detail:
                rec += "\n" + p + "DETAIL:  " + (detail % vals).replace("\n", "\n\t")
            rec += "\n" + p + "STATEMENT:  " + stmt.replace("\n", "\n\t") + "\n"
            buf.append(rec)
            return 1
        s.stmt += 1
        if x < 0.01 and s.role in ("alice", "postgres", "svc_etl"):
            sh = ddl[int(rnd() * len(ddl))]
            line(s.pfx + "00000 LOG:  AUDIT: SESSION,%d,1,%s,%s,,,%s,<none>"
                 % (s.stmt, sh.cls, sh.cmd, csv_field(fill(sh)).replace("\n", "\n\t")))
            return 1
        if x < 0.03:  # explicit transaction block
            line(s.pfx + "00000 LOG:  AUDIT: SESSION,%d,1,MISC,%s,,,%s;,<none>"
                 % (s.stmt, "BEGIN" if x < 0.02 else "COMMIT", "BEGIN" if x < 0.02 else "COMMIT"))
            return 1
        sh = s.shapes[int(rnd() * len(s.shapes))]
        if sh.params and not s.params:
            # a person or agent typing the statement: literal values instead
            stmt = inline(sh)
            params = "<none>"
        else:
            stmt = fill(sh)
            params = csv_field(fill_params(sh)) if sh.params else "<none>"
        field = csv_field(stmt).replace("\n", "\n\t")
        # OBJECT audit (pgaudit.role) for reads of the sensitive tables
        kind = "OBJECT" if (sh.objs[0] in ("public.customers", "hr.employees", "public.payments")
                            and rnd() < 0.5) else "SESSION"
        n = 0
        for obj in sh.objs:
            line("%s00000 LOG:  AUDIT: %s,%d,1,%s,%s,TABLE,%s,%s,%s"
                 % (s.pfx, kind, s.stmt, sh.cls, sh.cmd, obj, field, params))
            n += 1
        return n

    total = args.events
    chunk_at = 20000
    while emitted < total:
        now += int(rnd() * 17)
        if now >= next_ckpt:
            line("[%d] LOG:  checkpoint starting: time" % checkpointer)
            now += 1500 + int(rnd() * 28000)
            line("[%d] LOG:  checkpoint complete: wrote %d buffers (%.1f%%); 0 WAL file(s) added, 0 removed, "
                 "%d recycled; write=%.3f s, sync=0.004 s, total=%.3f s; sync files=%d, longest=0.002 s, "
                 "average=0.001 s; distance=%d kB, estimate=%d kB"
                 % (checkpointer, 200 + int(rnd() * 9000), rnd() * 40, int(rnd() * 4), rnd() * 30,
                    rnd() * 30 + 0.01, 3 + int(rnd() * 60), 4000 + int(rnd() * 90000), 90000))
            emitted += 2
            next_ckpt = now + 300_000
            continue
        if len(open_sessions) < args.concurrency and (rnd() < 0.08 or not open_sessions):
            s = new_session()
            # failed logins: a steady trickle, and the odd burst on one role
            fail = rnd() < 0.02
            burst = 1 + int(rnd() * 12) if fail and rnd() < 0.1 else 1
            for _ in range(burst):
                if emitted >= total:
                    break
                connect(s, fail)
                emitted += 2 if fail or s.port is None else 3
                if fail:
                    now += 40 + int(rnd() * 300)
                    s = new_session() if burst > 1 else s
            if not fail:
                open_sessions.append(s)
            continue
        s = open_sessions[int(rnd() * len(open_sessions))]
        if s.left <= 0:
            disconnect(s)
            open_sessions.remove(s)
            emitted += 1
            continue
        s.left -= 1
        emitted += audit(s)
        if len(buf) > chunk_at:
            out.write("".join(buf).encode())
            buf.clear()
    if buf:
        out.write("".join(buf).encode())
    if out is not sys.stdout.buffer:
        out.close()
    else:
        out.flush()


if __name__ == "__main__":
    main()
