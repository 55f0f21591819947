-- The column oracle's schema: personal data in several tables, a second
-- schema, views over them, and a few rows so that statements do something.
CREATE SCHEMA hr;

CREATE TABLE customers (
    id serial PRIMARY KEY,
    name text NOT NULL,
    email text,
    ssn text,
    birth_date date,
    created_at timestamptz DEFAULT now()
);

CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id int,
    total numeric,
    status text DEFAULT 'new',
    note text,
    created_at timestamptz DEFAULT now()
);

CREATE TABLE products (
    id int PRIMARY KEY,
    name text,
    price numeric,
    category text
);

CREATE TABLE order_items (
    order_id int,
    product_id int,
    qty int,
    price numeric
);

CREATE TABLE payments (
    id serial PRIMARY KEY,
    order_id int,
    card_number text,
    amount numeric,
    paid_at timestamptz
);

CREATE TABLE hr.employees (
    id int PRIMARY KEY,
    full_name text,
    salary numeric,
    manager_id int,
    dept text,
    tags jsonb
);

CREATE TABLE ml_rows (
    id int,
    email text,
    ssn text,
    label text
);

CREATE VIEW customer_contacts AS
    SELECT id, name, email FROM customers WHERE email IS NOT NULL;

CREATE VIEW order_totals AS
    SELECT o.customer_id, sum(o.total) AS total, count(*) AS n_orders
    FROM orders o GROUP BY o.customer_id;

CREATE VIEW hr.staff AS
    SELECT e.id, e.full_name, e.dept FROM hr.employees e;

INSERT INTO customers (name, email, ssn, birth_date) VALUES
    ('Ada', 'ada@example.com', '123-45-6789', '1990-01-02'),
    ('Bob', 'bob@example.com', '987-65-4321', '1985-05-06'),
    ('Cy', NULL, NULL, NULL);
INSERT INTO orders (customer_id, total, status, note) VALUES
    (1, 10.5, 'paid', 'first'), (1, 20, 'new', NULL), (2, 7, 'paid', 'x');
INSERT INTO products VALUES (1, 'pen', 1.5, 'office'), (2, 'ink', 3, 'office');
INSERT INTO order_items VALUES (1, 1, 2, 1.5), (1, 2, 1, 3), (3, 1, 4, 1.5);
INSERT INTO payments (order_id, card_number, amount, paid_at) VALUES
    (1, '4111111111111111', 10.5, now());
INSERT INTO hr.employees VALUES
    (1, 'Grace', 100, NULL, 'eng', '{"a": 1}'),
    (2, 'Linus', 90, 1, 'eng', '{"b": 2}');
INSERT INTO ml_rows VALUES (1, 'ada@example.com', '123-45-6789', 'a');
