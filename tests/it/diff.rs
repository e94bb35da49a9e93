//! `schemac diff` on a real PostgreSQL: every project applied by gen shows no drift; each
//! drift scenario is found with the right change and exit 1, and the `--sql` it prints
//! repairs the database so that diff is clean again.

use crate::gen::{apply, create_external_roles, gen_stdout, stubs};
use crate::pg::{test_db, TestDb};
use crate::{root, schemac, settings, subdirs};

fn fresh(dir: &str, name: &str) -> Option<TestDb> {
    let mut db = test_db(name)?;
    apply(&mut db, &stubs(), "stubs");
    create_external_roles(&mut db, dir);
    apply(&mut db, &gen_stdout(dir), &format!("gen of {dir}"));
    Some(db)
}

fn diff_json(dir: &str, db: &TestDb) -> (i32, serde_json::Value) {
    let r = schemac(&["diff", dir, "--db", &db.url, "--format", "json", "-v"]);
    // Drift is never concluded from the catalog prediction: the shadow decides.
    assert!(
        r.code != 1 || r.stderr.contains("built a shadow database"),
        "{dir}: drift reported without a shadow database:\n{}",
        r.stderr
    );
    assert!(
        r.code == 0 || r.code == 1,
        "diff {dir} failed ({}):\n{}",
        r.code,
        r.stderr
    );
    let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("json: {e}\n{}", r.stdout));
    (r.code, v)
}

#[test]
fn every_project_shows_no_drift_after_gen() {
    let mut dirs = vec!["schema".to_string()];
    dirs.extend(subdirs("tests/fixtures/projects"));
    dirs.extend(subdirs("tests/fixtures/supabase"));
    for dir in dirs {
        let Some(db) = fresh(&dir, &format!("nodrift_{}", crate::leaf(&dir))) else {
            return;
        };
        // Both ways of comparing: the catalog prediction where it applies, and the shadow
        // database.
        let r = schemac(&["diff", &dir, "--db", &db.url, "--verbose"]);
        assert_eq!(
            r.code, 0,
            "{dir} drifts right after gen:\n{}{}",
            r.stdout, r.stderr
        );
        assert!(r.stdout.starts_with("No drift"), "{}", r.stdout);
        let fast = !r.stderr.contains("built a shadow database");
        assert_eq!(
            fast,
            FAST_PATH_DIRS.contains(&dir.as_str()),
            "{dir}: fast path expected only for {FAST_PATH_DIRS:?}; stderr:\n{}",
            r.stderr
        );
        same_catalog_on_one_and_three_connections(&db, &dir);
        let r = schemac(&["diff", &dir, "--db", &db.url, "--always-shadow", "-v"]);
        assert_eq!(
            r.code, 0,
            "{dir} drifts by the shadow:\n{}{}",
            r.stdout, r.stderr
        );
        assert!(
            r.stderr
                .contains("built a shadow database (--always-shadow)"),
            "{}",
            r.stderr
        );
    }
}

/// Reading a catalog on several connections (each with its share of the tables, inside the
/// first one's snapshot) gives what one connection reads. The projects are small enough to
/// be read on one connection by default: `parallel_from: 0` makes the read parallel anyway.
fn same_catalog_on_one_and_three_connections(db: &TestDb, dir: &str) {
    use schemac::introspect::{read_parallel, Source};
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).expect("connect");
    let schemas: Vec<String> = c
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1",
            &[],
        )
        .expect("schemas")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let scope = schemac::catalog::Scope {
        schemas: schemas.clone(),
        privilege_schemas: schemas,
        buckets: false,
        ..Default::default()
    };
    let read = |connections, parallel_from| {
        let source = Source {
            cfg: schemac::pg::config(&db.url).expect("config"),
            url: &db.url,
            scope: &scope,
            deps: true,
            connections,
            parallel_from,
        };
        read_parallel(std::slice::from_ref(&source))
            .unwrap_or_else(|e| panic!("{dir}: reading failed: {:?}", e.error))
            .pop()
            .expect("one side")
            .1
    };
    assert!(
        read(1, 0) == read(3, 0),
        "{dir}: the catalog read on three connections differs from the one read on one"
    );
}

/// A database is read on several connections only from `parallel_from` relations of its
/// own up, and then every connection works inside the first one's snapshot: a table created
/// and committed after the snapshot was taken, before the other connections query, is seen
/// by none of them. Below that size the first connection runs every query, and no other is
/// opened.
#[test]
fn large_catalogs_are_read_on_several_connections_in_one_snapshot() {
    use schemac::pg::snapshot::{read, Job, Side};
    use std::sync::atomic::{AtomicBool, Ordering};
    let Some(db) = test_db("parallel_read") else {
        return;
    };
    let url = db.url.clone();
    let run = |parallel_from: i64, probe: &str| -> Vec<(i32, i64)> {
        let created = AtomicBool::new(false);
        let query =
            format!("SELECT pg_backend_pid(), count(*) FROM pg_class WHERE relname = '{probe}'");
        let side = Side {
            cfg: schemac::pg::config(&url).expect("config"),
            url: &url,
            connections: 3,
            parallel_from,
            jobs: (0..3)
                .map(|k| {
                    let (created, query, url) = (&created, query.clone(), url.clone());
                    let probe = probe.to_string();
                    Job {
                        run: Box::new(move |c: &mut postgres::Client| {
                            if k == 0 {
                                // The first connection's job: a table committed by another
                                // session after the snapshot.
                                let mut other = postgres::Client::connect(&url, postgres::NoTls)?;
                                other.batch_execute(&format!("CREATE TABLE {probe} ()"))?;
                                created.store(true, Ordering::SeqCst);
                            } else {
                                let waited = std::time::Instant::now();
                                while !created.load(Ordering::SeqCst)
                                    && waited.elapsed() < std::time::Duration::from_secs(30)
                                {
                                    std::thread::sleep(std::time::Duration::from_millis(5));
                                }
                            }
                            c.query(&query, &[])
                        }),
                        on: Some(k),
                    }
                })
                .collect(),
        };
        let mut out = read(vec![side]).unwrap_or_else(|e| panic!("read: {:?}", e.error));
        let first = out.pop().expect("one side");
        first
            .rows
            .iter()
            .map(|rows| (rows[0].get(0), rows[0].get(1)))
            .collect()
    };
    let pids = |v: &[(i32, i64)]| {
        v.iter()
            .map(|r| r.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let small = run(i64::MAX, "probe_small");
    assert_eq!(pids(&small), 1, "{small:?}");
    let large = run(0, "probe_large");
    assert_eq!(pids(&large), 3, "{large:?}");
    assert!(
        large.iter().all(|r| r.1 == 0),
        "a connection read past the snapshot: {large:?}"
    );
}

/// The project that declares every kind beside tables and views.
const KINDS: &str = "tests/fixtures/projects/kinds";

/// (name, project, SQL that causes the drift, expected change kind, expected object substring)
const SCENARIOS: &[(&str, &str, &str, &str, &str)] = &[
    ("column_added", "schema", "ALTER TABLE goals ADD COLUMN extra text", "drop_column", "extra"),
    ("column_type", "schema", "ALTER TABLE goals ALTER COLUMN unit TYPE varchar(50)", "alter_column_type", "unit"),
    // The table is made in part in the shadow: its columns, and the check and the index
    // that depend on the retyped column; the rest of it is the prediction's.
    (
        "column_type_with_dependents",
        "schema",
        "ALTER TABLE goals ALTER COLUMN category TYPE varchar(40)",
        "alter_column_type",
        "category",
    ),
    ("not_null_dropped", "schema", "ALTER TABLE goals ALTER COLUMN name DROP NOT NULL", "alter_column_nullability", "name"),
    ("default_changed", "schema", "ALTER TABLE goals ALTER COLUMN is_numeric SET DEFAULT false", "alter_column_default", "is_numeric"),
    ("index_dropped", "schema", "DROP INDEX sprints_active_user_id_idx", "add_index", "sprints_active_user_id_idx"),
    (
        "index_predicate",
        "schema",
        "DROP INDEX sprints_active_user_id_idx; CREATE INDEX sprints_active_user_id_idx ON sprints (user_id) WHERE status = 'completed'",
        "replace_index",
        "sprints_active_user_id_idx",
    ),
    ("policy_expression", "schema", "ALTER POLICY goals_owner ON goals USING (true)", "replace_policy", "goals_owner"),
    ("policy_roles", "schema", "ALTER POLICY goals_owner ON goals TO anon", "replace_policy", "goals_owner"),
    ("policy_dropped", "schema", "DROP POLICY goals_owner ON goals", "add_policy", "goals_owner"),
    ("rls_disabled", "schema", "ALTER TABLE goals DISABLE ROW LEVEL SECURITY", "enable_rls", "goals"),
    (
        "function_body",
        "schema",
        "CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS $$ BEGIN RETURN NEW; END $$",
        "replace_function",
        "update_updated_at_column",
    ),
    ("function_search_path", "schema", "ALTER FUNCTION update_updated_at_column() RESET search_path", "replace_function", "update_updated_at_column"),
    ("trigger_dropped", "schema", "DROP TRIGGER update_goals_updated_at ON goals", "add_trigger", "update_goals_updated_at"),
    ("enum_value_added", "tests/fixtures/converge/v2", "ALTER TYPE goal_status ADD VALUE 'archived'", "remove_enum_value", "goal_status"),
    ("grant_revoked", "tests/fixtures/projects/numoraq", "REVOKE SELECT ON cms_settings FROM authenticated", "grant", "cms_settings"),
    ("extra_table", "schema", "CREATE TABLE public.extra (id int PRIMARY KEY)", "drop_table", "extra"),
    // The kinds declared beside tables: each property changed in the database (several
    // at once; the repair must bring back all of them).
    (
        "sequence_options",
        KINDS,
        "ALTER SEQUENCE invoice_no INCREMENT BY 5 CACHE 1; ALTER SEQUENCE ticket_no NO CYCLE MAXVALUE 5000 START WITH 2 OWNED BY NONE; COMMENT ON SEQUENCE invoice_no IS NULL",
        "alter_sequence",
        "invoice_no",
    ),
    ("sequence_extra", KINDS, "CREATE SEQUENCE stray_no", "drop_sequence", "stray_no"),
    // An API sequence's privilege taken away: the partial shadow places its table.
    (
        "sequence_grant_revoked",
        "tests/fixtures/converge/serial-api",
        "REVOKE USAGE ON SEQUENCE tickets_n_seq FROM authenticated",
        "grant",
        "tickets_n_seq",
    ),
    // Collations: one the project lacks is dropped, a comment comes back, and one made
    // with another locale (while the column that uses it was moved to "C") is made again.
    ("collation_extra", KINDS, "CREATE COLLATION stray_collation (locale = 'C')", "drop_collation", "stray_collation"),
    ("collation_comment", KINDS, "COMMENT ON COLLATION case_insensitive IS NULL", "alter_collation", "case_insensitive"),
    (
        "collation_locale",
        KINDS,
        "ALTER TABLE invoices ALTER COLUMN customer_code TYPE text COLLATE \"C\"; \
         DROP COLLATION posix_sort; CREATE COLLATION posix_sort (locale = 'C')",
        "replace_collation",
        "posix_sort",
    ),
    (
        // Every function option changed in place (ALTER FUNCTION keeps the body).
        "function_options",
        KINDS,
        "ALTER FUNCTION amount_cents(numeric) CALLED ON NULL INPUT NOT LEAKPROOF PARALLEL UNSAFE COST 100; \
         ALTER FUNCTION recent_invoices(int) ROWS 26 PARALLEL SAFE; \
         ALTER FUNCTION invoice_amount(uuid) SET work_mem = '65MB' RESET statement_timeout; \
         ALTER FUNCTION split_amount(numeric, numeric[]) SET \"app.extra\" = 'x'",
        "replace_function",
        "amount_cents",
    ),
    (
        "type_fields",
        KINDS,
        "ALTER TYPE address ADD ATTRIBUTE country text; ALTER TYPE money_range ALTER ATTRIBUTE currency TYPE text; COMMENT ON TYPE money_range IS NULL",
        "alter_composite_type",
        "address",
    ),
    (
        "domain_options",
        KINDS,
        "ALTER DOMAIN positive_amount SET DEFAULT 1; ALTER DOMAIN email_address DROP NOT NULL; COMMENT ON DOMAIN email_address IS 'other'",
        "alter_domain",
        "positive_amount",
    ),
    (
        "domain_check",
        KINDS,
        "ALTER DOMAIN positive_amount DROP CONSTRAINT positive_amount_max; ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_max CHECK (VALUE < 100)",
        "alter_domain",
        "positive_amount",
    ),
    (
        "matview_query",
        KINDS,
        // The view that reads it must be made again by the plan too.
        "DROP VIEW frequent_customers; DROP MATERIALIZED VIEW invoice_totals; \
         CREATE MATERIALIZED VIEW invoice_totals AS SELECT invoices.customer_email, count(*) AS invoices, min(invoices.created_at) AS last_invoice FROM invoices GROUP BY invoices.customer_email; \
         CREATE VIEW frequent_customers WITH (security_invoker = true) AS SELECT invoice_totals.customer_email FROM invoice_totals WHERE invoice_totals.invoices > 10",
        "add_materialized_view",
        "invoice_totals",
    ),
    (
        "policy_comment",
        KINDS,
        "COMMENT ON POLICY invoices_read ON invoices IS 'other'",
        "set_comment",
        "invoices_read",
    ),
    (
        "part_comments",
        KINDS,
        "COMMENT ON INDEX invoices_created_at_idx IS 'other'; COMMENT ON TRIGGER invoices_stamp ON invoices IS NULL; COMMENT ON CONSTRAINT invoices_pkey ON invoices IS 'stray'; COMMENT ON TYPE invoice_status IS NULL",
        "set_comment",
        "index invoices_created_at_idx",
    ),
    (
        "constraint_comments",
        KINDS,
        "COMMENT ON CONSTRAINT bookings_no_overlap ON bookings IS 'other'; COMMENT ON CONSTRAINT bookings_pkey ON bookings IS NULL",
        "set_comment",
        "bookings_no_overlap",
    ),
    (
        "collation",
        KINDS,
        "ALTER TABLE invoices ALTER COLUMN reference TYPE text COLLATE \"POSIX\"",
        "alter_column_type",
        "reference",
    ),
    (
        "unlogged",
        KINDS,
        "ALTER TABLE invoice_events_rest SET LOGGED",
        "set_persistence",
        "invoice_events_rest",
    ),
    (
        // Declared owners handed back to the connecting role.
        "owners",
        KINDS,
        "ALTER TABLE invoices OWNER TO CURRENT_USER; ALTER VIEW frequent_customers OWNER TO CURRENT_USER; \
         ALTER FUNCTION stamp_invoice() OWNER TO CURRENT_USER",
        "set_owner",
        "table invoices",
    ),
    (
        "trigger_update_of",
        KINDS,
        "CREATE OR REPLACE TRIGGER invoices_restamp BEFORE UPDATE OF customer_email, amount ON invoices FOR EACH ROW EXECUTE FUNCTION stamp_invoice()",
        "replace_trigger",
        "invoices_restamp",
    ),
    (
        // NULLS NOT DISTINCT and a storage parameter dropped, another reset.
        "index_options",
        KINDS,
        "DROP INDEX invoices_ticket_idx; CREATE UNIQUE INDEX invoices_ticket_idx ON invoices (ticket) WITH (fillfactor = 60); \
         ALTER INDEX invoices_email_hash RESET (fillfactor)",
        "replace_index",
        "invoices_ticket_idx",
    ),
    (
        "identity_options",
        KINDS,
        "ALTER TABLE invoices ALTER COLUMN line_no SET GENERATED ALWAYS SET INCREMENT BY 1 SET MINVALUE -5 SET START WITH 1",
        "alter_column_identity",
        "line_no",
    ),
    (
        "matview_index",
        KINDS,
        "DROP INDEX invoice_totals_customer_email_idx; COMMENT ON MATERIALIZED VIEW invoice_totals IS NULL",
        "add_index",
        "invoice_totals_customer_email_idx",
    ),
    (
        // A child that stopped inheriting (it keeps the parent's columns as its own): it
        // inherits again, and the columns it kept are left to the parent's.
        "inheritance",
        KINDS,
        "ALTER TABLE invoice_audit_entries NO INHERIT audit_entries",
        "inherit",
        "invoice_audit_entries",
    ),
    (
        // A partition missing and another with a wrong bound: made again, and detached
        // and attached with its bound (its rows stay).
        "partitions",
        KINDS,
        "DROP TABLE invoice_events_rest; \
         ALTER TABLE invoice_events DETACH PARTITION invoice_events_2024; \
         ALTER TABLE invoice_events ATTACH PARTITION invoice_events_2024 FOR VALUES FROM ('2023-01-01') TO ('2025-01-01')",
        "add_table",
        "invoice_events_rest",
    ),
    (
        // An exclusion constraint dropped, another made again without DEFERRABLE.
        "exclusions",
        KINDS,
        "ALTER TABLE bookings DROP CONSTRAINT bookings_room_during_excl; \
         ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap, ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, tstzrange(starts_at, ends_at) WITH &&) INCLUDE (cancelled) WHERE (cancelled = false)",
        "add_constraint",
        "bookings_room_during_excl",
    ),
    (
        // A key's options dropped: made again with them.
        "key_options",
        KINDS,
        "ALTER TABLE bookings DROP CONSTRAINT bookings_room_starts_at_key, ADD CONSTRAINT bookings_room_starts_at_key UNIQUE (room, starts_at)",
        "replace_constraint",
        "bookings_room_starts_at_key",
    ),
    (
        // A foreign key's options dropped: made again with them.
        "fk_options",
        KINDS,
        "ALTER TABLE bookings DROP CONSTRAINT bookings_invoice_id_fkey, ADD CONSTRAINT bookings_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES invoices(id)",
        "replace_constraint",
        "bookings_invoice_id_fkey",
    ),
    (
        // A check made again without NO INHERIT.
        "check_no_inherit",
        KINDS,
        "ALTER TABLE bookings DROP CONSTRAINT bookings_room_positive, ADD CONSTRAINT bookings_room_positive CHECK (room > 0)",
        "replace_constraint",
        "bookings_room_positive",
    ),
    (
        // NOT VALID: a check declared validated is NOT VALID in the database (VALIDATE
        // CONSTRAINT), and a foreign key declared NOT VALID was validated (no drift: a
        // validated constraint is what a NOT VALID one becomes).
        "not_valid",
        KINDS,
        "ALTER TABLE bookings VALIDATE CONSTRAINT bookings_credit_note_id_fkey; \
         ALTER TABLE bookings DROP CONSTRAINT bookings_ends_after_start, \
           ADD CONSTRAINT bookings_ends_after_start CHECK (ends_at > starts_at) NOT VALID; \
         COMMENT ON CONSTRAINT bookings_ends_after_start ON bookings IS 'A booking ends after it starts'",
        "validate_constraint",
        "bookings_ends_after_start",
    ),
    // Triggers on a view: one missing is made, one changed is replaced (with its comment).
    ("view_trigger_dropped", KINDS, "DROP TRIGGER invoice_notes_touched ON invoice_notes", "add_trigger", "invoice_notes_touched"),
    (
        "view_trigger_changed",
        KINDS,
        "CREATE OR REPLACE TRIGGER invoice_notes_write INSTEAD OF UPDATE OR DELETE ON invoice_notes \
         FOR EACH ROW EXECUTE FUNCTION invoice_note_write(); \
         COMMENT ON TRIGGER invoice_notes_write ON invoice_notes IS NULL",
        "replace_trigger",
        "invoice_notes_write",
    ),
    (
        // A view whose columns differ: the plan drops it and makes it again, with its
        // triggers, their comment, its comment and its owner (diff then finds nothing).
        "view_with_triggers_recreated",
        KINDS,
        "DROP VIEW invoice_notes; \
         CREATE VIEW invoice_notes AS SELECT invoices.number, invoices.id FROM invoices; \
         ALTER VIEW invoice_notes OWNER TO billing_owner; \
         COMMENT ON VIEW invoice_notes IS 'Invoice numbers, editable'; \
         CREATE TRIGGER invoice_notes_write INSTEAD OF UPDATE ON invoice_notes FOR EACH ROW EXECUTE FUNCTION invoice_note_write(); \
         COMMENT ON TRIGGER invoice_notes_write ON invoice_notes IS 'Writes the number through to the invoice'; \
         CREATE TRIGGER invoice_notes_touched AFTER INSERT OR UPDATE ON invoice_notes FOR EACH STATEMENT WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION invoice_notes_touched('it''s noted')",
        "replace_view",
        "invoice_notes",
    ),
    (
        // A grant option taken away (table and sequence), one given that is not declared.
        "grant_options",
        KINDS,
        "REVOKE GRANT OPTION FOR SELECT ON invoices FROM billing_reader; \
         REVOKE GRANT OPTION FOR USAGE ON SEQUENCE counters_n_seq FROM billing_reader; \
         GRANT USAGE ON SEQUENCE invoice_no TO billing_reader WITH GRANT OPTION",
        "grant",
        "invoices",
    ),
    (
        // A column privilege revoked, another granted that is not declared.
        "column_grants",
        KINDS,
        "REVOKE UPDATE (amount) ON invoices FROM billing_reader; \
         GRANT SELECT (secret) ON counters TO billing_reader",
        "grant",
        "invoices",
    ),
    (
        // Sequence privileges: a declared one revoked, an extra one for a declared grantee,
        // the derived USAGE the explicit entry replaces revoked.
        "sequence_grants",
        KINDS,
        "REVOKE SELECT ON SEQUENCE invoice_no FROM billing_reader; \
         GRANT UPDATE ON SEQUENCE counters_n_seq TO authenticated; \
         REVOKE USAGE ON SEQUENCE counters_n_seq FROM authenticated",
        "grant",
        "invoice_no",
    ),
    (
        // EXECUTE of a role of the project's own: its grant option taken away, then all of it.
        "function_grants",
        KINDS,
        "REVOKE GRANT OPTION FOR EXECUTE ON FUNCTION amount_cents(numeric) FROM billing_reader; \
         REVOKE EXECUTE ON FUNCTION amount_cents(numeric) FROM billing_reader",
        "grant",
        "amount_cents",
    ),
    // Near misses for the catalog prediction (schema/ is recognised without a shadow when
    // it matches): each must still be reported.
    (
        "policy_initplan_removed",
        "schema",
        "ALTER POLICY goals_owner ON goals USING (user_id = (auth.uid())::text)",
        "replace_policy",
        "goals_owner",
    ),
    (
        "check_value_removed",
        "schema",
        "ALTER TABLE goals DROP CONSTRAINT goals_category_check, ADD CONSTRAINT goals_category_check CHECK (category IN ('professional', 'fitness', 'financial', 'Personal'))",
        "replace_constraint",
        "goals_category_check",
    ),
    // A near miss on a seed project's catalog path: date_trunc on timestamp where the
    // project's date is cast to timestamptz (the mutation test covers the other forms).
    (
        "check_cast_target",
        "tests/fixtures/projects/privacy",
        "ALTER TABLE cohorts DROP CONSTRAINT cohorts_cohort_month_check, ADD CONSTRAINT cohorts_cohort_month_check CHECK (cohort_month = date_trunc('month', cohort_month::timestamp)::date)",
        "replace_constraint",
        "cohorts_cohort_month_check",
    ),
];

#[test]
fn drift_scenarios_are_found_and_repaired() {
    // The kinds' scenarios share one database: each ends repaired (diff finds nothing),
    // which is where the next one starts.
    let mut shared: Option<TestDb> = None;
    for (name, dir, drift, kind, object) in SCENARIOS {
        let mut db = match shared.take() {
            Some(db) if *dir == KINDS => db,
            _ => {
                let Some(db) = fresh(dir, &format!("drift_{name}")) else {
                    return;
                };
                db
            }
        };
        apply(&mut db, drift, name);
        let (code, v) = diff_json(dir, &db);
        assert_eq!(code, 1, "{name}: drift not detected");
        let changes = v["changes"].as_array().cloned().unwrap_or_default();
        let found = changes.iter().any(|c| {
            c["kind"] == *kind
                && serde_json::to_string(&c["object"])
                    .unwrap_or_default()
                    .contains(object)
        });
        assert!(
            found,
            "{name}: expected {kind} on {object}, got:\n{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
        // A shadow of only what differs (and what it needs) finds exactly what the whole
        // project's shadow finds.
        let whole = schemac(&[
            "diff",
            dir,
            "--db",
            &db.url,
            "--format",
            "json",
            "--always-shadow",
        ]);
        let whole: serde_json::Value = serde_json::from_str(&whole.stdout)
            .unwrap_or_else(|e| panic!("{name}: json: {e}\n{}", whole.stdout));
        assert_eq!(
            v["changes"], whole["changes"],
            "{name}: the partial shadow and the whole one differ"
        );
        let sql = schemac(&["diff", dir, "--db", &db.url, "--sql", "--allow-destructive"]);
        assert_eq!(sql.code, 1, "{name}: {}", sql.stderr);
        apply(&mut db, &sql.stdout, &format!("{name}: repair"));
        let r = schemac(&["diff", dir, "--db", &db.url]);
        assert_eq!(
            r.code, 0,
            "{name}: still drifting after --sql:\n{}\n--- sql was:\n{}",
            r.stdout, sql.stdout
        );
        if *dir == KINDS {
            shared = Some(db);
        }
    }
}

#[test]
fn destructive_changes_are_withheld_without_allow_destructive() {
    let Some(mut db) = fresh("schema", "withheld") else {
        return;
    };
    apply(&mut db, "ALTER TABLE goals ADD COLUMN extra text", "drift");
    let r = schemac(&["diff", "schema", "--db", &db.url, "--sql"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("-- Withheld"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("--   ALTER TABLE public.goals DROP COLUMN extra;"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout
            .lines()
            .any(|l| l.starts_with("ALTER TABLE public.goals DROP COLUMN")),
        "{}",
        r.stdout
    );
}

/// `text` with the two databases' URLs, as given and as shown, replaced by FROM and TO.
fn masked(text: &str, a: &TestDb, b: &TestDb) -> String {
    let mut t = text.to_string();
    for (db, name) in [(a, "FROM"), (b, "TO")] {
        t = t
            .replace(&schemac::pg::redact(&db.url), name)
            .replace(&db.url, name);
    }
    t
}

/// `diff --from --to --sql --allow-destructive`: the whole plan from one database to another.
fn full_plan(from: &str, to: &str) -> crate::Run {
    schemac(&[
        "diff",
        "--from",
        from,
        "--to",
        to,
        "--sql",
        "--allow-destructive",
    ])
}

#[test]
fn two_databases() {
    let Some(a) = fresh("tests/fixtures/converge/v1", "from_v1") else {
        return;
    };
    let Some(b) = fresh("tests/fixtures/converge/v2", "to_v2") else {
        return;
    };
    let r = full_plan(&a.url, &b.url);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let mut a = a;
    apply(&mut a, &r.stdout, "v1 → v2");
    let r = schemac(&["diff", "--from", &a.url, "--to", &b.url]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn connection_errors_exit_2_without_leaking_the_password() {
    let cases = [
        "postgres://user:hunter2@127.0.0.1:1/db",
        "postgres://user:hunter2@nonexistent.invalid/db",
        "not a url at all ::: %%%",
    ];
    for url in cases {
        let r = schemac(&["diff", "schema", "--db", url]);
        assert_eq!(r.code, 2, "{url}: {}{}", r.stdout, r.stderr);
        assert!(
            !r.stderr.contains("hunter2") && !r.stdout.contains("hunter2"),
            "{url} leaked: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    if let Ok(base) = std::env::var("TEST_DATABASE_URL") {
        let (head, _) = base.rsplit_once('/').unwrap_or((&base, ""));
        let r = schemac(&[
            "diff",
            "schema",
            "--db",
            &format!("{head}/no_such_database_xyz"),
        ]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("no_such_database_xyz"), "{}", r.stderr);
        let wrong = head.replacen("postgres://postgres@", "postgres://nobody_here:hunter2@", 1);
        let r = schemac(&["diff", "schema", "--db", &format!("{wrong}/postgres")]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
    }
}

#[test]
fn sslmode_require_is_honoured() {
    let Some(db) = fresh("tests/fixtures/converge/v2", "tls") else {
        return;
    };
    if std::env::var("TEST_SSL").is_err() {
        // The test server runs without TLS (no openssl when it was started).
        let r = schemac(&[
            "diff",
            "tests/fixtures/converge/v2",
            "--db",
            &format!("{}?sslmode=require", db.url),
        ]);
        assert_eq!(
            r.code, 2,
            "sslmode=require against a server without TLS must fail: {}",
            r.stdout
        );
        return;
    }
    let url = format!("{}?sslmode=require", db.url);
    let mut c = schemac::pg::connect(&url).expect("connect with sslmode=require");
    let row = c
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .expect("pg_stat_ssl");
    assert!(row.get::<_, bool>(0), "the connection is not encrypted");
    let r = schemac(&["diff", "tests/fixtures/converge/v2", "--db", &url]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = schemac(&[
        "diff",
        "tests/fixtures/converge/v2",
        "--db",
        &format!("{}?sslmode=disable", db.url),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// Textual mutations of a definition that change its meaning.
fn mutate_sql(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (from, to) in [
        (" = ", " <> "),
        (" AND ", " OR "),
        ("auth.uid()", "auth.role()"),
        ("true", "false"),
        (" IS NULL", " IS NOT NULL"),
        ("ON DELETE CASCADE", "ON DELETE SET NULL"),
        ("BEFORE", "AFTER"),
        (" OR ", " AND "),
        ("= ANY", "<> ALL"),
        ("TRIM(BOTH", "TRIM(LEADING"),
        (" JOIN ", " LEFT JOIN "),
        ("NOT (EXISTS", "(EXISTS"),
        (" * ", " / "),
        (" - ", " + "),
        ("round(", "trunc("),
    ] {
        if s.contains(from) {
            out.push(s.replacen(from, to, 1));
        }
    }
    // A cast around a column (a literal's cast only records the type PostgreSQL gave it).
    for (from, to) in [
        (")::numeric", ")::integer"),
        (
            ")::timestamp with time zone",
            ")::timestamp without time zone",
        ),
    ] {
        let at = s.match_indices(from).find(|(i, _)| {
            s[..*i].rsplit_once('(').is_some_and(|(_, inside)| {
                inside.starts_with(|c: char| c.is_ascii_alphabetic())
                    && inside
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            })
        });
        if let Some((i, _)) = at {
            out.push(format!("{}{to}{}", &s[..i], &s[i + from.len()..]));
        }
    }
    if let Some(i) = s.find('\'') {
        out.push(format!("{}'x{}", &s[..i], &s[i + 1..]));
    }
    if let Some((i, c)) = s.char_indices().find(|(_, c)| c.is_ascii_digit()) {
        let d = if c == '9' { '8' } else { (c as u8 + 1) as char };
        out.push(format!("{}{d}{}", &s[..i], &s[i + 1..]));
    }
    out.push(format!("NOT ({s})"));
    out
}

/// `pg_get_functiondef` with one option changed: each of STRICT, LEAKPROOF, SECURITY
/// DEFINER, PARALLEL, the volatility, COST and ROWS dropped or another value, each absent
/// one added, and each `SET` line dropped, given another value or moved; a `SET` added.
fn mutate_function_options(def: &str) -> Vec<String> {
    let lines: Vec<&str> = def.split('\n').collect();
    // The header ends at `AS …`; the options line (if any) follows ` LANGUAGE …`, the
    // `SET` lines follow it.
    let Some(end) = lines.iter().position(|l| l.starts_with("AS ")) else {
        return Vec::new();
    };
    let Some(lang) = lines[..end]
        .iter()
        .position(|l| l.starts_with(" LANGUAGE "))
    else {
        return Vec::new();
    };
    let join = |ls: Vec<String>| -> String {
        ls.into_iter()
            .chain(lines[end..].iter().map(|l| l.to_string()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let has_options = lines
        .get(lang + 1)
        .is_some_and(|l| lang + 1 < end && !l.starts_with(" SET "));
    let options = if has_options { lines[lang + 1] } else { "" };
    let sets: Vec<&str> = lines[lang + 1 + usize::from(has_options)..end].to_vec();
    let with = |options: &str, sets: &[String]| -> String {
        let mut out: Vec<String> = lines[..=lang].iter().map(|l| l.to_string()).collect();
        if !options.is_empty() {
            out.push(options.to_string());
        }
        out.extend(sets.iter().cloned());
        join(out)
    };
    let sets_owned: Vec<String> = sets.iter().map(|l| l.to_string()).collect();
    let mut out = Vec::new();
    for word in [
        " STRICT",
        " LEAKPROOF",
        " SECURITY DEFINER",
        " PARALLEL SAFE",
        " PARALLEL RESTRICTED",
        " IMMUTABLE",
        " STABLE",
    ] {
        if options.contains(word) {
            out.push(with(&options.replacen(word, "", 1), &sets_owned));
        }
    }
    for word in [" STRICT", " LEAKPROOF", " PARALLEL SAFE", " COST 7"] {
        if !options.contains(word.trim_end_matches(" 7")) {
            out.push(with(&format!("{options}{word}"), &sets_owned));
        }
    }
    if options.contains(" PARALLEL SAFE") {
        out.push(with(
            &options.replacen(" PARALLEL SAFE", " PARALLEL RESTRICTED", 1),
            &sets_owned,
        ));
    }
    for key in [" COST ", " ROWS "] {
        if let Some(i) = options.find(key) {
            let rest = &options[i + key.len()..];
            let n = rest.split(' ').next().unwrap_or_default();
            let after = &rest[n.len()..];
            let other = if n == "8" { "9" } else { "8" };
            out.push(with(&format!("{}{after}", &options[..i]), &sets_owned));
            out.push(with(
                &format!("{}{key}{other}{after}", &options[..i]),
                &sets_owned,
            ));
        }
    }
    for (i, set) in sets.iter().enumerate() {
        let mut dropped = sets_owned.clone();
        dropped.remove(i);
        out.push(with(options, &dropped));
        if let Some((name, value)) = set.split_once(" TO '") {
            let mut changed = sets_owned.clone();
            changed[i] = format!("{name} TO 'x{value}");
            out.push(with(options, &changed));
        }
    }
    if sets.len() > 1 {
        let mut moved = sets_owned.clone();
        moved.swap(0, 1);
        out.push(with(options, &moved));
    }
    let mut added = sets_owned.clone();
    added.push(" SET work_mem TO '1MB'".to_string());
    out.push(with(options, &added));
    out.retain(|m| m != def);
    out
}

/// What a mutation touched: the part of a catalog it is judged on.
#[derive(Clone)]
enum Part {
    Table((String, String)),
    View((String, String)),
    Function((String, String, String)),
    Domain((String, String)),
    MaterializedView((String, String)),
}

/// The catalog holding only `part` of `c`.
fn restrict(c: &schemac::catalog::Catalog, part: &Part) -> schemac::catalog::Catalog {
    let mut out = schemac::catalog::Catalog::default();
    match part {
        Part::Table(k) => out
            .tables
            .extend(c.tables.get(k).map(|t| (k.clone(), t.clone()))),
        Part::View(k) => out
            .views
            .extend(c.views.get(k).map(|v| (k.clone(), v.clone()))),
        Part::Function(k) => out
            .functions
            .extend(c.functions.get(k).map(|f| (k.clone(), f.clone()))),
        Part::Domain(k) => out
            .domains
            .extend(c.domains.get(k).map(|d| (k.clone(), d.clone()))),
        Part::MaterializedView(k) => out
            .materialized_views
            .extend(c.materialized_views.get(k).map(|m| (k.clone(), m.clone()))),
    }
    out
}

/// The one definition of a table a mutation changes. Reconciling is the slow part of a
/// mutation's judgement (every fragment of the table is parsed on both sides), so a table's
/// mutation is judged on the table's columns, with their types but without other columns'
/// defaults, and the one changed definition: the rest of the table cannot make a changed
/// definition match.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Focus {
    Whole,
    Column(String),
    Constraint(String),
    Index(String),
    Trigger(String),
    Policy(String),
}

/// `c` (holding one part) reduced to the definitions that judge a mutation of `focus`.
fn narrow(mut c: schemac::catalog::Catalog, focus: &Focus) -> schemac::catalog::Catalog {
    if *focus == Focus::Whole {
        return c;
    }
    for t in c.tables.values_mut() {
        for col in &mut t.columns {
            if *focus != Focus::Column(col.name.clone()) {
                col.default = None;
                col.generated = None;
            }
        }
        t.constraints
            .retain(|n, _| *focus == Focus::Constraint(n.clone()));
        t.indexes.retain(|n, _| *focus == Focus::Index(n.clone()));
        t.triggers
            .retain(|n, _| *focus == Focus::Trigger(n.clone()));
        t.policies.retain(|n, _| *focus == Focus::Policy(n.clone()));
        t.constraint_comments.clear();
        t.index_comments.clear();
        t.trigger_comments.clear();
    }
    c
}

fn policy<'a>(
    c: &'a mut schemac::catalog::Catalog,
    table: &(String, String),
    name: &str,
) -> &'a mut schemac::catalog::Policy {
    c.tables
        .get_mut(table)
        .and_then(|t| t.policies.get_mut(name))
        .expect("policy")
}

/// Every live object changed by one mutated definition, with the part it belongs to.
fn mutations(
    live: &schemac::catalog::Catalog,
) -> Vec<(String, Part, Focus, schemac::catalog::Catalog)> {
    let mut out = Vec::new();
    let mut push =
        |what: String, (part, focus): (Part, Focus), f: &dyn Fn(&mut schemac::catalog::Catalog)| {
            let mut c = restrict(live, &part);
            f(&mut c);
            let c = narrow(c, &focus);
            out.push((what, part, focus, c));
        };
    for (key, t) in &live.tables {
        let part = Part::Table(key.clone());
        for (i, col) in t.columns.iter().enumerate() {
            for m in col
                .default
                .iter()
                .chain(&col.generated)
                .flat_map(|d| mutate_sql(d))
            {
                let generated = col.generated.is_some();
                push(
                    format!("default of {key:?}.{} → {m}", col.name),
                    (part.clone(), Focus::Column(col.name.clone())),
                    &|c| {
                        let col = &mut c.tables.get_mut(key).unwrap().columns[i];
                        if generated {
                            col.generated = Some(m.clone());
                        } else {
                            col.default = Some(m.clone());
                        }
                    },
                );
            }
            let other = match col.ty.as_str() {
                "integer" => "bigint",
                "text" => "character varying",
                "date" => "timestamp with time zone",
                t if t.starts_with("numeric") => "integer",
                t if t.starts_with("timestamp") => "date",
                _ => "text",
            };
            push(
                format!("type of {key:?}.{} → {other}", col.name),
                (part.clone(), Focus::Column(col.name.clone())),
                &|c| c.tables.get_mut(key).unwrap().columns[i].ty = other.to_string(),
            );
            if col.identity_options.is_some() {
                push(
                    format!("identity options of {key:?}.{}", col.name),
                    (part.clone(), Focus::Column(col.name.clone())),
                    &|c| {
                        let col = &mut c.tables.get_mut(key).unwrap().columns[i];
                        if let Some(o) = col.identity_options.as_mut() {
                            o.start += 1;
                        }
                    },
                );
            }
            push(
                format!("nullability of {key:?}.{}", col.name),
                (part.clone(), Focus::Column(col.name.clone())),
                &|c| {
                    let col = &mut c.tables.get_mut(key).unwrap().columns[i];
                    col.not_null = !col.not_null;
                },
            );
        }
        for (name, con) in &t.constraints {
            for m in mutate_sql(&con.definition) {
                push(
                    format!("constraint {name} → {m}"),
                    (part.clone(), Focus::Constraint(name.clone())),
                    &|c| {
                        c.tables
                            .get_mut(key)
                            .unwrap()
                            .constraints
                            .get_mut(name)
                            .unwrap()
                            .definition = m.clone()
                    },
                );
            }
        }
        for (name, def) in &t.indexes {
            for m in mutate_sql(def) {
                push(
                    format!("index {name} → {m}"),
                    (part.clone(), Focus::Index(name.clone())),
                    &|c| {
                        *c.tables
                            .get_mut(key)
                            .unwrap()
                            .indexes
                            .get_mut(name)
                            .unwrap() = m.clone()
                    },
                );
            }
        }
        for (name, def) in &t.triggers {
            for m in mutate_sql(def) {
                push(
                    format!("trigger {name} → {m}"),
                    (part.clone(), Focus::Trigger(name.clone())),
                    &|c| {
                        *c.tables
                            .get_mut(key)
                            .unwrap()
                            .triggers
                            .get_mut(name)
                            .unwrap() = m.clone()
                    },
                );
            }
        }
        for (name, p) in &t.policies {
            for (field, value) in [("using", &p.using), ("with_check", &p.with_check)] {
                for m in value.iter().flat_map(|v| mutate_sql(v)) {
                    push(
                        format!("policy {name} {field} → {m}"),
                        (part.clone(), Focus::Policy(name.clone())),
                        &|c| {
                            let p = policy(c, key, name);
                            match field {
                                "using" => p.using = Some(m.clone()),
                                _ => p.with_check = Some(m.clone()),
                            }
                        },
                    );
                }
            }
            push(
                format!("policy {name} permissive"),
                (part.clone(), Focus::Policy(name.clone())),
                &|c| {
                    let p = policy(c, key, name);
                    p.permissive = !p.permissive;
                },
            );
        }
    }
    for (key, d) in &live.domains {
        let part = Part::Domain(key.clone());
        for m in d.default.iter().flat_map(|x| mutate_sql(x)) {
            push(
                format!("default of domain {key:?} → {m}"),
                (part.clone(), Focus::Whole),
                &|c| c.domains.get_mut(key).unwrap().default = Some(m.clone()),
            );
        }
        for (name, def) in &d.checks {
            for m in mutate_sql(def) {
                push(
                    format!("domain check {name} → {m}"),
                    (part.clone(), Focus::Whole),
                    &|c| {
                        *c.domains
                            .get_mut(key)
                            .unwrap()
                            .checks
                            .get_mut(name)
                            .unwrap() = m.clone()
                    },
                );
            }
        }
        push(
            format!("NOT NULL of domain {key:?}"),
            (part.clone(), Focus::Whole),
            &|c| {
                let d = c.domains.get_mut(key).unwrap();
                d.not_null = !d.not_null;
            },
        );
    }
    for (key, mv) in &live.materialized_views {
        let part = Part::MaterializedView(key.clone());
        for m in mutate_sql(&mv.definition) {
            push(
                format!("materialized view {key:?} → {m}"),
                (part.clone(), Focus::Whole),
                &|c| c.materialized_views.get_mut(key).unwrap().definition = m.clone(),
            );
        }
        for (name, def) in &mv.indexes {
            for m in mutate_sql(def) {
                push(
                    format!("index {name} → {m}"),
                    (part.clone(), Focus::Whole),
                    &|c| {
                        *c.materialized_views
                            .get_mut(key)
                            .unwrap()
                            .indexes
                            .get_mut(name)
                            .unwrap() = m.clone()
                    },
                );
            }
        }
    }
    for (key, v) in &live.views {
        for m in mutate_sql(&v.definition) {
            push(
                format!("view {key:?} → {m}"),
                (Part::View(key.clone()), Focus::Whole),
                &|c| c.views.get_mut(key).unwrap().definition = m.clone(),
            );
        }
    }
    for (key, f) in &live.functions {
        for m in mutate_sql(&f.definition)
            .into_iter()
            .chain(mutate_function_options(&f.definition))
        {
            push(
                format!("function {key:?} → {m}"),
                (Part::Function(key.clone()), Focus::Whole),
                &|c| c.functions.get_mut(key).unwrap().definition = m.clone(),
            );
        }
    }
    out
}

/// The catalog prediction may fail to recognise a match (the shadow then decides), but must
/// never accept a database whose definitions differ: for every object the prediction
/// matches, every one-definition mutation of the live object is rejected. All projects,
/// including those whose prediction falls short elsewhere.
#[test]
fn catalog_prediction_never_accepts_a_changed_definition() {
    use schemac::predict::{predict, reconcile, SearchPath};
    let mut dirs = vec!["schema".to_string()];
    dirs.extend(subdirs("tests/fixtures/projects"));
    dirs.extend(subdirs("tests/fixtures/supabase"));
    let (mut total, mut matched_parts) = (0, 0);
    for dir in &dirs {
        let Some(mut db) = fresh(dir, &format!("mutate_{}", crate::leaf(dir))) else {
            return;
        };
        let model = schemac::compile(&crate::root().join(dir), dir).expect("compile");
        let live =
            schemac::introspect::introspect_scope(&mut db.client, &schemac::scope_of(&model))
                .expect("introspect");
        let path: Vec<String> = db
            .client
            .query_one("SELECT current_schemas(false)::text[]", &[])
            .expect("search_path")
            .get(0);
        let predicted = predict(&model, &SearchPath(path)).expect("predictable");
        let opts = schemac::diff::Options::default();
        let accepted = |part: &Part, focus: &Focus, live: &schemac::catalog::Catalog| {
            let mut p = narrow(restrict(&predicted, part), focus);
            reconcile(&mut p, live);
            schemac::diff::diff(&p, live, opts).is_empty()
        };
        let mut matched = std::collections::HashMap::new();
        let mut dir_total = 0;
        let mut focused = std::collections::HashMap::new();
        for (what, part, focus, mutated) in mutations(&live) {
            let key = match &part {
                Part::Table(k) | Part::View(k) | Part::Domain(k) | Part::MaterializedView(k) => {
                    format!("{k:?}")
                }
                Part::Function(k) => format!("{k:?}"),
            };
            let ok = *matched
                .entry(key.clone())
                .or_insert_with(|| accepted(&part, &Focus::Whole, &restrict(&live, &part)));
            // The narrowed definitions match as well (they are part of a match).
            let ok = ok
                && *focused.entry((key, focus.clone())).or_insert_with(|| {
                    accepted(&part, &focus, &narrow(restrict(&live, &part), &focus))
                });
            if !ok {
                continue;
            }
            dir_total += 1;
            assert!(
                !accepted(&part, &focus, &mutated),
                "{dir}: accepted a changed {what}"
            );
        }
        let dir_matched = matched.values().filter(|m| **m).count();
        eprintln!(
            "catalog prediction, {dir}: {dir_total} mutations of {dir_matched} of {} objects",
            matched.len()
        );
        // Projects on the catalog path are predicted whole, so every object is mutated.
        if FAST_PATH_DIRS.contains(&dir.as_str()) {
            assert_eq!(dir_matched, matched.len(), "{dir}: objects not predicted");
        }
        total += dir_total;
        matched_parts += dir_matched;
    }
    eprintln!(
        "catalog prediction: {total} mutations of {matched_parts} matched objects, all rejected"
    );
    assert!(
        total > 2000 && matched_parts > 200,
        "only {total} mutations of {matched_parts} objects"
    );
}

/// Projects whose matching database is recognised without a shadow database: all of them.
/// A project added here that the prediction cannot spell fails
/// `every_project_shows_no_drift_after_gen`, with the reason.
const FAST_PATH_DIRS: &[&str] = &[
    "schema",
    "tests/fixtures/projects/kinds",
    "tests/fixtures/projects/numoraq",
    "tests/fixtures/projects/platform",
    "tests/fixtures/projects/privacy",
    "tests/fixtures/projects/production",
    "tests/fixtures/supabase/app",
];

/// What `diff --sql` prints for a view replaced in place (what reads it stays), a view that
/// loses a column (the function returning its rows and the view reading it are dropped and
/// made again around it), drops in dependency order (a trigger's table before its
/// function), and no drift at all. The plans corpus proves these apply; this pins the
/// text users read.
#[test]
fn plan_sql_is_ordered_and_names_rebuilt_dependents() {
    let sql = |case: &str, f: &str| {
        std::fs::read_to_string(root().join("tests/fixtures/plans").join(case).join(f))
            .expect("plan fixture")
    };
    for case in [
        "changed-view-under-a-function",
        "view-column-removed-under-a-function",
        "function-dropped-before-its-trigger",
    ] {
        let Some(mut a) = test_db(&format!("plan_from_{}", case.replace('-', "_"))) else {
            return;
        };
        let Some(mut b) = test_db(&format!("plan_to_{}", case.replace('-', "_"))) else {
            return;
        };
        a.client.batch_execute(&sql(case, "a.sql")).expect("a.sql");
        b.client.batch_execute(&sql(case, "b.sql")).expect("b.sql");
        let plan = full_plan(&a.url, &b.url);
        assert_eq!(plan.code, 1, "{}", plan.stderr);
        let report = schemac(&["diff", "--from", &a.url, "--to", &b.url]);
        let report = masked(&report.stdout, &a, &b);
        settings().bind(|| {
            insta::assert_snapshot!(
                format!("plan__{case}"),
                format!("{report}\n{}", masked(&plan.stdout, &a, &b))
            )
        });
        apply(&mut a, &plan.stdout, case);
        let clean = schemac(&["diff", "--from", &a.url, "--to", &b.url, "--sql"]);
        assert_eq!(clean.code, 0, "{}", clean.stdout);
        let clean = masked(&clean.stdout, &a, &b);
        settings().bind(|| insta::assert_snapshot!("plan__no_drift", clean));
    }
}

/// A function dropped by a database ↔ database plan over `public` while a trigger on
/// `auth.users`, outside the compared schemas, still uses it: when the other database no
/// longer has that trigger, the plan drops it first and says so; the plan applies and the
/// re-diff is empty.
#[test]
fn dependents_outside_the_schemas_are_dropped_when_gone() {
    let Some(mut a) = test_db("outside_from") else {
        return;
    };
    let Some(b) = test_db("outside_to") else {
        return;
    };
    let auth = "CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY);";
    a.client
        .batch_execute(&format!(
            "{auth}
             CREATE FUNCTION public.on_signup() RETURNS trigger LANGUAGE plpgsql
               AS $$ BEGIN RETURN NEW; END $$;
             CREATE TRIGGER on_signup AFTER INSERT ON auth.users
               FOR EACH ROW EXECUTE FUNCTION public.on_signup();"
        ))
        .expect("from");
    let mut b = b;
    b.client.batch_execute(auth).expect("to");
    let plan = full_plan(&a.url, &b.url);
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    let report = schemac(&["diff", "--from", &a.url, "--to", &b.url]);
    settings().bind(|| {
        insta::assert_snapshot!(
            "plan__outside_dependent_dropped",
            format!(
                "{}\n{}",
                masked(&report.stdout, &a, &b),
                masked(&plan.stdout, &a, &b)
            )
        )
    });
    apply(&mut a, &plan.stdout, "outside");
    let clean = schemac(&["diff", "--from", &a.url, "--to", &b.url]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    let left: i64 = a
        .client
        .query_one(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'on_signup'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(left, 0);
}

/// `diff --templates` compiles the project into the shadow database with gen's template
/// overrides: a database made by `gen --templates` then matches, and the catalog prediction,
/// which knows only the embedded templates, is not trusted.
#[test]
fn diff_uses_gens_template_overrides() {
    let Some(mut db) = test_db("templates_diff") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("comment.sql.j2"),
        "COMMENT ON {{ kind }} {{ target }} IS {% if text is not none %}{{ (text ~ ' (managed by schemac)') | literal }}{% else %}NULL{% endif %};\n",
    )
    .expect("write template");
    let templates = dir.path().to_str().expect("utf8");
    apply(&mut db, &stubs(), "stubs");
    create_external_roles(&mut db, "schema");
    let sql = schemac(&["gen", "schema", "--stdout", "--templates", templates]);
    assert_eq!(sql.code, 0, "{}", sql.stderr);
    assert!(
        sql.stdout.contains("(managed by schemac)"),
        "the override is used"
    );
    apply(&mut db, &sql.stdout, "gen --templates");
    let with = schemac(&[
        "diff",
        "schema",
        "--db",
        &db.url,
        "--templates",
        templates,
        "-v",
    ]);
    assert_eq!(with.code, 0, "{}{}", with.stdout, with.stderr);
    assert!(
        with.stderr.contains("built a shadow database (--templates"),
        "{}",
        with.stderr
    );
    let without = schemac(&["diff", "schema", "--db", &db.url]);
    assert_eq!(without.code, 1, "{}", without.stdout);
    assert!(without.stdout.contains("comment"), "{}", without.stdout);
}

/// The casts the catalog prediction adds around columns (src/predict/casts.rs) are the ones
/// PostgreSQL adds. Every operator between every pair of column types (and against integer
/// and numeric literals) is made a check constraint on a real server; what PostgreSQL
/// prints must be recognised wherever the prediction claims to know the operator, and no
/// printed expression may be taken for another one over the same columns.
#[test]
fn implicit_casts_are_predicted_as_postgres_adds_them() {
    use schemac::predict::equiv::{equivalent_in, Typing};
    let Some(mut db) = test_db("implicit_casts") else {
        return;
    };
    let types = [
        ("i2", "smallint"),
        ("i4", "integer"),
        ("i8", "bigint"),
        ("n", "numeric(10,2)"),
        ("f4", "real"),
        ("f8", "double precision"),
        ("t", "text"),
        ("d", "date"),
        ("ts", "timestamp without time zone"),
        ("tz", "timestamp with time zone"),
    ];
    let known = ["i2", "i4", "i8", "n", "f8"];
    let ops = ["+", "-", "*", "/", "%", "=", "<>", "<", ">=", "||"];
    // (operands, expression, whether the prediction claims to know it)
    let mut cases: Vec<(String, String, bool)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (a, _) in &types {
        let mut operands: Vec<String> = types.iter().map(|(b, _)| b.to_string()).collect();
        operands.extend(["2".into(), "2.5".into()]);
        for b in &operands {
            for op in ops {
                let claimed = known.contains(a)
                    && (known.contains(&b.as_str()) || b.starts_with('2'))
                    && !matches!(op, "%" | "||");
                for (l, r) in [(a.to_string(), b.clone()), (b.clone(), a.to_string())] {
                    if seen.insert(format!("{l} {op} {r}")) {
                        cases.push((format!("{l} {r}"), format!("{l} {op} {r}"), claimed));
                    }
                }
            }
        }
        for f in [
            format!("date_trunc('month', {a})"),
            format!("round({a}, 2)"),
            format!("round({a} * n, 2)"),
            format!("length(trim({a}))"),
            format!("EXTRACT(EPOCH FROM {a}) / 60.0"),
        ] {
            let claimed = (f.starts_with("date_trunc") && *a == "d")
                || (f.starts_with("round")
                    && ["n", "i2", "i4", "i8"].contains(a)
                    && f.contains("* n"))
                || (f.starts_with("length") && *a == "t");
            cases.push((a.to_string(), f, claimed));
        }
    }
    let columns: Vec<String> = types.iter().map(|(c, t)| format!("{c} {t}")).collect();
    let mut sql = format!(
        "CREATE TABLE casts ({});\nDO $do$ BEGIN\n",
        columns.join(", ")
    );
    for (i, (_, e, _)) in cases.iter().enumerate() {
        // A boolean or not, the expression is the operand of IS NOT NULL.
        sql.push_str(&format!(
            "BEGIN ALTER TABLE casts ADD CONSTRAINT c{i} CHECK (({e}) IS NOT NULL); \
             EXCEPTION WHEN others THEN NULL; END;\n"
        ));
    }
    sql.push_str("END $do$;");
    db.client.batch_execute(&sql).expect("constraints");
    let live = schemac::introspect::introspect_scope(
        &mut db.client,
        &schemac::catalog::Scope {
            schemas: vec!["public".into()],
            ..Default::default()
        },
    )
    .expect("introspect");
    let table = &live.tables[&("public".to_string(), "casts".to_string())];
    let functions = Default::default();
    let typing = Typing {
        table: "casts",
        columns: &table.columns,
        row_refs: false,
        functions: &functions,
    };
    let printed = |i: usize| {
        table.constraints.get(&format!("c{i}")).map(|c| {
            c.definition
                .strip_prefix("CHECK (")
                .and_then(|s| s.strip_suffix(')'))
                .unwrap_or(&c.definition)
                .to_string()
        })
    };
    let (mut accepted, mut recognised, mut rejected) = (0, 0, 0);
    for (i, (operands, e, claimed)) in cases.iter().enumerate() {
        let Some(live_i) = printed(i) else { continue };
        accepted += 1;
        let model = format!("({e}) IS NOT NULL");
        let ok = equivalent_in(&model, &live_i, Some(&typing));
        assert!(!claimed || ok, "PostgreSQL printed {live_i} for {model}");
        recognised += usize::from(ok);
        for (j, (other_operands, _, _)) in cases.iter().enumerate() {
            if j == i || other_operands != operands {
                continue;
            }
            let Some(live_j) = printed(j) else { continue };
            if live_j != live_i {
                rejected += 1;
                assert!(
                    !equivalent_in(&model, &live_j, Some(&typing)),
                    "{model} taken for {live_j}"
                );
            }
        }
    }
    eprintln!(
        "implicit casts: {} expressions, {accepted} accepted by PostgreSQL, {recognised} recognised, {rejected} other expressions rejected",
        cases.len()
    );
    assert!(
        recognised > 400 && rejected > 3000,
        "{recognised} {rejected}"
    );
}
