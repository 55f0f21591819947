SELECT * FROM customers
SELECT id, name FROM customers
SELECT c.* FROM customers c
SELECT email FROM customers WHERE id = 1
SELECT name FROM customers WHERE ssn = '123-45-6789'
SELECT count(*) FROM customers
SELECT count(email) FROM customers
SELECT 1 FROM customers WHERE birth_date < DATE '2000-01-01'
SELECT upper(name), lower(email) FROM customers ORDER BY created_at DESC
SELECT name AS n FROM customers ORDER BY n
SELECT name FROM customers ORDER BY email
SELECT name FROM customers ORDER BY 1
SELECT DISTINCT status FROM orders
SELECT DISTINCT ON (customer_id) customer_id, total FROM orders ORDER BY customer_id, created_at DESC
SELECT status, count(*) FROM orders GROUP BY status
SELECT status, sum(total) FROM orders GROUP BY status HAVING max(note) IS NOT NULL
SELECT customer_id, avg(total) FROM orders GROUP BY 1 HAVING count(*) > 1
SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id
SELECT o.id, c.email FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.status = 'paid'
SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id
SELECT o.*, c.name FROM orders o RIGHT JOIN customers c ON c.id = o.customer_id
SELECT c.name, p.amount FROM customers c JOIN orders o ON o.customer_id = c.id JOIN payments p ON p.order_id = o.id
SELECT c.name FROM customers c FULL JOIN orders o ON o.customer_id = c.id
SELECT c.name, o.total FROM customers c CROSS JOIN orders o
SELECT customers.name, orders.total FROM customers, orders WHERE customers.id = orders.customer_id
SELECT * FROM orders JOIN payments USING (id)
SELECT id, total, amount FROM orders JOIN payments USING (id)
SELECT * FROM products NATURAL JOIN order_items
SELECT name FROM products NATURAL JOIN order_items
SELECT j.name FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j
SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders)
SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.total > 10)
SELECT name FROM customers c WHERE NOT EXISTS (SELECT FROM payments p WHERE p.amount > 100)
SELECT name, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) FROM customers c
SELECT name, (SELECT max(total) FROM orders) AS top FROM customers
SELECT id FROM orders WHERE total > (SELECT avg(total) FROM orders)
SELECT id FROM orders WHERE total > ALL (SELECT amount FROM payments)
SELECT id FROM orders WHERE customer_id = ANY (SELECT id FROM customers WHERE email LIKE '%@example.com')
SELECT s.name FROM (SELECT name, email FROM customers) s
SELECT s.n FROM (SELECT name AS n FROM customers WHERE ssn IS NOT NULL) AS s
SELECT x FROM (SELECT email AS x, ssn FROM customers) t WHERE x IS NOT NULL
SELECT * FROM (SELECT id, total FROM orders) AS t(a, b)
SELECT a FROM (SELECT id, total FROM orders) AS t(a, b)
SELECT c.name, l.total FROM customers c, LATERAL (SELECT total FROM orders o WHERE o.customer_id = c.id LIMIT 1) l
SELECT c.name, l.mx FROM customers c LEFT JOIN LATERAL (SELECT max(amount) AS mx FROM payments p WHERE p.order_id = c.id) l ON true
WITH big AS (SELECT customer_id FROM orders WHERE total > 5) SELECT name FROM customers WHERE id IN (SELECT customer_id FROM big)
WITH c AS (SELECT id, email FROM customers) SELECT email FROM c
WITH c AS (SELECT * FROM customers) SELECT name FROM c
WITH unused AS (SELECT ssn FROM customers) SELECT name FROM products
WITH a AS (SELECT id, total FROM orders), b AS (SELECT id FROM a WHERE total > 1) SELECT count(*) FROM b
WITH RECURSIVE chain(id, manager_id, depth) AS (SELECT id, manager_id, 1 FROM hr.employees WHERE manager_id IS NULL UNION ALL SELECT e.id, e.manager_id, c.depth + 1 FROM hr.employees e JOIN chain c ON e.manager_id = c.id) SELECT id, depth FROM chain
WITH RECURSIVE nums AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM nums WHERE n < 3) SELECT n FROM nums
WITH RECURSIVE t AS (SELECT id, full_name FROM hr.employees WHERE id = 1 UNION SELECT e.id, e.full_name FROM hr.employees e, t WHERE e.manager_id = t.id) SELECT full_name FROM t
WITH m AS MATERIALIZED (SELECT customer_id, total FROM orders) SELECT sum(total) FROM m
SELECT name FROM customers UNION SELECT name FROM products
SELECT email FROM customers UNION ALL SELECT full_name FROM hr.employees
SELECT id FROM customers INTERSECT SELECT customer_id FROM orders
SELECT id FROM customers EXCEPT SELECT customer_id FROM orders ORDER BY 1
(SELECT name FROM customers ORDER BY name LIMIT 1) UNION (SELECT name FROM products)
SELECT * FROM customer_contacts
SELECT email FROM customer_contacts WHERE name = 'Ada'
SELECT id FROM customer_contacts
SELECT customer_id, total FROM order_totals
SELECT n_orders FROM order_totals
SELECT c.name, t.total FROM customers c JOIN order_totals t ON t.customer_id = c.id
SELECT full_name FROM hr.staff WHERE dept = 'eng'
SELECT * FROM hr.staff
SELECT id, salary FROM hr.employees
SELECT e.full_name, m.full_name FROM hr.employees e LEFT JOIN hr.employees m ON m.id = e.manager_id
SELECT dept, avg(salary) FROM hr.employees GROUP BY dept
SELECT full_name, rank() OVER (PARTITION BY dept ORDER BY salary DESC) FROM hr.employees
SELECT id, sum(total) OVER (ORDER BY created_at) FROM orders
SELECT id, row_number() OVER w FROM orders WINDOW w AS (PARTITION BY customer_id ORDER BY total)
SELECT id, lag(total) OVER (ORDER BY id) FROM orders
SELECT count(*) FILTER (WHERE status = 'paid') FROM orders
SELECT string_agg(name, ',' ORDER BY email) FROM customers
SELECT array_agg(DISTINCT category) FROM products
SELECT CASE WHEN total > 10 THEN 'big' ELSE note END FROM orders
SELECT coalesce(email, name) FROM customers
SELECT nullif(status, 'new') FROM orders
SELECT id::text || ':' || name FROM products
SELECT tags->>'a' FROM hr.employees
SELECT tags FROM hr.employees WHERE tags ? 'a'
SELECT id FROM hr.employees WHERE tags @> '{"a": 1}'
SELECT extract(year FROM birth_date) FROM customers
SELECT date_trunc('day', paid_at), sum(amount) FROM payments GROUP BY 1
SELECT id FROM orders WHERE created_at > now() - interval '1 day'
SELECT length(card_number) FROM payments
SELECT right(card_number, 4) FROM payments WHERE amount BETWEEN 1 AND 100
SELECT name FROM customers WHERE name ILIKE 'a%' OR email IS NULL
SELECT name FROM customers WHERE (name, email) = ('Ada', 'ada@example.com')
SELECT c FROM customers c
SELECT row_to_json(p) FROM products p
SELECT to_jsonb(c.*) FROM customers c WHERE c.id = 1
SELECT id FROM orders ORDER BY total DESC NULLS LAST LIMIT 2 OFFSET 1
SELECT id FROM orders FETCH FIRST 1 ROWS ONLY
SELECT g FROM generate_series(1, 3) g
SELECT u.x FROM unnest(ARRAY[1, 2]) AS u(x)
SELECT p.name, s.n FROM products p, generate_series(1, p.id) AS s(n)
SELECT * FROM products WHERE id IN (1, 2, 3)
SELECT name FROM products WHERE price > 1.5e0 AND category <> 'x'
SELECT 1
SELECT now()
SELECT current_user
SELECT name FROM customers FOR UPDATE
SELECT o.id FROM orders o WHERE o.customer_id IN (SELECT c.id FROM customers c WHERE c.ssn LIKE '1%')
SELECT (SELECT email FROM customers c WHERE c.id = o.customer_id) FROM orders o
SELECT ARRAY(SELECT name FROM products ORDER BY price)
SELECT greatest(total, 0) FROM orders
SELECT name FROM customers WHERE id = (SELECT customer_id FROM orders WHERE note = 'x')
SELECT s.customer_id FROM (SELECT customer_id, sum(total) FROM orders GROUP BY customer_id) s
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s)
SELECT v.n, c.name FROM (VALUES (1), (2)) AS v(n) JOIN customers c ON c.id = v.n
SELECT p.name FROM products p WHERE p.price = (SELECT min(price) FROM order_items i WHERE i.product_id = p.id)
SELECT count(DISTINCT customer_id) FROM orders
SELECT customer_id FROM orders GROUP BY customer_id ORDER BY sum(total)
SELECT name FROM customers ORDER BY length(ssn)
SELECT * FROM ml_rows TABLESAMPLE SYSTEM (100)
TABLE products
SELECT x.email FROM customers x WHERE x.birth_date IS NOT NULL
SELECT public.customers.name FROM public.customers
INSERT INTO customers (name, email) VALUES ('Dee', 'dee@example.com')
INSERT INTO customers (name) VALUES ('Eve') RETURNING id
INSERT INTO customers (name, ssn) VALUES ('Fay', '111-22-3333') RETURNING *
INSERT INTO products VALUES (3, 'cap', 2.5, 'office')
INSERT INTO products VALUES (4, 'mug')
INSERT INTO products (id, name) VALUES (5, 'box'), (6, 'bag')
INSERT INTO order_items SELECT id, 1, 1, total FROM orders
INSERT INTO ml_rows (id, email, ssn) SELECT id, email, ssn FROM customers
INSERT INTO ml_rows SELECT id, email FROM customers WHERE ssn IS NOT NULL
INSERT INTO ml_rows SELECT * FROM ml_rows
INSERT INTO payments (order_id, amount) SELECT o.id, o.total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email IS NOT NULL
INSERT INTO products (id, name) VALUES (1, 'pen') ON CONFLICT DO NOTHING
INSERT INTO products (id, name, price) VALUES (1, 'pen', 2) ON CONFLICT (id) DO UPDATE SET price = EXCLUDED.price
INSERT INTO products (id, name) VALUES (1, 'pen') ON CONFLICT (id) DO UPDATE SET name = products.name || EXCLUDED.name WHERE products.category = 'office'
INSERT INTO hr.employees (id, full_name, salary) VALUES (9, 'New', 1)
WITH src AS (SELECT id, email FROM customers) INSERT INTO ml_rows (id, email) SELECT id, email FROM src
INSERT INTO orders DEFAULT VALUES RETURNING created_at
INSERT INTO orders (customer_id, total) VALUES ((SELECT id FROM customers WHERE email = 'ada@example.com'), 5)
INSERT INTO customer_contacts (name, email) VALUES ('Gus', 'gus@example.com')
UPDATE customers SET email = 'x@example.com' WHERE id = 1
UPDATE customers SET email = lower(email)
UPDATE customers SET name = 'Z'
UPDATE customers SET ssn = NULL WHERE birth_date < '1980-01-01' RETURNING id, name
UPDATE orders SET total = total * 1.1, note = 'bumped' WHERE status = 'new'
UPDATE orders SET status = DEFAULT WHERE id = 2
UPDATE orders o SET note = c.email FROM customers c WHERE c.id = o.customer_id
UPDATE orders SET total = p.amount FROM payments p WHERE p.order_id = orders.id AND p.card_number IS NOT NULL
UPDATE products SET (name, price) = ('pen2', 2) WHERE id = 1
UPDATE products SET (name, price) = (SELECT name, price FROM products WHERE id = 2) WHERE id = 1
UPDATE hr.employees SET salary = salary + 1 WHERE dept IN (SELECT dept FROM hr.employees WHERE manager_id IS NULL)
UPDATE hr.employees e SET manager_id = m.id FROM hr.employees m WHERE m.full_name = 'Grace' AND e.id = 2
UPDATE customers SET created_at = now() WHERE id = 2 RETURNING *
WITH paid AS (SELECT order_id FROM payments) UPDATE orders SET status = 'paid' WHERE id IN (SELECT order_id FROM paid)
UPDATE customer_contacts SET email = 'y@example.com' WHERE id = 1
UPDATE hr.employees SET tags = tags || '{"c": 3}' WHERE id = 1
DELETE FROM order_items
DELETE FROM order_items WHERE qty = 0
DELETE FROM orders WHERE note IS NULL RETURNING id, total
DELETE FROM orders o USING customers c WHERE c.id = o.customer_id AND c.email LIKE '%x%'
DELETE FROM payments WHERE order_id IN (SELECT id FROM orders WHERE status = 'new')
DELETE FROM ml_rows WHERE ssn = '123-45-6789' RETURNING *
WITH gone AS (DELETE FROM ml_rows RETURNING email) SELECT count(*) FROM gone
WITH moved AS (DELETE FROM ml_rows WHERE label = 'a' RETURNING id, email) INSERT INTO ml_rows (id, email) SELECT id, email FROM moved
DELETE FROM customer_contacts WHERE email = 'ada@example.com'
COPY customers TO STDOUT
COPY customers (id, email) TO STDOUT
COPY (SELECT name, ssn FROM customers WHERE id = 1) TO STDOUT WITH (FORMAT csv)
COPY (SELECT * FROM payments) TO STDOUT
COPY (SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id) TO STDOUT
CREATE TABLE tmp_export AS SELECT id, email, ssn FROM customers
CREATE TABLE tmp_totals AS SELECT customer_id, sum(total) AS s FROM orders GROUP BY customer_id
CREATE TEMP TABLE tmp_x AS SELECT * FROM products
SELECT name, email INTO tmp_people FROM customers
SELECT id, card_number INTO TEMP tmp_cards FROM payments WHERE amount > 0
EXPLAIN SELECT email FROM customers WHERE ssn = '1'
CREATE TABLE tmp_empty (a int, b text)
TRUNCATE ml_rows
BEGIN
SET search_path = public
SHOW search_path
SELECT pg_catalog.count(*) FROM public.orders
SELECT "name" FROM "customers" WHERE "email" IS NOT NULL
SELECT c.name FROM customers AS c WHERE c.id = $$1$$::int
SELECT name FROM customers WHERE email = E'ada\x40example.com'
SELECT name FROM customers WHERE email = U&'ada\0040example.com'
SELECT name FROM products WHERE price > .5 OR id = 1. OR price < 1e3
SELECT total FROM orders WHERE note = 'it''s' -- trailing comment
/* leading comment */ SELECT status FROM orders /* nested /* comment */ */ WHERE total > 0
COPY ml_rows (id, email) FROM STDIN
COPY ml_rows FROM STDIN
SELECT o.id, i.qty FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id WHERE p.category = 'office'
SELECT c.name FROM customers c WHERE c.id IN (SELECT o.customer_id FROM orders o WHERE o.id IN (SELECT p.order_id FROM payments p WHERE p.amount > 5))
SELECT sum(i.qty * i.price) FROM order_items i
MERGE INTO products p USING (SELECT 7 AS id, 'kit' AS name) s ON p.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)
SELECT name AS email FROM customers ORDER BY email
SELECT email AS e FROM customers GROUP BY e
SELECT status AS s FROM orders GROUP BY s
SELECT * FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j WHERE j.total > 1
SELECT j.id FROM (orders JOIN payments USING (id)) AS j
SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders c WHERE c.note = 'x')
WITH customers AS (SELECT 1 AS id, 'n' AS name) SELECT name FROM customers
WITH RECURSIVE r(a, b) AS (SELECT id, name FROM products UNION ALL SELECT a + 10, b FROM r WHERE a < 5) SELECT b FROM r
SELECT name FROM customers ORDER BY (SELECT max(total) FROM orders o WHERE o.customer_id = customers.id)
INSERT INTO ml_rows SELECT id, email, ssn FROM customers JOIN orders USING (id)
INSERT INTO ml_rows (id, label) SELECT o.id, o.status FROM orders o WHERE o.total > (SELECT avg(amount) FROM payments)
UPDATE orders SET note = (SELECT email FROM customers c WHERE c.id = orders.customer_id)
SELECT r.a, r.b FROM json_to_record('{"a": 1, "b": "x"}') AS r(a int, b text)
SELECT x.id FROM customers x, customers y WHERE x.email = y.email AND x.id <> y.id
SELECT count(*) FROM customers c1 JOIN customers c2 ON c1.birth_date = c2.birth_date
SELECT id FROM orders WHERE (total, status) IN (SELECT amount, 'paid' FROM payments)
SELECT name FROM products p WHERE price > (SELECT avg(price) FROM products WHERE category = p.category)
WITH w AS (SELECT id FROM customers) SELECT * FROM (WITH unused2 AS (SELECT email FROM customers) SELECT id FROM w) s
SELECT o.id, x.total FROM orders o JOIN LATERAL (SELECT o.total) x ON true
SELECT count(*) FROM orders WHERE status IS DISTINCT FROM 'new'
SELECT id FROM orders o WHERE o IS NOT NULL
SELECT p.* , i.* FROM products p LEFT JOIN order_items i ON i.product_id = p.id
SELECT name FROM customers WHERE id = 1 UNION SELECT full_name FROM hr.staff
SELECT cc.email, ot.total FROM customer_contacts cc JOIN order_totals ot ON ot.customer_id = cc.id
DELETE FROM orders WHERE id IN (SELECT order_id FROM order_items WHERE qty > 3) RETURNING *
UPDATE hr.staff SET dept = 'ops' WHERE full_name = 'Linus'
INSERT INTO hr.staff (id, full_name) VALUES (10, 'Ken')
INSERT INTO order_items (order_id, qty) SELECT id, count(*) FROM orders GROUP BY id
INSERT INTO payments (order_id, amount, paid_at) VALUES (1, 2, now()) RETURNING card_number
MERGE INTO ml_rows m USING customers c ON m.id = c.id WHEN MATCHED AND c.ssn IS NULL THEN DELETE WHEN MATCHED THEN UPDATE SET email = c.email WHEN NOT MATCHED THEN INSERT VALUES (c.id, c.email)
COPY (WITH t AS (SELECT email FROM customers) SELECT * FROM t) TO STDOUT
COPY (DELETE FROM ml_rows RETURNING ssn) TO STDOUT
CREATE MATERIALIZED VIEW mv_orders AS SELECT customer_id, total FROM orders
SELECT DISTINCT c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.status = 'paid' ORDER BY c.name
SELECT name FROM customers WHERE email SIMILAR TO '%example%' AND birth_date IS NULL
SELECT id FROM hr.employees WHERE tags->'a' IS NOT NULL ORDER BY salary
SELECT grouping(dept), dept, sum(salary) FROM hr.employees GROUP BY ROLLUP (dept)
SELECT dept, manager_id, count(*) FROM hr.employees GROUP BY GROUPING SETS ((dept), (manager_id))
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) FROM orders
SELECT customer_id, total, first_value(note) OVER (PARTITION BY customer_id ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM orders
