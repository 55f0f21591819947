#!/usr/bin/env bash
# Runs a small, fixed workload against a MariaDB sandbox started with
# scripts/mariadb-sandbox.sh: setup as root, then three accounts over TCP,
# with a failed login, denied statements, a syntax error, DDL on tables,
# GRANT and REVOKE, and queries holding quotes, commas, backslashes and
# line breaks. tests/e2e/mariadb_audit.sh knows what it must produce:
# change both together.
#
#   scripts/mariadb-workload.sh DIR
set -euo pipefail

dir=${1:?usage: mariadb-workload.sh SANDBOX_DIR}
# shellcheck disable=SC1091
. "$dir/sandbox.env"

as_root() {
    mariadb --no-defaults --batch --socket="$MYSANDBOX_SOCKET" -uroot "$@"
}

# as USER PASSWORD [DB]: runs stdin over TCP; --force goes on after errors,
# which the workload makes on purpose.
as() {
    MYSQL_PWD=$2 mariadb --no-defaults --batch --force -h127.0.0.1 \
        -P"$MYSANDBOX_PORT" -u"$1" ${3:+"$3"} >/dev/null 2>&1 || true
}

# session 1, root: 13 statements
as_root >/dev/null <<'EOF'
CREATE DATABASE shop;
CREATE DATABASE ml;
CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(100), ssn VARCHAR(11));
CREATE TABLE shop.orders (id INT PRIMARY KEY, customer_id INT, total DECIMAL(10,2));
INSERT INTO shop.customers VALUES (1, 'Ann', 'ann@example.com', '123-45-6789'), (2, 'Bo', 'bo@example.com', '987-65-4321');
INSERT INTO shop.orders VALUES (1, 1, 10.50), (2, 2, 99.99);
CREATE USER 'alice'@'127.0.0.1' IDENTIFIED BY 'alice-pw';
CREATE USER 'bob'@'127.0.0.1' IDENTIFIED BY 'bob-pw';
CREATE USER 'agent_etl'@'127.0.0.1' IDENTIFIED BY 'agent-pw';
GRANT SELECT, INSERT, UPDATE ON shop.* TO 'alice'@'127.0.0.1';
GRANT SELECT ON shop.orders TO 'bob'@'127.0.0.1';
GRANT SELECT ON shop.customers TO 'agent_etl'@'127.0.0.1';
GRANT ALL ON ml.* TO 'agent_etl'@'127.0.0.1';
EOF

# session 2, alice: 4 statements, one of them over three lines
as alice alice-pw shop <<'EOF'
INSERT INTO customers VALUES (3, 'O''Brien, "Pat"', 'pat@example.com', '111-22-3333');
SELECT name,
       email
  FROM customers WHERE name LIKE '%\\%' OR email = 'a,b';
UPDATE orders SET total = total + 1 WHERE id = 1;
SELECT * FROM orders WHERE customer_id IN (1, 2);
EOF

# session 3, bob with a wrong password: a failed login
as bob not-the-password <<<'SELECT 1;'

# session 4, bob: 1 statement, 1 denied
as bob bob-pw <<'EOF'
SELECT * FROM shop.orders;
SELECT ssn FROM shop.customers;
EOF

# session 5, agent_etl: 5 statements, 1 denied, 1 syntax error
as agent_etl agent-pw <<'EOF'
CREATE TABLE ml.training_rows (id INT, email VARCHAR(100), ssn VARCHAR(11));
INSERT INTO ml.training_rows SELECT id, email, ssn FROM shop.customers;
ALTER TABLE ml.training_rows ADD COLUMN label INT;
RENAME TABLE ml.training_rows TO ml.training_v2;
DROP TABLE shop.orders;
SELEC 1;
DROP TABLE ml.training_v2;
EOF

# session 6, root: 1 statement
as_root <<<"REVOKE INSERT ON shop.* FROM 'alice'@'127.0.0.1';" >/dev/null
