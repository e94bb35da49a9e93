//! Privileges that follow the policies (`api_roles`), on a real PostgreSQL 15 with the
//! Supabase stubs: the API roles hold exactly what their policies need (and a seed project's
//! policies can all apply), inserts through a serial key work, functions are executable only
//! by the roles that need them, gen is stable and diff clean — also over the pre-2026
//! default privileges — and a database missing the grants shows them in `diff`.

use crate::gen::{apply, dump, gen_stdout, stubs};
use crate::pg::{test_db, TestDb};
use crate::{schemac, settings};
use std::collections::BTreeSet;

const API: &str = "tests/fixtures/supabase/api";
const A: &str = "11111111-1111-1111-1111-111111111111";

/// Runs `sql` as `role` (with the JWT claims PostgREST would set) in a transaction that is
/// rolled back; the SQLSTATE of the error, if any.
fn as_role(db: &mut TestDb, role: &str, sql: &str) -> Result<(), String> {
    let mut tx = db.client.transaction().expect("tx");
    tx.batch_execute(&format!(
        "SET LOCAL ROLE {role}; SELECT set_config('request.jwt.claims', '{{\"sub\": \"{A}\", \"role\": \"{role}\"}}', true)"
    ))
    .expect("set role");
    let r = tx.batch_execute(sql).map_err(|e| {
        e.code()
            .map_or_else(|| e.to_string(), |c| c.code().to_string())
    });
    tx.rollback().expect("rollback");
    r
}

/// Every (table, role, privilege) the API roles hold on the tables of `public`.
fn held(db: &mut TestDb) -> BTreeSet<(String, String, String)> {
    db.client
        .query(
            "SELECT c.relname::text, r.rolname::text, p
             FROM pg_class c
             CROSS JOIN pg_roles r
             CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
               AND r.rolname IN ('anon', 'authenticated', 'service_role')
               AND has_table_privilege(r.oid, c.oid, p)",
            &[],
        )
        .expect("privileges")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// stubs (`--legacy-grants` when `legacy`), then gen twice: the dump does not change.
fn build(name: &str, legacy: bool) -> Option<TestDb> {
    let mut db = test_db(name)?;
    apply(&mut db, &stubs(), "stubs");
    if legacy {
        let s = schemac(&["stubs", "--legacy-grants"]);
        assert_eq!(s.code, 0, "{}", s.stderr);
        apply(&mut db, &s.stdout, "stubs --legacy-grants");
    }
    let sql = gen_stdout(API);
    apply(&mut db, &sql, "gen");
    let first = dump(&db);
    apply(&mut db, &sql, "gen again");
    assert_eq!(first, dump(&db), "applying gen twice changed the schema");
    Some(db)
}

fn assert_no_drift(db: &TestDb) {
    for extra in [None, Some("--always-shadow")] {
        let mut args = vec!["diff", API, "--db", &db.url];
        args.extend(extra);
        let r = schemac(&args);
        assert_eq!(r.code, 0, "diff {extra:?}:\n{}{}", r.stdout, r.stderr);
    }
}

fn expected_held() -> BTreeSet<(String, String, String)> {
    let mut want = BTreeSet::new();
    let dml = ["SELECT", "INSERT", "UPDATE", "DELETE"];
    for (t, role, privs) in [
        ("notes", "authenticated", &dml[..]),
        ("notes", "service_role", &dml[..]),
        ("announcements", "anon", &["SELECT"][..]),
        ("announcements", "authenticated", &["SELECT"][..]),
        ("announcements", "service_role", &dml[..]),
    ] {
        for p in privs {
            want.insert((t.to_string(), role.to_string(), p.to_string()));
        }
    }
    want
}

#[test]
fn api_roles_hold_exactly_what_the_policies_need() {
    let Some(mut db) = build("api_grants", false) else {
        return;
    };
    assert_eq!(held(&mut db), expected_held());
    assert_no_drift(&db);

    // Through a serial key: authenticated needs USAGE on notes_id_seq, which it has.
    assert_eq!(
        as_role(
            &mut db,
            "authenticated",
            "INSERT INTO public.notes (body) VALUES ('x'); SELECT public.my_note_count()"
        ),
        Ok(())
    );
    // An identity key needs no privilege on its sequence.
    assert_eq!(
        as_role(
            &mut db,
            "service_role",
            "INSERT INTO public.announcements (title) VALUES ('hi')"
        ),
        Ok(())
    );
    let denied = Err("42501".to_string());
    for (role, sql) in [
        (
            "anon",
            "INSERT INTO public.announcements (title) VALUES ('x')",
        ),
        ("authenticated", "SELECT * FROM public.audit_log"),
        ("service_role", "SELECT * FROM public.audit_log"),
        ("anon", "SELECT * FROM public.notes"),
        ("anon", "SELECT public.my_note_count()"),
        ("anon", "SELECT public.is_owner(NULL)"),
        ("authenticated", "SELECT public.purge_old_logs()"),
        ("service_role", "SELECT public.purge_old_logs()"),
    ] {
        assert_eq!(as_role(&mut db, role, sql), denied, "{role}: {sql}");
    }
    assert_eq!(
        as_role(&mut db, "anon", "SELECT * FROM public.announcements"),
        Ok(())
    );

    // A database that lacks the grants (and holds one too many) shows them in diff.
    apply(
        &mut db,
        "REVOKE ALL ON public.notes FROM authenticated;
         REVOKE USAGE ON SEQUENCE public.notes_id_seq FROM authenticated;
         GRANT SELECT ON public.audit_log TO anon;
         GRANT EXECUTE ON FUNCTION public.purge_old_logs() TO PUBLIC;",
        "drift",
    );
    let r = schemac(&["diff", API, "--db", &db.url]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let shown = r.stdout.replace(&db.url, "DATABASE");
    settings().bind(|| insta::assert_snapshot!("api_grants__missing", shown));
    let fix = schemac(&["apply", API, "--db", &db.url]);
    assert_eq!(fix.code, 0, "{}{}", fix.stdout, fix.stderr);
    assert_eq!(held(&mut db), expected_held());
    assert_no_drift(&db);
}

#[test]
fn pre_2026_default_privileges_are_reset() {
    let Some(mut db) = build("api_grants_legacy", true) else {
        return;
    };
    assert_eq!(held(&mut db), expected_held());
    assert_no_drift(&db);
    assert_eq!(
        as_role(&mut db, "anon", "SELECT public.purge_old_logs()"),
        Err("42501".to_string())
    );
}

/// On the platform seed, every policy's role holds the privilege of every command of the
/// policy, and where the project writes no grant for a table and role, the role holds
/// nothing more than its policies allow.
#[test]
fn seed_policies_can_all_apply() {
    let dir = "tests/fixtures/projects/platform";
    let Some(mut db) = test_db("api_grants_platform") else {
        return;
    };
    apply(&mut db, &stubs(), "stubs");
    apply(&mut db, &gen_stdout(dir), "gen");
    let held = held(&mut db);
    let model = schemac::compile(&crate::root().join(dir), "platform")
        .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    let api = ["anon", "authenticated"];
    let mut checked = 0;
    for t in model.tables.values() {
        assert_eq!(t.name.schema, "public");
        let explicit = |role: &str| {
            model.grants.iter().any(|g| {
                g.derived.is_none() && g.on == t.name && g.to.iter().any(|(r, _)| r == role)
            })
        };
        for role in api {
            let mut need: BTreeSet<String> = BTreeSet::new();
            for p in t.policies.values() {
                if !schemac::model::api::policy_applies(p, role) {
                    continue;
                }
                for c in p.command.expand() {
                    let c = c.as_str().to_ascii_uppercase();
                    assert!(
                        held.contains(&(t.name.name.clone(), role.to_string(), c.clone())),
                        "{role} lacks {c} on {} for policy {}",
                        t.name,
                        p.name
                    );
                    checked += 1;
                    need.insert(c);
                }
            }
            if !explicit(role) {
                let has: BTreeSet<String> = held
                    .iter()
                    .filter(|(tb, r, _)| tb == &t.name.name && r == role)
                    .map(|(_, _, p)| p.clone())
                    .collect();
                assert_eq!(has, need, "{role} on {}", t.name);
            }
        }
    }
    assert!(checked > 100, "only {checked} policy commands checked");
}
