//! Hostile projects: every text a project holds, filled with payloads that try to end their
//! statement or add one. PostgreSQL is the oracle, never schemac's own reading: for each
//! case, either gen's check rejects the project with a `file:line:col`, or gen's output,
//! applied with psql to a database holding a canary table (and a canary role on the
//! server), leaves both untouched, creates no object the project did not declare, and does
//! create the declared ones. The output is applied twice: once on a session with
//! `standard_conforming_strings = off` (where a backslash in a plain string escapes the
//! quote) and once with it on, through psql, whose own lexer runs `\!` as a shell command.

use crate::pg::{test_db, TestDb};
use crate::root;
use postgres::{Client, NoTls};
use schemac::model::QualName;
use std::path::Path;
use std::process::Command;

/// The texts a project can hold, each a placeholder in [`PROJECT`] with a benign value.
const FIELDS: &[(&str, &str)] = &[
    ("LOCK", "5s"),
    ("ROLE", "sec_reader"),
    ("ENUM", "mood"),
    ("LABEL", "b"),
    ("FUNC", "add_one"),
    ("ARGNAME", "p"),
    ("ARGDEF", "1"),
    ("RETURNS", "int"),
    ("LANG", "sql"),
    ("SEARCH_PATH", "public"),
    ("SETNAME", "app.mode"),
    ("SETVALUE", "fast"),
    ("FCOMMENT", "adds one"),
    ("BODY", "SELECT p + 1"),
    ("TABLE", "things"),
    ("TCOMMENT", "a table"),
    ("COLUMN", "label"),
    ("DEFAULT", "true"),
    ("CCHECK", "n > 0"),
    ("CCOMMENT", "a column"),
    ("CNAME", "things_n_check"),
    ("TCHECK", "n < 100"),
    ("INAME", "things_n_idx"),
    ("IWHERE", "n > 0"),
    ("IEXPR", "abs(n)"),
    ("TRNAME", "things_touch"),
    ("TRARG", "arg"),
    ("TRCOND", "OLD.n IS DISTINCT FROM NEW.n"),
    ("PNAME", "readers"),
    ("USING", "n > 0"),
    ("WITHCHECK", "n > 0"),
    ("TPARAM", "n"),
    ("VIEW", "thing_view"),
    ("VQUERY", "SELECT 1 AS one"),
    ("VCOMMENT", "a view"),
    ("PCOMMENT", "readers read"),
    ("SEQ", "counter"),
    ("SEQCOMMENT", "a sequence"),
    ("SEQOWNER", "ledger.n"),
    ("DOMAIN", "positive_int"),
    ("DTYPE", "int"),
    ("DDEFAULT", "1"),
    ("DCNAME", "positive_int_check"),
    ("DCHECK", "VALUE > 0"),
    ("DCOMMENT", "a domain"),
    ("CTYPE", "pair"),
    ("CFIELD", "first"),
    ("CFTYPE", "int"),
    ("CTCOMMENT", "a type"),
    ("MVIEW", "thing_totals"),
    ("MVQUERY", "SELECT 1 AS one"),
    ("MVINAME", "thing_totals_one_idx"),
    ("MVCOMMENT", "a matview"),
    ("IXCOMMENT", "an index"),
    ("IXPARAM", "fillfactor"),
    ("IXVALUE", "70"),
    ("TRCOMMENT", "a trigger"),
    ("VWTRIG", "thing_view_write"),
    ("VWTARG", "view arg"),
    ("VWTNOTE", "a view trigger"),
    ("ENCOMMENT", "an enum"),
    ("PARTTABLE", "parts"),
    ("PARTKEY", "RANGE (at)"),
    ("PARTITION", "parts_2024"),
    (
        "PARTBOUND",
        "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    ),
    ("UNAME", "things_n_unique"),
    ("KCOMMENT", "a key"),
    ("COLL", "C"),
    ("PKNAME", "ledger_key"),
    ("EXNAME", "things_n_excl"),
    ("EXELEM", "n WITH ="),
    ("EXEXPR", "abs(n) WITH ="),
    ("EXWHERE", "n > 0"),
    ("TCHECKNI", "n < 1000"),
    ("INHPARENT", "stamped"),
    ("INHCHILD", "stamped_notes"),
    ("SQLNAME", "nightly_job"),
    ("SQLCOMMENT", "a block"),
    ("CLNAME", "loose"),
    ("CLLOCALE", "und-u-ks-level2"),
    ("CLCOLLATE", "C"),
    ("CLCOMMENT", "a collation"),
];

const CONFIG: &str =
    "schemac: 1\ntarget: postgres\nnaming: any\nlock_timeout: LOCK\nraw_sql: true\n";

const PROJECT: &str = r#"
roles: [ROLE]
enums:
  ENUM: [a, LABEL]
  mood_too: { values: [x], comment: ENCOMMENT }
functions:
  FUNC:
    args: [{ name: ARGNAME, type: int, default: ARGDEF }]
    returns: RETURNS
    language: LANG
    search_path: SEARCH_PATH
    strict: true
    parallel: safe
    cost: 5
    set: { SETNAME: SETVALUE, work_mem: 64MB }
    owner: ROLE
    comment: FCOMMENT
    body: BODY
  touch:
    returns: trigger
    language: plpgsql
    body: "BEGIN RETURN NEW; END;"
policy_templates:
  positive:
    params: [column]
    command: update
    using: "{{ column }} > 0"
tables:
  TABLE:
    owner: ROLE
    comment: TCOMMENT
    columns:
      id: { type: int, primary_key: true }
      COLUMN: { type: text, check: CCHECK, comment: CCOMMENT, collation: COLL }
      n: { type: int }
      flag: { type: boolean, default: DEFAULT }
      soft: { type: text, collation: CLNAME }
    checks: { CNAME: TCHECK, things_small: { check: TCHECKNI, no_inherit: true } }
    unique: [{ name: UNAME, columns: [n, flag], comment: KCOMMENT }]
    indexes:
      - { name: INAME, columns: [n], where: IWHERE, comment: IXCOMMENT }
      - { name: things_expr_idx, expressions: [IEXPR] }
      - { name: things_n_stored, columns: [n], unique: true, nulls_not_distinct: true, with: { IXPARAM: IXVALUE } }
    excludes:
      - { name: EXNAME, elements: [EXELEM, EXEXPR], include: [flag], where: EXWHERE }
    triggers:
      TRNAME: { when: before, events: [update], update_of: [COLUMN, n], for_each: row, function: touch, args: [TRARG], condition: TRCOND, comment: TRCOMMENT }
    rls: true
    policies:
      PNAME: { command: select, roles: [ROLE], using: USING, comment: PCOMMENT }
      writers: { command: insert, with_check: WITHCHECK }
      updaters: { template: positive, column: TPARAM }
  ledger:
    columns:
      id: { type: int, nullable: false }
      n: { type: int }
      k: { type: serial, nullable: false }
    primary_key: { name: PKNAME, columns: [id] }
  INHPARENT:
    columns:
      id: { type: int, primary_key: true }
      at: { type: date }
  INHCHILD:
    inherits: [INHPARENT]
    columns:
      note: { type: text }
    primary_key: [id]
  PARTTABLE:
    columns:
      id: { type: int, nullable: false }
      at: { type: date, nullable: false }
    partition_by: PARTKEY
  PARTITION:
    partition_of: PARTTABLE
    bounds: PARTBOUND
  parts_rest:
    partition_of: PARTTABLE
    bounds: default
views:
  VIEW:
    query: VQUERY
    comment: VCOMMENT
    triggers:
      VWTRIG: { when: instead_of, events: [insert], function: touch, args: [VWTARG], comment: VWTNOTE }
collations:
  CLNAME: { provider: icu, locale: CLLOCALE, deterministic: false, comment: CLCOMMENT, owner: ROLE }
  bytes: { lc_collate: CLCOLLATE, lc_ctype: C }
sequences:
  SEQ: { start: 5, comment: SEQCOMMENT }
  ledger_counter: { owned_by: SEQOWNER }
domains:
  DOMAIN:
    type: DTYPE
    default: DDEFAULT
    checks: { DCNAME: DCHECK }
    comment: DCOMMENT
types:
  CTYPE:
    fields: { CFIELD: CFTYPE }
    comment: CTCOMMENT
materialized_views:
  MVIEW:
    query: MVQUERY
    comment: MVCOMMENT
    indexes:
      - { name: MVINAME, columns: [one] }
grants:
  - { on: TABLE, privileges: [select], to: [ROLE] }
  - { on: TABLE, columns: [COLUMN, n], privileges: [update], to: [ROLE], with_grant_option: true }
  - { on: SEQ, privileges: [usage, select], to: [ROLE], with_grant_option: true }
  - { on: ledger_k_seq, privileges: [all], to: [ROLE] }
  - { function: FUNC, privileges: [execute], to: [ROLE], with_grant_option: true }
sql:
  SQLNAME: { after: [ledger], comment: SQLCOMMENT, body: "SELECT 1;" }
"#;

/// What each payload tries; `victim` is the canary table, `pwned` the role, table or
/// function it might make.
fn payloads() -> Vec<String> {
    let drop = "DROP TABLE canary.victim";
    let mut p: Vec<String> = vec![
        // sqlparser and PostgreSQL disagree: `--` ends at \r, /* */ nests.
        format!("true --\r); {drop}; SELECT (1"),
        format!("true /* /* */* */); {drop}; SELECT (1 -- */\nIS NOT NULL"),
        // Pasted `returns` / `language`.
        format!(
            "int LANGUAGE sql AS $x$ SELECT 1 $x$; {drop}; CREATE FUNCTION pwned() RETURNS int"
        ),
        "int; CREATE TABLE pwned ()".to_string(),
        format!(
            "sql AS $x$ SELECT 1 $x$; {drop}; CREATE FUNCTION pwned() RETURNS int LANGUAGE sql"
        ),
        // standard_conforming_strings = off: the backslash escapes the quote.
        format!("\\'; {drop}; --"),
        format!("n > 0 OR label = '\\'; {drop}; --'"),
        // The DO blocks' dollar tag inside a name, label or string.
        format!("x$schemac$; {drop}; --"),
        format!("n <> '$schemac$'); {drop}; --"),
        format!("$function$; {drop}; --"),
        // A trailing comment that would swallow the closing parenthesis.
        "true --".to_string(),
        "n > 0 /* open".to_string(),
        // NUL, Unicode spaces, line breaks in names that end up in `--` comments.
        "a\u{0}b".to_string(),
        "true\u{a0}OR true".to_string(),
        "n\u{2028}> 0".to_string(),
        format!("x\n{drop};--"),
        format!("x\r{drop};--"),
        // Over-long enum label.
        "l".repeat(70),
        // Needs parentheses as a default.
        "NULL IS NOT NULL".to_string(),
        // psql: a meta-command runs a shell; a variable is substituted.
        "1 \\! touch /tmp/schemac-pwned".to_string(),
        "n > :'x'".to_string(),
        // Plain attempts.
        format!("'; {drop}; --"),
        format!("\"; {drop}; --"),
        format!("*/; {drop}; /*"),
        format!("true); CREATE ROLE pwned SUPERUSER; SELECT (1"),
        format!("E'x'\n'\\'; {drop}; --'"),
        format!("U&'\\0027'; {drop}; --"),
        format!("$$; {drop}; $$"),
        format!("true) WITH CHECK (true"),
        // An exclusion element or operator that would close the list and add a clause.
        "n WITH =) WHERE (true".to_string(),
        "n WITH = OR true".to_string(),
    ];
    p.dedup();
    p
}

/// A YAML double-quoted scalar holding `s` exactly (JSON's string syntax is YAML's).
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

fn write_project(dir: &Path, field: &str, payload: &str) {
    // One pass over the template's words: a placeholder is a whole upper-case word, and
    // what replaced one is never read again (a payload's `DROP TABLE` stays as written).
    let fill = |template: &str| {
        let mut text = String::new();
        let mut word = String::new();
        let flush = |word: &mut String, text: &mut String| {
            match FIELDS.iter().find(|(k, _)| *k == word.as_str()) {
                Some((k, v)) => text.push_str(&yaml_string(if *k == field { payload } else { v })),
                None => text.push_str(word),
            }
            word.clear();
        };
        for c in template.chars() {
            if c.is_ascii_uppercase() || c == '_' {
                word.push(c);
            } else {
                flush(&mut word, &mut text);
                text.push(c);
            }
        }
        flush(&mut word, &mut text);
        text
    };
    std::fs::create_dir_all(dir).expect("create project dir");
    std::fs::write(dir.join("schemac.yaml"), fill(CONFIG)).expect("write config");
    std::fs::write(dir.join("objects.yaml"), fill(PROJECT)).expect("write project");
}

/// Runs schemac: exit code, stdout, stderr.
fn run_split(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_schemac"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run schemac");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Applies `file` with psql (stopping at the first error) on a session with the given
/// `standard_conforming_strings`.
fn psql(url: &str, file: &Path, scs: &str) -> Result<(), String> {
    let bin = std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    let out = Command::new(Path::new(&bin).join("psql"))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
        .arg(file)
        .env("PGOPTIONS", format!("-c standard_conforming_strings={scs}"))
        // What is tested is how the server reads the text, not the transport: no TLS
        // handshake for each of the few thousand runs.
        .env("PGSSLMODE", "disable")
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The canary's state: the victim's rows, roles named like `pwned`, and the canary role's
/// attributes.
fn canary(c: &mut Client) -> String {
    let victim: i64 = c
        .query_one("SELECT count(*) FROM canary.victim", &[])
        .map_or(-1, |r| r.get(0));
    let roles: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_roles WHERE rolname = 'pwned' \
             OR (rolname = 'sec_canary' AND (rolsuper OR rolcanlogin OR rolcreaterole))",
            &[],
        )
        .map_or(-1, |r| r.get(0));
    format!("victim rows {victim}, bad roles {roles}")
}

/// Objects whose name says a payload made them.
fn pwned_objects(c: &mut Client) -> i64 {
    c.query_one(
        "SELECT (SELECT count(*) FROM pg_class WHERE relname = 'pwned') \
              + (SELECT count(*) FROM pg_proc WHERE proname = 'pwned')",
        &[],
    )
    .map_or(-1, |r| r.get(0))
}

/// Whether the declared table, view, function, sequence, materialized view, domain,
/// composite type and collation exist, by their (payload) names, read as schemac reads a name
/// (`schema.name` when it holds a dot).
fn declared_exist(c: &mut Client, names: &[(&str, &str)]) -> Result<(), String> {
    let get = |k: &str| names.iter().find(|(n, _)| *n == k).map_or("", |(_, v)| *v);
    for (kind, key, query) in [
        ("table", "TABLE", "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = left($1, 63) AND c.relname = left($2, 63))"),
        ("view", "VIEW", "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = left($1, 63) AND c.relname = left($2, 63))"),
        ("function", "FUNC", "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = left($1, 63) AND p.proname = left($2, 63))"),
        ("sequence", "SEQ", "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = left($1, 63) AND c.relname = left($2, 63))"),
        ("materialized view", "MVIEW", "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND n.nspname = left($1, 63) AND c.relname = left($2, 63))"),
        ("domain", "DOMAIN", "SELECT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'd' AND n.nspname = left($1, 63) AND t.typname = left($2, 63))"),
        ("composite type", "CTYPE", "SELECT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'c' AND n.nspname = left($1, 63) AND t.typname = left($2, 63))"),
        ("collation", "CLNAME", "SELECT EXISTS (SELECT 1 FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE n.nspname = left($1, 63) AND c.collname = left($2, 63))"),
    ] {
        let q = QualName::parse(get(key), "public").map_err(|e| format!("{kind}: {e}"))?;
        let found: bool = c
            .query_one(query, &[&q.schema, &q.name])
            .map_err(|e| format!("{kind}: {e:?}"))?
            .get(0);
        if !found {
            return Err(format!("the declared {kind} `{q}` was not created"));
        }
    }
    Ok(())
}

/// Creates the role a case's project grants to (roles are server-wide, the project only
/// references them), with PostgreSQL quoting the name.
fn ensure_role(admin: &mut Client, name: &str) {
    if name.contains('\0') {
        return;
    }
    if let Ok(row) = admin.query_one(
        "SELECT format('CREATE ROLE %I', $1::text) WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
        &[&name],
    ) {
        let sql: String = row.get(0);
        let _ = admin.batch_execute(&sql);
    }
}

struct Outcome {
    rejected: usize,
    applied: usize,
    /// Applied, and PostgreSQL refused it for a reason other than syntax (a type error a
    /// check cannot see yet): the transaction rolled back, the canary held.
    refused: Vec<String>,
    failures: Vec<String>,
}

enum Case {
    Rejected,
    Applied,
    Refused(String),
}

#[test]
fn no_project_text_can_add_a_statement() {
    let Some(mut base) = test_db("security") else {
        return;
    };
    base.client
        .batch_execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sec_canary') THEN CREATE ROLE sec_canary NOLOGIN; END IF; END $$;
             CREATE SCHEMA canary; CREATE TABLE canary.victim (id int); INSERT INTO canary.victim VALUES (1);",
        )
        .expect("canary");
    let template = base.url.rsplit('/').next().unwrap_or_default().to_string();
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    // The template database must have no other session while it is copied.
    let TestDb { client, .. } = &mut base;
    let _ = client.batch_execute("SELECT 1");
    drop(std::mem::replace(
        client,
        Client::connect(&admin_url, NoTls).expect("connect"),
    ));

    let tmp = tempfile::tempdir().expect("tempdir");
    let pwned_file = Path::new("/tmp/schemac-pwned");
    let _ = std::fs::remove_file(pwned_file);
    let cases: Vec<(usize, &str, String)> = FIELDS
        .iter()
        .flat_map(|(field, _)| payloads().into_iter().map(move |p| (*field, p)))
        .enumerate()
        .map(|(i, (f, p))| (i, f, p))
        .collect();
    let total = cases.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outcome = std::sync::Mutex::new(Outcome {
        rejected: 0,
        applied: 0,
        refused: Vec::new(),
        failures: Vec::new(),
    });
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let mut admin = Client::connect(&admin_url, NoTls).expect("connect");
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some((i, field, payload)) = cases.get(n) else {
                        break;
                    };
                    let result = one_case(
                        &mut admin,
                        &admin_url,
                        &template,
                        tmp.path(),
                        *i,
                        field,
                        payload,
                    );
                    let mut o = outcome.lock().expect("lock");
                    match result {
                        Ok(Case::Applied) => o.applied += 1,
                        Ok(Case::Rejected) => o.rejected += 1,
                        Ok(Case::Refused(why)) => {
                            o.refused.push(format!("{field} = {payload:?}: {why}"))
                        }
                        Err(e) => o.failures.push(format!("{field} = {payload:?}: {e}")),
                    }
                }
            });
        }
    });
    let o = outcome.into_inner().expect("lock");
    assert!(
        !pwned_file.exists(),
        "psql ran a shell command from a project"
    );
    assert!(
        o.failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        o.failures.len(),
        o.failures.join("\n")
    );
    eprintln!(
        "security: {total} cases, {} rejected by check with a position, {} applied safely, {} refused by PostgreSQL (rolled back, canary intact):\n{}",
        o.rejected,
        o.applied,
        o.refused.len(),
        o.refused.join("\n")
    );
    assert!(
        o.applied > total / 4,
        "too few cases reached PostgreSQL: {}",
        o.applied
    );
}

/// Whether psql's error is one of reading the text (a sign that PostgreSQL read it
/// differently from schemac), as opposed to a type or reference error.
fn is_lexical(e: &str) -> bool {
    [
        "syntax error",
        "unterminated",
        "zero-length",
        "invalid byte sequence",
        "unsafe use",
    ]
    .iter()
    .any(|m| e.contains(m))
}

/// What became of one case; Err when the canary moved or the SQL was misread.
fn one_case(
    admin: &mut Client,
    admin_url: &str,
    template: &str,
    tmp: &Path,
    i: usize,
    field: &str,
    payload: &str,
) -> Result<Case, String> {
    let dir = tmp.join(format!("case{i}"));
    write_project(&dir, field, payload);
    let d = dir.to_string_lossy().into_owned();
    // gen runs check first: a project it refuses is reported with positions, and nothing
    // is written; otherwise stdout is the migration alone (warnings go to stderr).
    let (code, sql, err) = run_split(&["gen", &d, "--stdout"]);
    if code != 0 {
        let out = format!("{sql}{err}");
        let positioned = out.lines().any(|l| {
            l.trim_start().starts_with("--> ")
                && l.rsplit(':')
                    .next()
                    .is_some_and(|c| c.trim().parse::<u32>().is_ok())
        });
        return if positioned && code <= 2 && !out.contains("panicked") {
            Ok(Case::Rejected)
        } else {
            Err(format!("gen exited {code} without a position:\n{out}"))
        };
    }
    let file = dir.join("out.sql");
    std::fs::write(&file, &sql).map_err(|e| e.to_string())?;
    let db = format!("sec_case_{i}_{}", std::process::id());
    admin
        // FILE_COPY: the template is tiny, and copying its files costs the throwaway server
        // less than writing them to the WAL (the default), a thousand times over.
        .batch_execute(&format!(
            "CREATE DATABASE {db} TEMPLATE \"{template}\" STRATEGY FILE_COPY"
        ))
        .map_err(|e| format!("create {db}: {e}"))?;
    let role = if field == "ROLE" {
        payload
    } else {
        "sec_reader"
    };
    ensure_role(admin, role);
    let url = format!(
        "{}/{db}",
        admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b)
    );
    let result = (|| {
        let applied = psql(&url, &file, "off").and_then(|()| psql(&url, &file, "on"));
        let mut c = Client::connect(&url, NoTls).map_err(|e| e.to_string())?;
        if let Err(e) = applied {
            let state = canary(&mut c);
            if is_lexical(&e) || state != "victim rows 1, bad roles 0" || pwned_objects(&mut c) != 0
            {
                return Err(format!("applying failed: {e}\ncanary: {state}\n{sql}"));
            }
            return Ok(Case::Refused(
                e.lines().next().unwrap_or_default().to_string(),
            ));
        }
        let state = canary(&mut c);
        if state != "victim rows 1, bad roles 0" {
            return Err(format!("the canary changed: {state}\n{sql}"));
        }
        if pwned_objects(&mut c) != 0 {
            return Err(format!("an undeclared object was created\n{sql}"));
        }
        let names: Vec<(&str, &str)> = FIELDS
            .iter()
            .map(|(k, v)| (*k, if *k == field { payload } else { *v }))
            .collect();
        declared_exist(&mut c, &names).map(|()| Case::Applied)
    })();
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    result
}

mod property {
    //! Generated fragments that mix comments, quotes, dollar quotes, backslashes and
    //! control characters. Whenever schemac accepts one, PostgreSQL must read it as part
    //! of one statement, with `standard_conforming_strings` on and off: the server itself
    //! parses `SELECT (<fragment>)` as a prepared statement, which it refuses to do for
    //! several commands.
    use proptest::prelude::*;
    use schemac::sql::fragment::{clean, for_sql, Shape};

    const PIECES: &[&str] = &[
        "'",
        "\"",
        "--",
        "/*",
        "*/",
        "$$",
        "$a$",
        "\\",
        "\r",
        "\n",
        ";",
        "(",
        ")",
        "E'",
        "U&'",
        " ",
        "x",
        "1",
        "\u{a0}",
        "::",
        ":",
        "-",
        "*",
        "/",
        "true",
        "DROP TABLE canary.victim",
        "''",
        "\\'",
        "$",
        "[",
        "]",
        "\t",
        "e",
        "b'",
    ];

    fn fragment() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 1..14).prop_map(|v| v.concat())
    }

    #[test]
    fn accepted_fragments_are_one_statement_to_postgres() {
        let Some(mut db) = crate::pg::test_db("fragments") else {
            return;
        };
        let accepted = std::cell::Cell::new(0u32);
        let client = std::cell::RefCell::new(&mut db.client);
        // SCHEMAC_FRAGMENT_CASES=100000 for a longer run.
        let cases = std::env::var("SCHEMAC_FRAGMENT_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4000);
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        });
        let result = runner.run(&fragment(), |f| {
            let Ok(cleaned) = clean(&f, Shape::Expr) else {
                return Ok(());
            };
            accepted.set(accepted.get() + 1);
            let mut client = client.borrow_mut();
            let sql = format!("SELECT ({})", for_sql(cleaned.trim()));
            for scs in ["on", "off"] {
                client
                    .batch_execute(&format!("SET standard_conforming_strings = {scs}"))
                    .expect("set");
                if let Err(e) = client.prepare(&sql) {
                    let msg = e.as_db_error().map_or(e.to_string(), |d| d.message().to_string());
                    prop_assert!(
                        !msg.contains("multiple commands"),
                        "{f:?} was accepted, but PostgreSQL (standard_conforming_strings = {scs}) reads several statements in {sql:?}"
                    );
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        let accepted = accepted.get();
        eprintln!("fragments: {accepted} of {cases} generated fragments accepted, each one statement to PostgreSQL");
        assert!(
            accepted > 200,
            "too few accepted fragments to mean anything: {accepted}"
        );
    }
}

/// A project with `sql:` blocks but without `raw_sql: true` is refused by gen (nothing
/// written) and by diff (before it connects to anything), and the library refuses to render
/// its blocks even when called without check.
#[test]
fn security_sql_blocks_are_refused_without_raw_sql() {
    let dir = "tests/fixtures/rules/SC330-raw-sql-not-enabled";
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out.sql");
    let r = crate::schemac(&["gen", dir, "--out", out.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(!out.exists(), "gen wrote a file");
    assert!(
        r.stderr.contains("SC330") && r.stderr.contains("nothing written"),
        "{}",
        r.stderr
    );
    // Nothing listens on port 1: diff must stop before connecting.
    let r = crate::schemac(&["diff", dir, "--db", "postgres://nobody@127.0.0.1:1/none"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("SC330") && r.stderr.contains("diff: the project has errors"),
        "{}",
        r.stderr
    );
    let r = crate::schemac(&[
        "diff",
        dir,
        "--db",
        "postgres://nobody@127.0.0.1:1/none",
        "--trust-raw-sql",
    ]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let model = schemac::compile(&root().join(dir), dir).expect("compile");
    let e = schemac::generate(&model, None).expect_err("render refuses");
    assert!(e.to_string().contains("does not allow raw SQL"), "{e}");
}

/// A plain PostgreSQL project that allows raw SQL, with `defs` as its one definition file.
fn write_raw_sql_project(dir: &Path, defs: &str) {
    std::fs::create_dir_all(dir).expect("dir");
    std::fs::write(
        dir.join("schemac.yaml"),
        "schemac: 1\ntarget: postgres\nraw_sql: true\n",
    )
    .expect("write");
    std::fs::write(dir.join("b.yaml"), defs).expect("write");
}

/// A block's name cannot leave the `-- sql: <name>` comment: anything but
/// `[a-z_][a-z0-9_]*` is refused when the project is loaded (exit 2, nothing written), and a
/// comment's line breaks are written as `\\n`.
#[test]
fn security_sql_block_names_and_comments_cannot_add_a_statement() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in [
        "x\nDROP TABLE canary.victim; --",
        "x\rDROP TABLE canary.victim; --",
        "x */ DROP TABLE canary.victim; /*",
        "x; DROP TABLE canary.victim",
        "X",
        "x\u{2028}y",
    ] {
        let dir = tmp.path().join("p");
        write_raw_sql_project(
            &dir,
            &format!("sql:\n  {}: {{ body: \"SELECT 1;\" }}\n", yaml_string(name)),
        );
        let out = tmp.path().join("out.sql");
        let d = dir.to_str().expect("utf-8");
        let r = crate::schemac(&["gen", d, "--out", out.to_str().expect("utf-8")]);
        assert_eq!(r.code, 2, "{name:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("is not a valid sql block name"),
            "{}",
            r.stderr
        );
        assert!(!out.exists(), "{name:?}: gen wrote a file");
    }
    let dir = tmp.path().join("c");
    write_raw_sql_project(
        &dir,
        &format!(
            "sql:\n  job: {{ comment: {}, body: \"SELECT 1;\" }}\n",
            yaml_string("a\nDROP TABLE canary.victim; --\r\u{2028}")
        ),
    );
    let r = crate::schemac(&["gen", dir.to_str().expect("utf-8"), "--stdout"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let statements = schemac::sql::lexer::statements(&r.stdout).expect("lexes");
    assert!(
        statements.iter().all(|s| !r.stdout[s.clone()]
            .trim_start()
            .starts_with("DROP TABLE canary")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("-- a\\nDROP TABLE canary.victim; --\\r"),
        "{}",
        r.stdout
    );
}
