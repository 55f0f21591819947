-- The oracle's restricted role and the function that, inside a transaction,
-- grants it every privilege except one column's SELECT (mode 'read') or
-- INSERT and UPDATE (mode 'write'); mode 'all' grants everything. Views
-- are handed to the role, so that PostgreSQL checks the base columns a view
-- reads against the role too (a view's base tables are checked with its
-- owner's privileges).
CREATE ROLE oracle NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA public, hr TO oracle;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public, hr TO oracle;

CREATE FUNCTION oracle_setup(mode text, tschema text, tname text,
                             tcol text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    a record;
    others text;
BEGIN
    FOR r IN
        SELECT n.nspname, c.relname, c.relkind, c.oid
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'hr') AND c.relkind IN ('r', 'v')
    LOOP
        IF r.relkind = 'v' THEN
            EXECUTE format('ALTER VIEW %I.%I OWNER TO oracle', r.nspname,
                           r.relname);
            CONTINUE;
        END IF;
        IF mode = 'all' OR r.nspname <> tschema OR r.relname <> tname THEN
            EXECUTE format('GRANT ALL ON %I.%I TO oracle', r.nspname,
                           r.relname);
            CONTINUE;
        END IF;
        SELECT string_agg(quote_ident(attname), ', ') INTO others
        FROM pg_attribute
        WHERE attrelid = r.oid AND attnum > 0 AND NOT attisdropped
          AND attname <> tcol;
        IF mode = 'read' THEN
            EXECUTE format('GRANT INSERT, UPDATE, DELETE, TRUNCATE, '
                           'REFERENCES, TRIGGER ON %I.%I TO oracle',
                           r.nspname, r.relname);
            EXECUTE format('GRANT SELECT (%s) ON %I.%I TO oracle', others,
                           r.nspname, r.relname);
        ELSE
            EXECUTE format('GRANT SELECT, DELETE, TRUNCATE, REFERENCES, '
                           'TRIGGER ON %I.%I TO oracle', r.nspname,
                           r.relname);
            EXECUTE format('GRANT INSERT (%s), UPDATE (%s) ON %I.%I TO oracle',
                           others, others, r.nspname, r.relname);
        END IF;
    END LOOP;
END
$$;
