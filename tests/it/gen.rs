//! `schemac gen`: deterministic bytes, a snapshot of the shipped project's migration, and —
//! on a real PostgreSQL — every project applies, applies again with an identical
//! `pg_dump --schema-only`, converges from an older version, and the catalog holds exactly
//! the columns, constraints, indexes and policies the model says.

use crate::pg::{test_db, TestDb};
use crate::{root, schemac, settings, subdirs};
use std::fs;
use std::path::Path;

fn projects() -> Vec<String> {
    let mut v = vec!["schema".to_string()];
    v.extend(subdirs("tests/fixtures/projects"));
    v.extend(subdirs("tests/fixtures/gen"));
    v.extend(subdirs("tests/fixtures/sqldef"));
    v.extend(subdirs("tests/fixtures/supabase"));
    v
}

/// Creates the roles a project lists as external (cluster-wide; they may already exist).
pub fn create_external_roles(db: &mut TestDb, dir: &str) {
    let model =
        schemac::compile(&root().join(dir), dir).unwrap_or_else(|_| panic!("compile {dir}"));
    for (role, _) in &model.config.external_roles {
        let q = schemac::model::names::quote_ident(role);
        let _ = db.client.batch_execute(&format!(
            "DO $r$ BEGIN CREATE ROLE {q}; EXCEPTION WHEN duplicate_object THEN NULL; END $r$"
        ));
    }
}

pub fn gen_stdout(dir: &str) -> String {
    let r = schemac(&["gen", dir, "--stdout"]);
    assert_eq!(r.code, 0, "gen {dir} failed:\n{}", r.stderr);
    r.stdout
}

#[test]
fn gen_is_deterministic_and_snapshotted() {
    let a = gen_stdout("schema");
    let b = gen_stdout("schema");
    assert_eq!(a, b);
    settings().bind(|| insta::assert_snapshot!("gen__schema", a));
}

#[test]
fn gen_refuses_projects_with_errors_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.sql");
    let r = schemac(&[
        "gen",
        "tests/fixtures/conflicts/user_kpis_types",
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!out.exists(), "nothing may be written");
    assert!(r.stderr.contains("nothing written"), "{}", r.stderr);
}

#[test]
fn gen_reports_an_unwritable_output_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A path below a regular file cannot be created, whoever runs the test (even root).
    let blocker = dir.path().join("file");
    fs::write(&blocker, "x").expect("write");
    let out = blocker.join("out.sql");
    let r = schemac(&["gen", "schema", "--out", out.to_str().expect("utf8")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot create directory"), "{}", r.stderr);
}

#[test]
fn gen_check_detects_stale_and_missing_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("m.sql");
    let o = out.to_str().expect("utf8");
    assert_eq!(
        schemac(&["gen", "schema", "--out", o, "--check"]).code,
        1,
        "missing file"
    );
    assert_eq!(schemac(&["gen", "schema", "--out", o]).code, 0);
    assert_eq!(
        schemac(&["gen", "schema", "--out", o, "--check"]).code,
        0,
        "fresh file"
    );
    let stale = fs::read_to_string(&out)
        .expect("read")
        .replace("pgcrypto", "pgcrypto2");
    fs::write(&out, stale).expect("write");
    let r = schemac(&["gen", "schema", "--out", o, "--check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("-CREATE EXTENSION IF NOT EXISTS pgcrypto2;"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("+CREATE EXTENSION IF NOT EXISTS pgcrypto;"),
        "{}",
        r.stdout
    );
}

#[test]
fn template_overrides_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("extension.sql.j2"),
        "-- custom\nCREATE EXTENSION IF NOT EXISTS {{ name | ident }} SCHEMA public;\n",
    )
    .expect("write");
    let r = schemac(&[
        "gen",
        "schema",
        "--stdout",
        "--templates",
        dir.path().to_str().expect("utf8"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r
        .stdout
        .contains("-- custom\nCREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA public;"));
}

/// `pg_dump --schema-only` of the test database, without the random `\restrict` keys that
/// pg_dump ≥ 15.14 writes.
pub fn dump(db: &TestDb) -> String {
    let bin = std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    let pg_dump = Path::new(&bin).join("pg_dump");
    let out = std::process::Command::new(&pg_dump)
        .args(["--schema-only", "--no-owner", "--dbname", &db.url])
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", pg_dump.display()));
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn apply(db: &mut TestDb, sql: &str, what: &str) {
    db.client.batch_execute(sql).unwrap_or_else(|e| {
        panic!(
            "{what}: {}",
            e.as_db_error().map_or(e.to_string(), |d| format!(
                "{}: {}",
                d.message(),
                d.detail().unwrap_or("")
            ))
        )
    });
}

pub fn stubs() -> String {
    schemac(&["stubs"]).stdout
}

#[test]
fn every_project_applies_twice_with_an_identical_dump() {
    for dir in projects() {
        let name = crate::leaf(&dir).replace('-', "_");
        let Some(mut db) = test_db(&format!("gen_{name}")) else {
            return;
        };
        let sql = gen_stdout(&dir);
        apply(&mut db, &stubs(), "stubs");
        create_external_roles(&mut db, &dir);
        apply(&mut db, &sql, &format!("first apply of {dir}"));
        let first = dump(&db);
        apply(&mut db, &sql, &format!("second apply of {dir}"));
        let second = dump(&db);
        assert!(
            first == second,
            "{dir}: the second apply changed the schema"
        );
        catalog_matches_model(&mut db, &dir);
    }
}

/// gen over a child that stopped inheriting from its parent and inherits from another
/// table: the guarded block makes it `NO INHERIT` the other and `INHERIT` its parent again,
/// and diff then finds nothing.
#[test]
fn gen_brings_a_child_back_to_its_parents() {
    let dir = "tests/fixtures/projects/kinds";
    let Some(mut db) = test_db("gen_inherit_again") else {
        return;
    };
    let sql = gen_stdout(dir);
    apply(&mut db, &stubs(), "stubs");
    create_external_roles(&mut db, dir);
    apply(&mut db, &sql, "first apply");
    apply(
        &mut db,
        "ALTER TABLE invoice_audit_entries NO INHERIT audit_entries; \
         CREATE TABLE stray_parent (); ALTER TABLE invoice_audit_entries INHERIT stray_parent",
        "drift",
    );
    apply(&mut db, &sql, "second apply");
    let parents: Vec<String> = db
        .client
        .query(
            "SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = 'invoice_audit_entries'::regclass",
            &[],
        )
        .expect("parents")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(parents, ["audit_entries"]);
    apply(&mut db, "DROP TABLE stray_parent", "cleanup");
    let report = schemac(&["diff", dir, "--db", &db.url]);
    assert_eq!(report.code, 0, "{}{}", report.stdout, report.stderr);
}

/// The catalog holds exactly the model's columns (type, nullability), constraints, indexes and
/// policies (command, roles, permissive) for every table, and the declared sequences'
/// options, composite types' fields, domains' NOT NULL and checks, and materialized views'
/// indexes.
fn catalog_matches_model(db: &mut TestDb, dir: &str) {
    let model =
        schemac::compile(&root().join(dir), dir).unwrap_or_else(|_| panic!("compile {dir}"));
    kinds_match_model(db, dir, &model);
    functions_match_model(db, dir, &model);
    for t in model.tables.values() {
        let rel = t.name.sql();
        let cols = db
            .client
            .query(
                // An inheritance child's columns are its own (attislocal) and its parents'.
                "SELECT attname::text, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
                 WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped AND (attislocal OR NOT $2) ORDER BY attnum",
                &[&rel, &!t.inherits.is_empty()],
            )
            .unwrap_or_else(|e| panic!("{dir}: {rel}: {e}"));
        let got: Vec<(String, String, bool)> = cols
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        // A partition has its parent's columns.
        let mut owner = t;
        while let Some(p) = &owner.partition_of {
            owner = &model.tables[&p.parent];
        }
        let want: Vec<(String, String, bool)> = owner
            .columns
            .values()
            .map(|c| {
                let ty = match c.ty.to_string().as_str() {
                    "serial" => "integer".to_string(),
                    "bigserial" => "bigint".to_string(),
                    "smallserial" => "smallint".to_string(),
                    s if s.starts_with("public.") => s.trim_start_matches("public.").to_string(),
                    s => s.replace("[][]", "[]"),
                };
                (c.name.clone(), ty, !c.nullable)
            })
            .collect();
        assert_eq!(got, want, "{dir}: columns of {rel}");

        let mut want_cons: Vec<String> = t
            .primary_key
            .iter()
            .chain(&t.uniques)
            .map(|k| k.name.clone())
            .collect();
        want_cons.extend(t.checks.iter().map(|c| c.name.clone()));
        want_cons.extend(t.foreign_keys.iter().map(|f| f.name.clone()));
        want_cons.extend(t.exclusions.iter().map(|x| x.name.clone()));
        want_cons.sort();
        let mut got_cons: Vec<String> = db
            .client
            // A partition's constraints cloned from its parent's are the parent's.
            .query("SELECT conname::text FROM pg_constraint WHERE conrelid = $1::text::regclass AND contype <> 'n' AND conparentid = 0 AND coninhcount = 0", &[&rel])
            .expect("constraints")
            .iter()
            .map(|r| r.get(0))
            .collect();
        got_cons.sort();
        assert_eq!(got_cons, want_cons, "{dir}: constraints of {rel}");
        // NOT VALID checks and foreign keys are made NOT VALID, the others validated.
        let mut want_not_valid: Vec<String> = t
            .checks
            .iter()
            .filter(|c| c.not_valid)
            .map(|c| c.name.clone())
            .chain(
                t.foreign_keys
                    .iter()
                    .filter(|f| f.not_valid)
                    .map(|f| f.name.clone()),
            )
            .collect();
        want_not_valid.sort();
        let got_not_valid: Vec<String> = db
            .client
            .query("SELECT conname::text FROM pg_constraint WHERE conrelid = $1::text::regclass AND NOT convalidated AND conparentid = 0 AND coninhcount = 0 ORDER BY 1", &[&rel])
            .expect("NOT VALID constraints")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(
            got_not_valid, want_not_valid,
            "{dir}: NOT VALID constraints of {rel}"
        );

        let mut want_idx: Vec<String> = t.indexes.iter().map(|i| i.name.clone()).collect();
        want_idx.extend(
            t.primary_key
                .iter()
                .chain(&t.uniques)
                .map(|k| k.name.clone())
                .chain(t.exclusions.iter().map(|x| x.name.clone())),
        );
        want_idx.sort();
        let mut got_idx: Vec<String> = db
            .client
            // A partition's indexes attached to its parent's are the parent's.
            .query("SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::text::regclass AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)", &[&rel])
            .expect("indexes")
            .iter()
            .map(|r| r.get(0))
            .collect();
        got_idx.sort();
        assert_eq!(got_idx, want_idx, "{dir}: indexes of {rel}");

        let mut want_pol: Vec<(String, String, Vec<String>, bool)> = t
            .policies
            .values()
            .map(|p| {
                let mut roles: Vec<String> = p.roles.iter().map(|(r, _)| r.clone()).collect();
                if roles.is_empty() {
                    roles.push("public".into());
                }
                roles.sort();
                (
                    p.name.clone(),
                    p.command.as_str().to_uppercase(),
                    roles,
                    p.permissive,
                )
            })
            .collect();
        want_pol.sort();
        let mut got_pol: Vec<(String, String, Vec<String>, bool)> = db
            .client
            .query(
                "SELECT policyname::text, cmd, roles::text[], permissive = 'PERMISSIVE' FROM pg_policies WHERE schemaname = $1 AND tablename = $2",
                &[&t.name.schema, &t.name.name],
            )
            .expect("policies")
            .iter()
            .map(|r| {
                let mut roles: Vec<String> = r.get(2);
                roles.sort();
                (r.get(0), r.get(1), roles, r.get(3))
            })
            .collect();
        got_pol.sort();
        assert_eq!(got_pol, want_pol, "{dir}: policies of {rel}");
    }
}

/// Every function's options and argument modes, as `pg_proc` holds them: null handling,
/// leakproofness, parallel safety, cost and rows (the `float4` PostgreSQL stores), the
/// `set:` parameters (names compared case-insensitively: PostgreSQL stores a built-in
/// parameter under its own spelling) and each argument's mode.
fn functions_match_model(db: &mut TestDb, dir: &str, model: &schemac::model::Model) {
    use schemac::model::{ArgMode, Parallel};
    for f in &model.functions {
        let ident = format!("{}({})", f.name.sql(), f.identity_args());
        let r = db
            .client
            .query_one(
                "SELECT proisstrict, proleakproof, proparallel::text, procost::float8, prorows::float8,
                        coalesce(proconfig, '{}'), coalesce(proargmodes::text[], '{}'), prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
                 FROM pg_proc WHERE oid = $1::text::regprocedure",
                &[&ident],
            )
            .unwrap_or_else(|e| panic!("{dir}: function {ident}: {e}"));
        let stored = |v: f64| f64::from(v as f32);
        let cost = f
            .cost
            .map_or(if r.get(7) { 1.0 } else { 100.0 }, |c| stored(c.value));
        let rows = match f.rows {
            Some(n) => stored(n.value),
            None if f.returns_set() => 1000.0,
            None => 0.0,
        };
        let parallel = match f.parallel {
            Parallel::Unsafe => "u",
            Parallel::Restricted => "r",
            Parallel::Safe => "s",
        };
        let want = (f.strict, f.leakproof, parallel.to_string(), cost, rows);
        let got: (bool, bool, String, f64, f64) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        assert_eq!(got, want, "{dir}: options of {ident}");
        let config: Vec<String> = r.get(5);
        let got: Vec<String> = config
            .iter()
            .filter(|c| !c.starts_with("search_path="))
            .map(|c| match c.split_once('=') {
                Some((n, v)) => format!("{}={v}", n.to_lowercase()),
                None => c.clone(),
            })
            .collect();
        let want: Vec<String> = f
            .settings
            .iter()
            .map(|s| format!("{}={}", s.name.to_lowercase(), s.value))
            .collect();
        assert_eq!(got, want, "{dir}: SET parameters of {ident}");
        let modes: Vec<String> = r.get(6);
        let want: Vec<String> = f
            .args
            .iter()
            .map(|a| {
                match a.mode {
                    ArgMode::In => "i",
                    ArgMode::Out => "o",
                    ArgMode::InOut => "b",
                    ArgMode::Variadic => "v",
                }
                .to_string()
            })
            .collect();
        // No modes at all: every argument is IN.
        let got: Vec<String> = if modes.is_empty() {
            vec!["i".to_string(); f.args.len()]
        } else {
            modes.into_iter().filter(|m| m != "t").collect()
        };
        assert_eq!(got, want, "{dir}: argument modes of {ident}");
    }
}

/// The kinds declared beside tables, as the catalog holds them.
fn kinds_match_model(db: &mut TestDb, dir: &str, model: &schemac::model::Model) {
    let names = |db: &mut TestDb, sql: &str, rel: &str| -> Vec<String> {
        db.client
            .query(sql, &[&rel])
            .unwrap_or_else(|e| panic!("{dir}: {rel}: {e}"))
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    for s in model.sequences.values() {
        let rel = s.name.sql();
        let r = db
            .client
            .query_one(
                "SELECT format_type(seqtypid, NULL), seqstart, seqincrement, seqmin, seqmax, seqcache, seqcycle
                 FROM pg_sequence WHERE seqrelid = $1::text::regclass",
                &[&rel],
            )
            .unwrap_or_else(|e| panic!("{dir}: sequence {rel}: {e}"));
        let o = &s.options;
        let got: (String, i64, i64, i64, i64, i64, bool) = (
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            r.get(5),
            r.get(6),
        );
        let want = (
            o.data_type.clone(),
            o.start,
            o.increment,
            o.min,
            o.max,
            o.cache,
            o.cycle,
        );
        assert_eq!(got, want, "{dir}: options of sequence {rel}");
    }
    for t in model.composite_types.values() {
        let rel = t.name.sql();
        let got = names(
            db,
            "SELECT attname::text FROM pg_attribute WHERE attrelid = (SELECT typrelid FROM pg_type WHERE oid = $1::text::regtype)
             AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &rel,
        );
        let want: Vec<String> = t.fields.iter().map(|f| f.name.clone()).collect();
        assert_eq!(got, want, "{dir}: fields of type {rel}");
    }
    for d in model.domains.values() {
        let rel = d.name.sql();
        let mut got = names(
            db,
            "SELECT conname::text FROM pg_constraint WHERE contypid = $1::text::regtype",
            &rel,
        );
        got.sort();
        let mut want: Vec<String> = d.checks.iter().map(|c| c.name.clone()).collect();
        want.sort();
        assert_eq!(got, want, "{dir}: checks of domain {rel}");
        let not_null: bool = db
            .client
            .query_one(
                "SELECT typnotnull FROM pg_type WHERE oid = $1::text::regtype",
                &[&rel],
            )
            .expect("domain")
            .get(0);
        assert_eq!(not_null, d.not_null, "{dir}: NOT NULL of domain {rel}");
    }
    for m in model.materialized_views.values() {
        let rel = m.name.sql();
        let mut got = names(
            db,
            "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::text::regclass",
            &rel,
        );
        got.sort();
        let mut want: Vec<String> = m.indexes.iter().map(|i| i.name.clone()).collect();
        want.sort();
        assert_eq!(got, want, "{dir}: indexes of materialized view {rel}");
    }
}

#[test]
fn an_older_version_converges_to_the_fresh_schema() {
    // v1 lacks a column, has another policy expression, and misses an index; v2 is current.
    let Some(mut fresh) = test_db("converge_fresh") else {
        return;
    };
    let Some(mut old) = test_db("converge_old") else {
        return;
    };
    let v1 = gen_stdout("tests/fixtures/converge/v1");
    let v2 = gen_stdout("tests/fixtures/converge/v2");
    assert_ne!(v1, v2);
    apply(&mut fresh, &stubs(), "stubs");
    apply(&mut fresh, &v2, "fresh v2");
    apply(&mut old, &stubs(), "stubs");
    apply(&mut old, &v1, "v1");
    apply(&mut old, &v2, "v2 over v1");
    assert_eq!(dump(&fresh), dump(&old), "v1 + v2 differs from a fresh v2");
}

#[test]
fn committed_master_migration_is_up_to_date() {
    let r = schemac(&["gen", "--check"]);
    assert_eq!(
        r.code, 0,
        "run `cargo run -- gen`:\n{}{}",
        r.stdout, r.stderr
    );
}

/// The desired SQL of a sqldef fixture, from the comment header of its definition file.
fn sqldef_desired_sql(dir: &str) -> String {
    let text = fs::read_to_string(root().join(dir).join("schema.yaml")).expect("read schema.yaml");
    text.lines()
        .skip_while(|l| !l.starts_with("# Desired SQL:"))
        .skip(1)
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.strip_prefix("#   ").unwrap_or(l.trim_start_matches('#')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// gen conformance: each sqldef fixture, compiled by gen, yields exactly the schema of the
/// case's desired SQL applied by PostgreSQL itself (compared by diff, so in PostgreSQL's own
/// canonical form). A desired SQL that PostgreSQL cannot run as written is skipped.
#[test]
fn sqldef_fixtures_match_their_desired_sql() {
    let (mut passed, mut skipped, mut failed) = (0, Vec::new(), Vec::new());
    for (i, dir) in subdirs("tests/fixtures/sqldef").iter().enumerate() {
        let Some(mut a) = test_db(&format!("sqldef_gen_{i}")) else {
            return;
        };
        let Some(mut b) = test_db(&format!("sqldef_sql_{i}")) else {
            return;
        };
        create_external_roles(&mut a, dir);
        apply(&mut a, &gen_stdout(dir), dir);
        if let Err(e) = b.client.batch_execute(&sqldef_desired_sql(dir)) {
            skipped.push(format!("{dir}: desired SQL does not run as written: {e}"));
            continue;
        }
        let model =
            schemac::compile(&root().join(dir), dir).unwrap_or_else(|_| panic!("compile {dir}"));
        let changes = schemac::diff_databases(&a.url, &b.url, &model.config.schemas)
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
        if changes.is_empty() {
            passed += 1;
        } else {
            let what: Vec<String> = changes
                .iter()
                .map(|c| format!("{} {}", c.kind.sign(), c.object))
                .collect();
            failed.push(format!("{dir}: {}", what.join("; ")));
        }
    }
    eprintln!(
        "sqldef gen conformance: {passed} passed, {} failed, {} skipped",
        failed.len(),
        skipped.len()
    );
    for s in &skipped {
        eprintln!("  skipped {s}");
    }
    assert!(
        failed.is_empty(),
        "gen differs from the desired SQL:\n{}",
        failed.join("\n")
    );
    assert!(passed >= 24, "only {passed} sqldef cases passed (floor 24)");
}

/// gen shows check's warnings on stderr (the migration is still written: warnings do not
/// block it), so that `schemac gen` alone tells a developer what check would.
#[test]
fn gen_shows_warnings_and_still_writes() {
    let r = schemac(&[
        "gen",
        "tests/fixtures/rules/SC601-missing-primary-key",
        "--stdout",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("CREATE TABLE"),
        "the migration is written"
    );
    settings().bind(|| insta::assert_snapshot!("gen__warnings", r.stderr));
}

#[test]
fn declared_roles_are_created_when_missing() {
    let dir = "tests/fixtures/gen/roles";
    let sql = gen_stdout(dir);
    let section: String = sql
        .split("-- Roles")
        .nth(1)
        .and_then(|s| s.split("\n-- ===").nth(1))
        .map(|s| s.to_string())
        .unwrap_or_default();
    assert!(!section.is_empty(), "no roles section:\n{sql}");
    settings().bind(|| insta::assert_snapshot!("gen__roles", section));
    let Some(mut db) = test_db("gen_roles") else {
        return;
    };
    apply(&mut db, &stubs(), "stubs");
    apply(&mut db, &sql, "first apply");
    apply(&mut db, &sql, "second apply");
    for role in ["schemac_test_reader", "it's \"odd\" $schemac$ role"] {
        let row = db
            .client
            .query_one(
                "SELECT has_table_privilege($1, 'public.reports', 'SELECT'), (SELECT rolcanlogin FROM pg_roles WHERE rolname = $1)",
                &[&role],
            )
            .unwrap_or_else(|e| panic!("role {role}: {e}"));
        let (select, login): (bool, bool) = (row.get(0), row.get(1));
        assert!(select && !login, "{role}: select {select}, login {login}");
    }
}

/// `gen --prove`: the migration is applied twice to a throwaway database first; a project
/// PostgreSQL refuses is reported with the failing line and its YAML position, and nothing
/// is written.
#[test]
fn gen_prove_applies_the_migration_twice_before_writing_it() {
    let Some(db) = test_db("gen_prove") else {
        return;
    };
    let ok = schemac(&["gen", "schema", "--stdout", "--prove", "--dev-url", &db.url]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stderr.contains("gen: proven:"), "{}", ok.stderr);
    assert_eq!(ok.stdout, gen_stdout("schema"));

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("master.sql");
    let out_s = out.to_string_lossy().into_owned();
    let bad = schemac(&[
        "gen",
        "tests/fixtures/prove/fails",
        "--out",
        &out_s,
        "--prove",
        "--dev-url",
        &db.url,
    ]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(
        !out.exists(),
        "a migration that failed its proof was written"
    );
    let shown = schemac::pg::redact(&db.url);
    settings().bind(|| {
        insta::assert_snapshot!("gen__prove_fails", bad.stderr.replace(&shown, "DATABASE"))
    });
}
