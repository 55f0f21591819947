-- The demo and end-to-end workload: a small shop with personal data, two
-- people (alice, bob), an AI agent (agent_langchain), a service (svc_billing).
-- Run by scripts/demo-workload.sh, which connects first as the superuser over
-- the sandbox's unix socket and sets PGHOST/PGPORT so that each \connect
-- below is a password login over TCP with its own application_name.
-- The failed login is made by the runner (a failed \connect ends a script).
\set ON_ERROR_STOP on

-- 1. Superuser: roles and the database.
CREATE ROLE alice LOGIN PASSWORD 'alice-demo-pw';
CREATE ROLE bob LOGIN PASSWORD 'bob-demo-pw';
CREATE ROLE agent_langchain LOGIN PASSWORD 'agent-demo-pw';
CREATE ROLE svc_billing LOGIN PASSWORD 'billing-demo-pw';
CREATE DATABASE shop OWNER alice;

-- 2. alice, the database owner, builds the schema and grants access.
\connect 'dbname=shop user=alice password=alice-demo-pw application_name=psql'
CREATE SCHEMA ml;
CREATE TABLE public.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name text NOT NULL,
    email text NOT NULL,
    ssn text,
    card_last4 char(4),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES public.customers (id),
    amount_cents integer NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_id_idx ON public.orders (customer_id);
CREATE TABLE ml.training_rows (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name text,
    email text,
    ssn text,
    label integer
);
ALTER TABLE public.customers ADD COLUMN phone text;
INSERT INTO public.customers (full_name, email, ssn, card_last4, phone) VALUES
    ('Ada Lovelace', 'ada@example.com', '078-05-1120', '4242', '+44 20 7946 0001'),
    ('Grace Hopper', 'grace@example.com', '219-09-9999', '1881', '+1 202 555 0143'),
    ('Alan Turing', 'alan@example.com', '123-45-6789', '0007', '+44 161 496 0000'),
    ('Katherine Johnson', 'kj@example.com', '457-55-5462', '3141', '+1 757 555 0199');
GRANT SELECT ON public.orders TO bob;
GRANT SELECT, INSERT, UPDATE ON public.orders TO svc_billing;
GRANT SELECT (id, email) ON public.customers TO svc_billing;
GRANT SELECT ON public.customers TO agent_langchain;
GRANT USAGE ON SCHEMA ml TO agent_langchain;
GRANT SELECT, INSERT ON ml.training_rows TO agent_langchain;

-- 3. The billing service writes orders with a parameterised statement.
\connect 'dbname=shop user=svc_billing password=billing-demo-pw application_name=billing-api/2.4'
PREPARE new_order(bigint, integer) AS
    INSERT INTO public.orders (customer_id, amount_cents) VALUES ($1, $2);
EXECUTE new_order(1, 4999);
EXECUTE new_order(3, 1250);
EXECUTE new_order(2, 99900);
UPDATE public.orders SET status = 'paid' WHERE customer_id IN (1, 2);
SELECT id, email FROM public.customers WHERE id = 3;

-- 4. alice looks a customer up, fixes an email, runs a report, takes and
-- drops an export.
\connect 'dbname=shop user=alice password=alice-demo-pw application_name=psql'
SELECT full_name, email, ssn FROM public.customers WHERE email = 'grace@example.com';
UPDATE public.customers SET email = 'ada.lovelace@example.org' WHERE id = 1;
SELECT c.full_name,
       count(o.id) AS n_orders,
       sum(o.amount_cents) AS total_cents
  FROM public.customers c
  LEFT JOIN public.orders o ON o.customer_id = c.id
 GROUP BY c.full_name
 ORDER BY total_cents DESC NULLS LAST;
CREATE TABLE public.customers_export AS
    SELECT id, full_name, email FROM public.customers;
DROP TABLE public.customers_export;

-- 5. bob reads orders, then tries customers, which he was never granted.
\connect 'dbname=shop user=bob password=bob-demo-pw application_name=dbeaver-23.1'
SELECT id, status, amount_cents FROM public.orders WHERE status = 'paid';
\set ON_ERROR_STOP off
SELECT full_name, ssn FROM public.customers;
\set ON_ERROR_STOP on

-- 6. The AI agent copies personal data, SSNs included, into a training table.
\connect 'dbname=shop user=agent_langchain password=agent-demo-pw application_name=langchain-agent/0.2'
SELECT count(*) FROM public.customers;
INSERT INTO ml.training_rows (full_name, email, ssn, label)
    SELECT full_name, email, ssn, 1 FROM public.customers;
SELECT count(*) FROM ml.training_rows;
