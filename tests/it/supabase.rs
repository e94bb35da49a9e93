//! Supabase surfaces on a real PostgreSQL (stubs first): the sign-up trigger on auth.users,
//! realtime publications, storage buckets and policies evaluated under real JWT claims,
//! schema and default privileges; drift in each is found and repaired, and objects someone
//! else created on platform tables are never reported.

use crate::gen::{apply, gen_stdout, stubs};
use crate::pg::{test_db, TestDb};
use crate::schemac;

const APP: &str = "tests/fixtures/supabase/app";

fn fresh(name: &str) -> Option<TestDb> {
    let mut db = test_db(name)?;
    apply(&mut db, &stubs(), "stubs");
    apply(&mut db, &stubs(), "stubs again (only where missing)");
    let sql = gen_stdout(APP);
    apply(&mut db, &sql, "gen");
    apply(&mut db, &sql, "gen again");
    Some(db)
}

#[test]
fn signup_trigger_realtime_and_storage_behave() {
    let Some(mut db) = fresh("supabase_behaviour") else {
        return;
    };
    let c = &mut db.client;
    let a = "11111111-1111-1111-1111-111111111111";
    let b = "22222222-2222-2222-2222-222222222222";
    c.batch_execute(&format!("INSERT INTO auth.users (id, email) VALUES ('{a}', 'a@example.com'), ('{b}', 'b@example.com')"))
        .expect("sign up two users");
    let profiles: i64 = c
        .query_one("SELECT count(*) FROM public.profiles", &[])
        .expect("count")
        .get(0);
    assert_eq!(
        profiles, 2,
        "handle_new_user must create a profile per sign-up"
    );

    let published: Vec<String> = c
        .query("SELECT tablename::text FROM pg_publication_tables WHERE pubname = 'supabase_realtime' ORDER BY 1", &[])
        .expect("publication tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(published, vec!["messages", "profiles"]);

    c.batch_execute(&format!(
        "INSERT INTO storage.objects (bucket_id, name, owner) VALUES
           ('private', '{a}/a.png', '{a}'), ('private', '{b}/b.png', '{b}'), ('public', 'logo.png', NULL)"
    ))
    .expect("objects");
    let visible = |c: &mut postgres::Client, role: &str, sub: Option<&str>| -> Vec<String> {
        let claims = match sub {
            Some(s) => format!("{{\"sub\": \"{s}\", \"role\": \"{role}\"}}"),
            None => format!("{{\"role\": \"{role}\"}}"),
        };
        let mut tx = c.transaction().expect("tx");
        tx.batch_execute(&format!(
            "SET LOCAL ROLE {role}; SELECT set_config('request.jwt.claims', '{claims}', true)"
        ))
        .expect("become the caller");
        let names = tx
            .query(
                "SELECT bucket_id || ':' || name FROM storage.objects ORDER BY 1",
                &[],
            )
            .expect("select objects")
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        tx.rollback().expect("rollback");
        names
    };
    assert_eq!(
        visible(c, "authenticated", Some(a)),
        vec![format!("private:{a}/a.png"), "public:logo.png".to_string()]
    );
    assert_eq!(
        visible(c, "authenticated", Some(b)),
        vec![format!("private:{b}/b.png"), "public:logo.png".to_string()]
    );
    assert_eq!(
        visible(c, "anon", None),
        vec!["public:logo.png".to_string()]
    );

    // A cannot write into B's folder.
    let mut tx = c.transaction().expect("tx");
    tx.batch_execute(&format!(
        "SET LOCAL ROLE authenticated; SELECT set_config('request.jwt.claims', '{{\"sub\": \"{a}\"}}', true)"
    ))
    .expect("become A");
    let err = tx.batch_execute(&format!(
        "INSERT INTO storage.objects (bucket_id, name) VALUES ('private', '{b}/evil.png')"
    ));
    assert!(err.is_err(), "A wrote into B's folder");
}

/// (name, SQL that causes the drift, expected change kind)
const SCENARIOS: &[(&str, &str, &str)] = &[
    ("table_removed_from_publication", "ALTER PUBLICATION supabase_realtime DROP TABLE public.messages", "add_publication_table"),
    (
        "extra_table_in_publication",
        "CREATE TABLE public.extra (id int PRIMARY KEY); ALTER PUBLICATION supabase_realtime ADD TABLE public.extra",
        "drop_publication_table",
    ),
    ("bucket_flipped_public", "UPDATE storage.buckets SET public = true WHERE id = 'private'", "replace_bucket"),
    ("storage_policy_edited", "ALTER POLICY private_owner ON storage.objects USING (true)", "replace_policy"),
    ("auth_trigger_dropped", "DROP TRIGGER on_auth_user_created ON auth.users", "add_trigger"),
    ("schema_usage_revoked", "REVOKE USAGE ON SCHEMA public FROM anon", "grant_schema"),
    (
        "default_privilege_removed",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM service_role",
        "grant_default",
    ),
];

#[test]
fn platform_drift_is_found_and_repaired() {
    for (name, drift, kind) in SCENARIOS {
        let Some(mut db) = fresh(&format!("sb_{name}")) else {
            return;
        };
        apply(&mut db, drift, name);
        let r = schemac(&["diff", APP, "--db", &db.url, "--format", "json"]);
        assert_eq!(r.code, 1, "{name}: not detected:\n{}{}", r.stdout, r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        let kinds: Vec<&str> = v["changes"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c["kind"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            kinds.contains(kind),
            "{name}: expected {kind}, got {kinds:?}"
        );
        let sql = schemac(&["diff", APP, "--db", &db.url, "--sql", "--allow-destructive"]);
        // The project's timeouts, as in gen's file, and the project named in the header.
        assert!(
            sql.stdout.contains("SET LOCAL lock_timeout = '")
                && sql.stdout.contains("SET LOCAL statement_timeout = '")
                && sql.stdout.contains("brings the database to project "),
            "{}",
            sql.stdout
        );
        apply(&mut db, &sql.stdout, &format!("{name}: repair"));
        let r = schemac(&["diff", APP, "--db", &db.url]);
        assert_eq!(
            r.code, 0,
            "{name}: still drifting:\n{}\n--- sql:\n{}",
            r.stdout, sql.stdout
        );
    }
}

#[test]
fn objects_someone_else_created_on_platform_tables_are_not_reported() {
    let Some(mut db) = fresh("sb_others") else {
        return;
    };
    apply(
        &mut db,
        "CREATE FUNCTION public.audit_signup() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER someone_elses AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.audit_signup();
         CREATE POLICY someone_elses ON storage.objects FOR SELECT TO authenticated USING (false);
         INSERT INTO storage.buckets (id, name, public) VALUES ('theirs', 'theirs', true);
         CREATE PUBLICATION another_pub;",
        "others",
    );
    let r = schemac(&["diff", APP, "--db", &db.url]);
    // The extra function is in a managed schema, so it is reported; nothing else may be.
    let lines: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with(['+', '-', '~']))
        .collect();
    assert_eq!(
        lines,
        vec!["- function public.audit_signup()"],
        "{}",
        r.stdout
    );
}

#[test]
fn platform_seed_signup_creates_a_profile_and_publishes_its_tables() {
    let dir = "tests/fixtures/projects/platform";
    let Some(mut db) = test_db("platform_signup") else {
        return;
    };
    apply(&mut db, &stubs(), "stubs");
    apply(&mut db, &gen_stdout(dir), "gen of platform");
    let c = &mut db.client;
    c.batch_execute(
        "INSERT INTO auth.users (id, email, raw_user_meta_data)
         VALUES ('33333333-3333-3333-3333-333333333333', 'new@example.com', '{\"full_name\": \"New User\"}')",
    )
    .expect("sign-up");
    let n: i64 = c
        .query_one("SELECT count(*) FROM public.profiles WHERE id = '33333333-3333-3333-3333-333333333333'", &[])
        .expect("profiles")
        .get(0);
    assert_eq!(n, 1, "handle_new_user must write the profile");
    let published: Vec<String> = c
        .query("SELECT tablename::text FROM pg_publication_tables WHERE pubname = 'supabase_realtime' ORDER BY 1", &[])
        .expect("publication")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        published,
        vec!["app_events", "journal_entries", "posts", "profiles"]
    );
    let buckets: Vec<(String, bool)> = c
        .query("SELECT id, public FROM storage.buckets ORDER BY id", &[])
        .expect("buckets")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        buckets,
        vec![("private".to_string(), false), ("public".to_string(), true)]
    );
}

/// The platform columns of `tests/fixtures/supabase/platform-columns.txt`:
/// (schema.table, column) → (type, not null).
fn platform_columns() -> std::collections::BTreeMap<(String, String), (String, bool)> {
    let text = std::fs::read_to_string("tests/fixtures/supabase/platform-columns.txt")
        .expect("read platform-columns.txt");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (rest, not_null) = match l.strip_suffix(" not null") {
                Some(r) => (r, true),
                None => (l.strip_suffix(" null").expect("null or not null"), false),
            };
            let mut parts = rest.splitn(3, ' ');
            let table = parts.next().expect("table").to_string();
            let column = parts.next().expect("column").to_string();
            let ty = parts.next().expect("type").to_string();
            ((table, column), (ty, not_null))
        })
        .collect()
}

/// `schemac stubs` makes every column of the platform tables migrations reference, with the
/// platform's types and nullability, also over the eight-column `auth.users` older stubs
/// made; and the column types schemac checks projects against are the platform's.
#[test]
fn stubs_have_the_platform_tables_columns() {
    let want = platform_columns();
    let Some(mut db) = test_db("supabase_platform_columns") else {
        return;
    };
    // What `schemac stubs` made before it had every column.
    db.client
        .batch_execute(
            "CREATE SCHEMA auth;
             CREATE TABLE auth.users (id uuid PRIMARY KEY, email character varying(255), phone text,
               role character varying(255), raw_user_meta_data jsonb, raw_app_meta_data jsonb,
               created_at timestamp with time zone DEFAULT now(),
               updated_at timestamp with time zone DEFAULT now());
             INSERT INTO auth.users (id, email) VALUES ('11111111-1111-1111-1111-111111111111', 'a@example.com');",
        )
        .expect("older stubs");
    apply(&mut db, &stubs(), "stubs over older stubs");
    apply(&mut db, &stubs(), "stubs again");
    let rows = db
        .client
        .query(
            "SELECT n.nspname || '.' || c.relname, a.attname,
                    format_type(a.atttypid, a.atttypmod), a.attnotnull
             FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE (n.nspname, c.relname) IN (('auth', 'users'), ('auth', 'identities'),
                     ('auth', 'sessions'), ('storage', 'buckets'), ('storage', 'objects'))
               AND a.attnum > 0 AND NOT a.attisdropped",
            &[],
        )
        .expect("read columns");
    let have: std::collections::BTreeMap<(String, String), (String, bool)> = rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3))))
        .collect();
    assert_eq!(have, want, "stubs differ from the platform's columns");
    let kept: i64 = db
        .client
        .query_one(
            "SELECT count(*) FROM auth.users WHERE email = 'a@example.com' AND NOT is_anonymous",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(kept, 1, "the stubs keep the rows of an older auth.users");
    for (table, known) in [
        ("auth.users", schemac::model::SUPABASE_AUTH_USERS),
        ("storage.objects", schemac::model::SUPABASE_STORAGE_OBJECTS),
        ("storage.buckets", schemac::model::SUPABASE_STORAGE_BUCKETS),
        ("auth.identities", schemac::model::SUPABASE_AUTH_IDENTITIES),
        ("auth.sessions", schemac::model::SUPABASE_AUTH_SESSIONS),
    ] {
        let mut known: Vec<(String, String)> = known
            .iter()
            .map(|(c, t)| (c.to_string(), t.to_string()))
            .collect();
        known.sort();
        let platform: Vec<(String, String)> = want
            .iter()
            .filter(|((t, _), _)| t == table)
            .map(|((_, c), (ty, _))| (c.clone(), ty.clone()))
            .collect();
        assert_eq!(known, platform, "the columns schemac knows for {table}");
    }
}
