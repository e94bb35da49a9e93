//! Conformance against two external corpora of schema-diff test cases (read at test time from
//! `../shared/corpus`, read-only):
//!
//! * **migra**: `migra/fixtures/<case>/a.sql` (from) and `b.sql` (to);
//! * **sqldef**: `sqldef/tests_*.yml`, each a map of case name → `{current, desired, …}`
//!   (see `testcase.schema.json` there); only the cases that can run on this server (not
//!   `offline`, no `error` expected, `min_version`/`max_version`/`flavor` satisfied).
//!
//! For each case two empty databases are prepared; FROM gets `current`/`a.sql`, TO gets
//! `desired`/`b.sql` (missing roles are created, and schemas FROM has but TO's SQL assumes).
//! A case whose SQL does not load (unsupported feature, missing extension…) is SKIPPED.
//! Otherwise `schemac::diff_databases(FROM, TO)` runs over every non-system schema of
//! either side, the reconciling migration (`plan::sql(.., true)`) is applied to FROM (an
//! error = FAILED), and the diff runs again: no change left = PASSED, otherwise FAILED.
//!
//! PASSED only means schemac converges by its own measure. Objects its introspection does not
//! read (domains, sequences, materialized views…) are invisible to it, so each PASSED case is
//! also checked with an independent catalog fingerprint ([`FINGERPRINT`]); the differences it
//! finds are reported as "blind spots" (they do not fail the test).
//!
//! The **import round trip** (`migra-import`, `sqldef-import`) runs over the TO database of
//! every case that loads: `schemac::import` makes it a project, the project is compiled and
//! applied to an emptied database ([`schemac::import::verify_on`] on the FROM slot), and the
//! two databases are compared by schemac's database-to-database diff over TO's schemas.
//! EXACT: nothing unrepresentable and no difference; UNSUPPORTED: import lists objects the
//! format cannot say (tallied by kind); FAILED: gen, the apply or the diff does not come
//! back (tallied by reason). EXACT cases also compare the [`FINGERPRINT`]s (blind spots).
//!
//! The test fails when a corpus passes fewer cases than its floor in
//! `tests/conformance-floor.txt`. See `tests/CONFORMANCE.md` (environment variables:
//! `CONFORMANCE_DETAILS=<file>` writes every case's outcome, SQL and failing migration;
//! `CONFORMANCE_FRESH=1` creates fresh databases for every case instead of emptying them).

use postgres::{Client, NoTls};
use schemac::pg::{Reads, Session};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One case: SQL for the FROM and TO databases.
struct Case {
    corpus: &'static str,
    name: String,
    from_sql: String,
    to_sql: String,
    /// Roles the case needs (created cluster-wide before it runs).
    roles: Vec<String>,
    /// Why the case is skipped without running (wrong flavor, version, expected error…).
    skip: Option<String>,
}

#[derive(Debug)]
enum Outcome {
    Passed {
        /// Lines of the independent fingerprint that still differ (FROM `-`, TO `+`).
        blind: Vec<String>,
    },
    Failed {
        reason: String,
        /// Failure categories (for the tally).
        categories: Vec<String>,
        /// The failing migration, or the changes left (for `CONFORMANCE_DETAILS`).
        detail: String,
    },
    Skipped {
        reason: String,
    },
    /// Import round trip only: the format cannot say some objects.
    Unsupported {
        /// The kinds of the objects import lists as not representable.
        kinds: Vec<String>,
        detail: String,
    },
}

/// Which passes run over a case: the diff conformance, the import round trip.
#[derive(Clone, Copy)]
struct Passes {
    diff: bool,
    import: bool,
}

/// A case's outcomes, one per pass that ran.
type Outcomes = (Option<Outcome>, Option<Outcome>);

/// The sqldef fields that decide whether and how a case runs; the others are ignored.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SqldefCase {
    current: Option<String>,
    desired: Option<String>,
    error: Option<String>,
    min_version: Option<String>,
    max_version: Option<String>,
    flavor: Option<String>,
    offline: bool,
    user: Option<String>,
    managed_roles: Vec<String>,
}

fn corpus_root() -> PathBuf {
    crate::root().join("../shared/corpus")
}

/// Cases laid out as migra's: `<dir>/<case>/a.sql` (FROM) and `b.sql` (TO). For the
/// `plans` corpus, an `expected-failure` file in a case holds why it still fails.
fn dir_cases(corpus: &'static str, dir: &Path) -> Vec<Case> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let read = |f: &str| std::fs::read_to_string(dir.join(&name).join(f));
            let (from_sql, to_sql, skip) = match (read("a.sql"), read("b.sql")) {
                (Ok(a), Ok(b)) => (a, b, None),
                _ => (String::new(), String::new(), Some("no a.sql/b.sql".into())),
            };
            Case {
                corpus,
                name,
                from_sql,
                to_sql,
                roles: Vec::new(),
                skip,
            }
        })
        .collect()
}

/// `"9.1"` → `[9, 1]`.
fn version(v: &str) -> Vec<u32> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

fn sqldef_cases(root: &Path, server: &[u32], has_vector: bool) -> Vec<Case> {
    let dir = root.join("sqldef");
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("tests_") && n.ends_with(".yml"))
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let stem = f
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .trim_start_matches("tests_")
            .to_string();
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("read {f:?}: {e}"));
        let cases: indexmap::IndexMap<String, SqldefCase> =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parse {f:?}: {e}"));
        for (name, c) in cases {
            let skip = if c.offline {
                Some("offline-only case (proprietary dialect, e.g. Aurora DSQL)".to_string())
            } else if c.error.is_some() {
                Some("expects sqldef to report an error".to_string())
            } else if c
                .min_version
                .as_deref()
                .is_some_and(|v| version(v).as_slice() > server)
            {
                Some(format!(
                    "needs PostgreSQL >= {}",
                    c.min_version.as_deref().unwrap_or("")
                ))
            } else if c
                .max_version
                .as_deref()
                .is_some_and(|v| version(v).as_slice() < server)
            {
                Some(format!(
                    "needs PostgreSQL <= {}",
                    c.max_version.as_deref().unwrap_or("")
                ))
            } else {
                match c.flavor.as_deref() {
                    None | Some("!mysql" | "!mariadb" | "!tidb") => None,
                    Some("pgvector") if has_vector => None,
                    Some("pgvector") => Some("needs the pgvector extension".to_string()),
                    Some("!pgvector") if has_vector => {
                        Some("excluded on pgvector servers".to_string())
                    }
                    Some("!pgvector") => None,
                    Some(other) => Some(format!("flavor {other}")),
                }
            };
            let mut roles = c.managed_roles.clone();
            roles.extend(c.user.clone());
            out.push(Case {
                corpus: "sqldef",
                name: format!("{stem}/{name}"),
                from_sql: c.current.unwrap_or_default(),
                to_sql: c.desired.unwrap_or_default(),
                roles,
                skip,
            });
        }
    }
    out
}

/// Replaces the database name in a `postgres://` URL.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host = match base[scheme_end..].find('/') {
        Some(i) => &base[..i + scheme_end],
        None => base,
    };
    format!("{host}/{db}{query}")
}

fn reason(e: &postgres::Error) -> String {
    schemac::pg::reason(e).replace('\n', " ")
}

/// `role "x" does not exist` → `x`.
fn missing_role(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("role \"")?;
    let (name, tail) = rest.split_once('"')?;
    tail.starts_with(" does not exist")
        .then(|| name.to_string())
}

fn create_role(admin: &mut Client, role: &str) {
    let _ = admin.batch_execute(&format!(
        "CREATE ROLE {}",
        schemac::model::names::quote_ident(role)
    ));
}

/// `schema "x" does not exist` → `x`.
fn missing_schema(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("schema \"")?;
    let (name, tail) = rest.split_once('"')?;
    tail.starts_with(" does not exist")
        .then(|| name.to_string())
}

/// Runs `sql`, fixing what the corpora take for granted and retrying: a missing role is
/// created (cluster-wide); a missing schema is created when it is in `schemas` (sqldef
/// does not manage schemas, so its `desired` omits the `CREATE SCHEMA` of `current`).
fn exec_fixing(
    client: &mut Client,
    admin: &mut Client,
    sql: &str,
    schemas: &BTreeSet<String>,
    fixed: &mut BTreeSet<String>,
) -> Result<(), String> {
    loop {
        let Err(e) = client.batch_execute(sql) else {
            return Ok(());
        };
        let r = reason(&e);
        // An explicit BEGIN in the case leaves the session in a failed transaction.
        let _ = client.batch_execute("ROLLBACK");
        if fixed.len() >= 16 {
            return Err(r);
        }
        if let Some(role) = missing_role(&r) {
            if fixed.insert(format!("role {role}")) {
                create_role(admin, &role);
                continue;
            }
        }
        if let Some(schema) = missing_schema(&r).filter(|s| schemas.contains(s)) {
            if fixed.insert(format!("schema {schema}")) {
                let q = schemac::model::names::quote_ident(&schema);
                let _ = client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {q}"));
                continue;
            }
        }
        return Err(r);
    }
}

/// Loads a case's SQL into `client` (see [`exec_fixing`]). A script one implicit
/// transaction cannot hold (`CREATE INDEX CONCURRENTLY`…) runs statement by statement.
fn load(
    client: &mut Client,
    admin: &mut Client,
    sql: &str,
    schemas: &BTreeSet<String>,
) -> Result<(), String> {
    let mut fixed = BTreeSet::new();
    match exec_fixing(client, admin, sql, schemas, &mut fixed) {
        Err(r) if r.contains("cannot run inside a transaction block") => {
            for stmt in split_statements(sql) {
                exec_fixing(client, admin, &stmt, schemas, &mut fixed)?;
            }
            Ok(())
        }
        other => other,
    }
}

/// Splits a script on the `;` outside quotes, dollar quotes and comments.
fn split_statements(sql: &str) -> Vec<String> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 1;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            b'$' => {
                // $tag$ … $tag$ (a tag is empty or an identifier; `$1` is a parameter).
                let tag_end = sql[i + 1..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map(|j| i + 1 + j);
                if let Some(e) = tag_end
                    .filter(|&e| b[e] == b'$' && !b.get(i + 1).is_some_and(|c| c.is_ascii_digit()))
                {
                    let tag = &sql[i..=e];
                    match sql[e + 1..].find(tag) {
                        Some(j) => i = e + 1 + j + tag.len() - 1,
                        None => i = b.len(),
                    }
                }
            }
            b';' => {
                let stmt = sql[start..i].trim();
                if !stmt.is_empty() {
                    out.push(stmt.to_string());
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let stmt = sql[start.min(sql.len())..].trim();
    if !stmt.is_empty() {
        out.push(stmt.to_string());
    }
    out
}

const SCHEMAS: &str = "SELECT nspname::text FROM pg_namespace WHERE nspname NOT IN ('pg_catalog','information_schema','pg_toast') AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'";

fn schemas(client: &mut Client) -> Result<BTreeSet<String>, String> {
    Ok(client
        .query(SCHEMAS, &[])
        .map_err(|e| reason(&e))?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// An independent picture of everything a schema diff could be asked to reconcile, one text
/// line per fact, object identities by name (never by OID), column order ignored. Objects
/// that belong to extensions are left out. $1: the schemas (text[]).
const FINGERPRINT: &str = r#"
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = ANY($1)),
ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
-- Functions made by CREATE TYPE (range constructors…).
internal AS (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'i'),
rel AS (
  SELECT c.*, n.nspname, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qn
  FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
  WHERE c.oid NOT IN (SELECT objid FROM ext)
)
SELECT 'schema ' || nspname FROM ns
UNION ALL
SELECT 'relation ' || qn || ' kind=' || relkind::text || ' persistence=' || relpersistence::text
  || ' rls=' || relrowsecurity || ' force_rls=' || relforcerowsecurity
  || coalesce(' options=' || array_to_string(reloptions, ','), '')
  || coalesce(' partition_by=' || pg_get_partkeydef(oid), '')
  || coalesce(' bound=' || pg_get_expr(relpartbound, oid), '')
  || CASE WHEN relkind IN ('r', 'p') THEN ' replica_identity=' || relreplident::text ELSE '' END
FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
UNION ALL
SELECT 'owner ' || qn || ' ' || pg_get_userbyid(relowner)
FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
UNION ALL
SELECT 'inherits ' || r.qn || ' from ' || i.inhparent::regclass::text
FROM pg_inherits i JOIN rel r ON r.oid = i.inhrelid WHERE r.relkind IN ('r', 'p', 'f')
UNION ALL
SELECT 'column ' || r.qn || '.' || quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
  || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
  || CASE a.attgenerated WHEN 's' THEN ' generated' ELSE '' END
  || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
  || CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END
  || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
          THEN ' collate ' || (SELECT collname FROM pg_collation WHERE oid = a.attcollation) ELSE '' END
FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
UNION ALL
SELECT 'constraint ' || quote_ident(n.nspname) || '.' || quote_ident(coalesce(c.relname, t.typname))
  || '.' || quote_ident(co.conname) || ' ' || pg_get_constraintdef(co.oid)
FROM pg_constraint co JOIN ns n ON n.oid = co.connamespace
LEFT JOIN pg_class c ON c.oid = co.conrelid LEFT JOIN pg_type t ON t.oid = co.contypid
WHERE co.oid NOT IN (SELECT objid FROM ext)
UNION ALL
SELECT 'index ' || r.qn || ' ' || pg_get_indexdef(r.oid)
FROM rel r WHERE r.relkind IN ('i', 'I')
UNION ALL
SELECT 'trigger ' || r.qn || '.' || quote_ident(tg.tgname) || ' ' || pg_get_triggerdef(tg.oid)
  || ' enabled=' || tg.tgenabled::text
FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal
UNION ALL
SELECT 'policy ' || r.qn || '.' || quote_ident(p.polname) || ' cmd=' || p.polcmd::text
  || ' permissive=' || p.polpermissive
  || ' roles=' || (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE pg_get_userbyid(x) END, ',' ORDER BY 1)
                   FROM unnest(p.polroles) x)
  || coalesce(' using ' || pg_get_expr(p.polqual, p.polrelid), '')
  || coalesce(' check ' || pg_get_expr(p.polwithcheck, p.polrelid), '')
FROM pg_policy p JOIN rel r ON r.oid = p.polrelid
UNION ALL
SELECT 'function ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname)
  || '(' || pg_get_function_identity_arguments(p.oid) || ') '
  || CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(p.oid) END
FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
WHERE p.oid NOT IN (SELECT objid FROM ext) AND p.oid NOT IN (SELECT objid FROM internal)
UNION ALL
SELECT 'view ' || qn || ' ' || pg_get_viewdef(oid) FROM rel WHERE relkind IN ('v', 'm')
UNION ALL
SELECT 'type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) || ' ' || CASE t.typtype
    WHEN 'd' THEN 'domain over ' || format_type(t.typbasetype, t.typtypmod)
      || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
      || coalesce(' default ' || t.typdefault, '')
    WHEN 'e' THEN 'enum (' || (SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder)
                               FROM pg_enum WHERE enumtypid = t.oid) || ')'
    WHEN 'r' THEN 'range of ' || (SELECT format_type(rngsubtype, NULL) FROM pg_range WHERE rngtypid = t.oid)
    ELSE t.typtype::text END
FROM pg_type t JOIN ns n ON n.oid = t.typnamespace
WHERE t.typtype IN ('d', 'e', 'r') AND t.oid NOT IN (SELECT objid FROM ext)
UNION ALL
SELECT 'sequence ' || r.qn || ' ' || format_type(s.seqtypid, NULL) || ' start=' || s.seqstart
  || ' increment=' || s.seqincrement || ' min=' || s.seqmin || ' max=' || s.seqmax
  || ' cache=' || s.seqcache || ' cycle=' || s.seqcycle
  || coalesce(' owned_by=' || (
       SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname)
       FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
       WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1), '')
FROM pg_sequence s JOIN rel r ON r.oid = s.seqrelid
UNION ALL
SELECT 'extension ' || e.extname || ' schema=' || n.nspname || ' version=' || e.extversion
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'
UNION ALL
SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' = ' || d.description
FROM pg_description d
WHERE (d.objoid >= 16384 OR d.objoid IN (SELECT oid FROM ns))
  AND d.objoid NOT IN (SELECT objid FROM ext) AND d.classoid <> 'pg_extension'::regclass
UNION ALL
SELECT 'grant ' || r.qn || ' ' || CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee) END
  || ' ' || a.privilege_type || CASE WHEN a.is_grantable THEN ' with grant option' ELSE '' END
FROM rel r, aclexplode(coalesce(r.relacl, acldefault((CASE WHEN r.relkind = 'S' THEN 's' ELSE 'r' END)::"char", r.relowner))) a
WHERE r.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND a.grantee <> r.relowner
UNION ALL
SELECT 'grant ' || r.qn || '.' || quote_ident(att.attname) || ' '
  || CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee) END || ' ' || a.privilege_type
  || CASE WHEN a.is_grantable THEN ' with grant option' ELSE '' END
FROM rel r JOIN pg_attribute att ON att.attrelid = r.oid, aclexplode(att.attacl) a
WHERE att.attacl IS NOT NULL AND NOT att.attisdropped
UNION ALL
SELECT 'grant function ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname)
  || '(' || pg_get_function_identity_arguments(p.oid) || ') '
  || CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee) END || ' ' || a.privilege_type
FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
WHERE p.oid NOT IN (SELECT objid FROM ext) AND p.oid NOT IN (SELECT objid FROM internal)
  AND a.grantee <> p.proowner
UNION ALL
SELECT 'grant schema ' || n.nspname || ' '
  || CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee) END || ' ' || a.privilege_type
  || CASE WHEN a.is_grantable THEN ' with grant option' ELSE '' END
FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
WHERE n.nspname = ANY($1) AND a.grantee <> n.nspowner
UNION ALL
SELECT 'default_acl ' || coalesce(n.nspname, '*') || ' ' || pg_get_userbyid(d.defaclrole) || ' '
  || d.defaclobjtype::text || ' ' || d.defaclacl::text
FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
"#;

fn fingerprint(client: &mut impl Reads, schemas: &[String]) -> Result<BTreeSet<String>, String> {
    Ok(client
        .rows(FINGERPRINT, &[&schemas])
        .map_err(|e| format!("fingerprint: {}", reason(&e)))?
        .iter()
        .map(|r| r.get::<_, Option<String>>(0).unwrap_or_default())
        .collect())
}

/// The category of a fingerprint line: its first word (`grant function` for function
/// grants…), with the two words of `grant …` / `type … domain|enum|range`.
fn fingerprint_category(line: &str) -> String {
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or("?");
    match first {
        "grant" => match words.next() {
            Some(w @ ("function" | "schema")) => format!("grant {w}"),
            _ => "grant".into(),
        },
        "type" => format!("type {}", words.nth(1).unwrap_or("?")),
        "relation" => {
            let kind = line
                .split(" kind=")
                .nth(1)
                .and_then(|s| s.chars().next())
                .unwrap_or('?');
            let name = match kind {
                'r' => "table",
                'p' => "partitioned table",
                'v' => "view",
                'm' => "materialized view",
                'S' => "sequence",
                'f' => "foreign table",
                'c' => "composite type",
                _ => "?",
            };
            format!("relation ({name})")
        }
        w => w.to_string(),
    }
}

/// Replaces the quoted identifiers in a message with `…` (keeping a `_seq` suffix, which
/// tells serial sequences apart) and drops details in parentheses.
fn strip_quoted(msg: &str) -> String {
    let mut out = String::new();
    let mut quoted: Option<String> = None;
    for ch in msg.chars() {
        match (&mut quoted, ch) {
            (None, '"') => quoted = Some(String::new()),
            (Some(q), '"') => {
                out.push_str(if q.ends_with("_seq") {
                    "\"…_seq\""
                } else {
                    "\"…\""
                });
                quoted = None;
            }
            (Some(q), c) => q.push(c),
            (None, c) => out.push(c),
        }
    }
    match out.find(" (") {
        Some(i) => out[..i].to_string(),
        None => out,
    }
}

/// [`strip_quoted`], then the word after `type`, `view`, `table`… is replaced with `…`
/// too: error messages grouped by kind.
fn normalize(msg: &str) -> String {
    let out = strip_quoted(msg);
    const AFTER: [&str; 9] = [
        "type",
        "view",
        "constraint",
        "table",
        "relation",
        "function",
        "index",
        "schema",
        "to",
    ];
    const KEEP: [&str; 9] = ["of", "a", "an", "the", "be", "or", "and", "on", "because"];
    let words: Vec<&str> = out.split(' ').collect();
    let mut norm = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let replace = i > 0
            && AFTER.contains(&words[i - 1])
            && !AFTER.contains(w)
            && !KEEP.contains(w)
            && !w.starts_with('"');
        norm.push(if replace { "…" } else { w });
    }
    norm.join(" ").chars().take(100).collect()
}

/// The categories of a passed case's fingerprint differences. Lines about the parts of an
/// object that is itself missing or different (the columns, owner, grants, indexes of a
/// materialized view; the checks of a domain) count under that object only.
fn blind_categories(lines: &[String]) -> BTreeSet<String> {
    let facts: Vec<&str> = lines.iter().map(|l| l.get(2..).unwrap_or("")).collect();
    // Objects (schema.name) whose own line differs.
    let owners: BTreeSet<&str> = facts
        .iter()
        .filter(|f| f.starts_with("relation ") || f.starts_with("type "))
        .filter_map(|f| f.split_whitespace().nth(1))
        .collect();
    let part_of_owner = |f: &str| {
        let mut w = f.split_whitespace();
        let kind = w.next().unwrap_or("");
        let name = w.next().unwrap_or("");
        let within = |o: &&str| name == *o || name.starts_with(&format!("{o}."));
        match kind {
            "column" | "owner" | "view" | "grant" | "constraint" | "comment" | "trigger"
            | "policy" => owners.iter().any(within),
            "index" => owners.iter().any(|o| f.contains(&format!(" ON {o} "))),
            _ => false,
        }
    };
    // A relation on both sides with different lines: its kind or its attributes changed.
    let kinds = |sign: &str| -> BTreeMap<&str, String> {
        lines
            .iter()
            .filter(|l| l.starts_with(sign) && l[2..].starts_with("relation "))
            .filter_map(|l| {
                let name = l[2..].split_whitespace().nth(1)?;
                Some((name, fingerprint_category(&l[2..])))
            })
            .collect()
    };
    let (before, after) = (kinds("-"), kinds("+"));
    let mut out = BTreeSet::new();
    for f in facts.iter().filter(|f| !part_of_owner(f)) {
        let name = f.split_whitespace().nth(1).unwrap_or("");
        out.insert(match (before.get(name), after.get(name)) {
            (Some(b), Some(a)) if f.starts_with("relation ") && a == b => {
                format!("{a}: attributes")
            }
            (Some(b), Some(a)) if f.starts_with("relation ") => {
                format!("{b} becomes {}", a.trim_start_matches("relation "))
            }
            _ => fingerprint_category(f),
        });
    }
    out
}

/// Empties a used database: drops every non-system schema (with its tables, types,
/// functions, extensions…) and recreates `public` as PostgreSQL 15's template has it.
const RESET: &str = r#"
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
             AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
END
$$;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';
"#;

/// Builds a query listing, per database-local catalog with an `oid` column, how many rows
/// were created after initdb (oid >= 16384), plus database-level settings. A fresh database
/// has only its `statement_timeout` setting; a reset one also `pg_namespace=1` (the recreated
/// `public`).
const LEFTOVERS_QUERY: &str = r#"
SELECT 'SELECT c FROM (' || string_agg(
         format('SELECT %L || ''='' || count(*) AS c, count(*) AS n FROM pg_catalog.%I WHERE oid >= 16384',
                c.relname, c.relname), ' UNION ALL ' ORDER BY c.relname)
       || ' UNION ALL SELECT ''pg_db_role_setting='' || count(*), count(*) FROM pg_db_role_setting'
       || ' WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())'
       || ') x WHERE n > 0 ORDER BY 1'
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'oid'
WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r' AND NOT c.relisshared
"#;

/// One of a worker's two databases. Creating a database costs ~100 ms (most of the run
/// time when done twice per case), so a used one is emptied ([`RESET`]) and reused when
/// the reset leaves nothing behind ([`LEFTOVERS_QUERY`]); otherwise it is dropped and
/// created afresh. `CONFORMANCE_FRESH=1` always creates fresh databases.
struct Slot {
    name: String,
    url: String,
    exists: bool,
    dirty: bool,
    /// The session that loaded the last case, kept for the next one: [`SESSION_RESET`]
    /// leaves it as good as new, its catalog caches stay warm (a new session per case and
    /// side cost a third of the run), and the catalog queries stay prepared on it.
    session: Option<Session>,
}

/// What a case may have left in its session, undone: an open or failed transaction, open
/// cursors, a role, settings, listeners, advisory locks, temporary tables and sequence
/// state. It is `DISCARD ALL` without `DEALLOCATE ALL` and `DISCARD PLANS`, so that the
/// catalog queries the [`Session`] keeps prepared survive (no case prepares statements of
/// its own). `ROLLBACK` outside a transaction is only a warning.
const SESSION_RESET: &str = "ROLLBACK; CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; \
    UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES";

/// Per worker: an admin connection and two databases.
struct Worker {
    admin: Client,
    slots: [Slot; 2],
    leftovers: String,
    fresh_only: bool,
    created: usize,
    reused: usize,
    /// Time spent per phase, summed over cases: see [`PHASES`].
    times: [Duration; 7],
    /// Where the import round trip writes its projects (a folder of its own per worker).
    import_dir: PathBuf,
    /// TO's catalog as the diff pass read it, with the schemas it read: the import pass
    /// reads the same catalog, so it takes this one when the schemas are TO's.
    to_catalog: Option<(Vec<String>, schemac::catalog::Catalog)>,
    /// TO's [`FINGERPRINT`] as the diff pass took it, with its schemas (likewise).
    to_fingerprint: Option<(Vec<String>, BTreeSet<String>)>,
}

/// The phases timed by [`Worker::times`].
const PHASES: [&str; 7] = [
    "database setup",
    "loading",
    "diffing",
    "migrating",
    "fingerprint",
    "import round trip",
    "import fingerprint",
];

impl Worker {
    fn new(base_url: &str, id: usize) -> Worker {
        let mut admin = Client::connect(base_url, NoTls).expect("admin connection");
        let leftovers: String = admin
            .query_one(LEFTOVERS_QUERY, &[])
            .expect("catalog list")
            .get(0);
        let pid = std::process::id();
        let slot = |side: &str| {
            let name = format!("cf_{pid}_w{id}_{side}");
            Slot {
                url: with_database(base_url, &name),
                name,
                exists: false,
                dirty: false,
                session: None,
            }
        };
        Worker {
            admin,
            slots: [slot("from"), slot("to")],
            leftovers,
            fresh_only: std::env::var("CONFORMANCE_FRESH").is_ok_and(|v| v == "1"),
            created: 0,
            reused: 0,
            times: [Duration::ZERO; 7],
            import_dir: std::env::temp_dir().join(format!("cf_{pid}_w{id}_import")),
            to_catalog: None,
            to_fingerprint: None,
        }
    }

    fn drop_db(&mut self, i: usize) {
        self.slots[i].session = None;
        let name = &self.slots[i].name;
        let _ = self
            .admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        self.slots[i].exists = false;
    }

    /// Empties a used database through its kept session (else a new one); true when the
    /// database and the session are as good as new.
    fn reset(&mut self, i: usize) -> bool {
        let kept = self.slots[i]
            .session
            .take()
            .and_then(|mut c| c.batch_execute(SESSION_RESET).is_ok().then_some(c));
        let mut c = match kept {
            Some(c) => c,
            None => match Client::connect(&self.slots[i].url, NoTls) {
                Ok(c) => Session::new(c),
                Err(_) => return false,
            },
        };
        if c.batch_execute(RESET).is_err() {
            return false;
        }
        match c.query(self.leftovers.as_str(), &[]) {
            Ok(rows) => {
                let mut left: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
                left.sort();
                // The recreated `public` and our statement_timeout setting.
                let clean = left == ["pg_db_role_setting=1", "pg_namespace=1"];
                if clean {
                    self.slots[i].session = Some(c);
                }
                clean
            }
            Err(_) => false,
        }
    }

    /// A session on an empty database in slot `i`: it loads the case, diff reads through
    /// it, and [`Worker::give_back`] keeps it for the next case.
    fn prepare(&mut self, i: usize) -> Result<Session, String> {
        if self.slots[i].exists && self.slots[i].dirty {
            if !self.fresh_only && self.reset(i) {
                self.reused += 1;
            } else {
                self.drop_db(i);
            }
        }
        if !self.slots[i].exists {
            self.drop_db(i);
            let name = self.slots[i].name.clone();
            self.admin
                .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
                .map_err(|e| format!("create database: {}", reason(&e)))?;
            // A runaway statement must not hang the whole run.
            let _ = self.admin.batch_execute(&format!(
                "ALTER DATABASE \"{name}\" SET statement_timeout = '30s'"
            ));
            self.created += 1;
            self.slots[i].exists = true;
        }
        self.slots[i].dirty = true;
        match self.slots[i].session.take() {
            Some(c) => Ok(c),
            None => Client::connect(&self.slots[i].url, NoTls)
                .map(Session::new)
                .map_err(|e| format!("connect: {e}")),
        }
    }

    /// Keeps a case's sessions for the next case.
    fn give_back(&mut self, from: Session, to: Session) {
        self.slots[0].session = Some(from);
        self.slots[1].session = Some(to);
    }

    fn finish(&mut self) {
        self.drop_db(0);
        self.drop_db(1);
        let _ = std::fs::remove_dir_all(&self.import_dir);
    }

    fn lap(&mut self, phase: usize, since: &mut Instant) {
        let now = Instant::now();
        self.times[phase] += now - *since;
        *since = now;
    }

    fn run(&mut self, case: &Case, passes: Passes) -> Outcomes {
        if let Some(r) = &case.skip {
            let skipped = || Outcome::Skipped { reason: r.clone() };
            return (passes.diff.then(skipped), passes.import.then(skipped));
        }
        let mut t = Instant::now();
        for role in &case.roles {
            create_role(&mut self.admin, role);
        }
        self.to_catalog = None;
        self.to_fingerprint = None;
        let dbs = (self.prepare(0), self.prepare(1));
        self.lap(0, &mut t);
        let (mut from, mut to) = match dbs {
            (Ok(from), Ok(to)) => (from, to),
            (Err(e), _) | (_, Err(e)) => {
                let skipped = || Outcome::Skipped {
                    reason: format!("setup: {e}"),
                };
                return (passes.diff.then(skipped), passes.import.then(skipped));
            }
        };
        let run = std::panic::AssertUnwindSafe(|| self.run_in(case, &mut from, &mut to, passes));
        let out = std::panic::catch_unwind(run);
        self.give_back(from, to);
        let (diff, loaded) = match out {
            Ok(o) => o,
            Err(p) => {
                let panicked = || panicked(p.as_ref());
                return (passes.diff.then(panicked), passes.import.then(panicked));
            }
        };
        if !passes.import {
            return (diff, None);
        }
        let import = match loaded {
            Err(skipped) => skipped,
            Ok(schemas) => match self.slots[1].session.take() {
                Some(mut to) => {
                    let run = std::panic::AssertUnwindSafe(|| self.import_pass(&mut to, &schemas));
                    let out = std::panic::catch_unwind(run);
                    self.slots[1].session = Some(to);
                    out.unwrap_or_else(|p| panicked(p.as_ref()))
                }
                None => Outcome::Skipped {
                    reason: "TO's session is gone".into(),
                },
            },
        };
        (diff, Some(import))
    }

    /// The import round trip over TO (loaded, its session in `to`): see the module docs.
    fn import_pass(&mut self, to: &mut Session, schemas: &[String]) -> Outcome {
        use schemac::import;
        let mut t = Instant::now();
        let read = self
            .to_catalog
            .take()
            .filter(|(s, _)| s == schemas)
            .map(|(_, cat)| cat);
        let source = match import::read_with(to, schemas, read) {
            Ok(s) => s,
            Err(e) => {
                return Outcome::Failed {
                    reason: format!("import cannot read TO: {e}"),
                    categories: vec![format!("read: {}", normalize(&e.to_string()))],
                    detail: String::new(),
                }
            }
        };
        // What the format cannot say, known before the round trip: a round trip that fails
        // because an object was left out is that object's lack, not a bug.
        let unrepresentable = import::project::Builder::new(&source, &Default::default())
            .build()
            .unrepresentable;
        let unsupported = |un: &[import::project::Unrepresentable], detail: String| {
            let kinds: BTreeSet<String> = un.iter().map(|u| u.kind.clone()).collect();
            let listed: Vec<String> = un
                .iter()
                .map(|u| format!("{} {}: {}", u.kind, u.name, one_line(&u.definition, 200)))
                .collect();
            Outcome::Unsupported {
                kinds: kinds.into_iter().collect(),
                detail: format!("{}\n{detail}", listed.join("\n")),
            }
        };
        let _ = std::fs::create_dir_all(&self.import_dir);
        let staging = match import::staging(&self.import_dir.join("project")) {
            Ok(s) => s,
            Err(e) => {
                return Outcome::Skipped {
                    reason: format!("staging: {e}"),
                }
            }
        };
        let opts = import::Options {
            verify_server: None,
            display: "project".into(),
        };
        // The fingerprint of the round trip's database when it came back without a change.
        let mut after: Option<Result<BTreeSet<String>, String>> = None;
        let result = {
            let mut round_trip =
                |src: &import::project::Source,
                 dir: &Path|
                 -> Result<Vec<schemac::diff::Change>, import::ImportError> {
                    after = None;
                    let mut c = self.prepare(0).map_err(import::ImportError::Migration)?;
                    let r = import::verify_on(src, dir, &mut c);
                    if r.as_ref().is_ok_and(|d| d.is_empty()) {
                        after = Some(fingerprint(&mut c, schemas));
                    }
                    self.slots[0].session = Some(c);
                    r
                };
            import::import_source_with(source, &staging, &opts, Some(&mut round_trip))
        };
        self.lap(5, &mut t);
        let files = |p: &import::project::Project| {
            p.files
                .iter()
                .map(|(f, text)| format!("--- {f}\n{text}"))
                .collect::<Vec<_>>()
                .join("")
        };
        let i = match result {
            Err(e) if unrepresentable.is_empty() => {
                let category = match &e {
                    import::ImportError::Pg(p) => format!("apply: {}", normalize(&p.to_string())),
                    import::ImportError::Invalid(m) => {
                        format!("the project does not load: {}", normalize(m))
                    }
                    import::ImportError::Render(r) => format!("gen: {}", normalize(&r.to_string())),
                    other => format!("import: {}", normalize(&other.to_string())),
                };
                return Outcome::Failed {
                    reason: format!("round trip fails: {e}"),
                    categories: vec![category],
                    detail: String::new(),
                };
            }
            Err(e) => return unsupported(&unrepresentable, format!("(the round trip fails: {e})")),
            Ok(i) => i,
        };
        if !i.project.unrepresentable.is_empty() {
            return unsupported(&i.project.unrepresentable, files(&i.project));
        }
        if i.check_errors > 0 {
            let errors: Vec<&String> = i.findings.iter().filter(|f| f.contains("error")).collect();
            return Outcome::Failed {
                reason: format!(
                    "{} check error(s): {}",
                    i.check_errors,
                    errors.first().map_or("", |f| f.as_str())
                ),
                categories: vec!["check errors (gen refuses the project)".into()],
                detail: format!("{}\n{}", i.findings.join("\n"), files(&i.project)),
            };
        }
        if !i.changes.is_empty() {
            let what: Vec<String> = i.changes.iter().take(3).map(schemac::plan::label).collect();
            let categories: BTreeSet<String> = i
                .changes
                .iter()
                .map(|c| format!("differs: {:?} ({})", c.kind, c.object.kind))
                .collect();
            return Outcome::Failed {
                reason: format!(
                    "{} difference(s) after the round trip: {}{}",
                    i.changes.len(),
                    what.join("; "),
                    if i.changes.len() > 3 { "; …" } else { "" }
                ),
                categories: categories.into_iter().collect(),
                detail: format!(
                    "{}\n{}",
                    i.changes
                        .iter()
                        .map(|c| format!(
                            "{:?} {}\n  source:     {}\n  round trip: {}",
                            c.kind,
                            c.object,
                            c.to.as_deref().unwrap_or("-"),
                            c.from.as_deref().unwrap_or("-"),
                        ))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    files(&i.project)
                ),
            };
        }
        let source_print = match self.to_fingerprint.take() {
            Some((s, p)) if s == schemas => Ok(p),
            _ => fingerprint(to, schemas),
        };
        let blind = match (source_print, after) {
            (Ok(src), Some(Ok(back))) => src
                .difference(&back)
                .map(|l| format!("- {l}"))
                .chain(back.difference(&src).map(|l| format!("+ {l}")))
                .collect(),
            (Err(e), _) | (_, Some(Err(e))) => vec![format!("? {e}")],
            (_, None) => vec!["? no fingerprint of the round trip".into()],
        };
        self.lap(6, &mut t);
        Outcome::Passed { blind }
    }

    /// Loads the case and runs the diff pass (when asked); also returns TO's schemas when
    /// TO loaded (for the import pass), else the import pass's outcome.
    fn run_in(
        &mut self,
        case: &Case,
        from: &mut Session,
        to: &mut Session,
        passes: Passes,
    ) -> (Option<Outcome>, Result<Vec<String>, Outcome>) {
        let mut t = Instant::now();
        let none = BTreeSet::new();
        let skipped = |reason: String| Outcome::Skipped { reason };
        // FROM: its error skips the diff pass only; the schemas it makes are the ones TO's
        // SQL may take for granted.
        let from_loaded = match load(from, &mut self.admin, &case.from_sql, &none) {
            Err(e) => Err(skipped(format!("FROM side does not load: {e}"))),
            Ok(()) => schemas(from).map_err(|_| skipped("cannot list schemas".into())),
        };
        let from_schemas = from_loaded.as_ref().cloned().unwrap_or_default();
        let to_schemas = match load(to, &mut self.admin, &case.to_sql, &from_schemas) {
            Err(e) => Err(format!("TO side does not load: {e}")),
            Ok(()) => schemas(to).map_err(|_| "cannot list schemas".to_string()),
        };
        let to_schemas = match to_schemas {
            Ok(s) => s,
            Err(r) => {
                let diff = match from_loaded {
                    Err(o) => o,
                    Ok(_) => skipped(r.clone()),
                };
                return (passes.diff.then_some(diff), Err(skipped(r)));
            }
        };
        // Both passes read through the sessions that loaded the case: what the case SET in
        // them (a search_path changes how PostgreSQL spells names) must not reach them.
        let reset = |c: &mut Client| c.batch_execute("RESET ALL").map_err(|e| reason(&e));
        if let Err(e) = reset(to) {
            let r = format!("RESET ALL: {e}");
            return (passes.diff.then(|| skipped(r.clone())), Err(skipped(r)));
        }
        self.lap(1, &mut t);
        let loaded = Ok(to_schemas.iter().cloned().collect());
        let from_schemas = match from_loaded {
            Ok(s) if passes.diff => s,
            Ok(_) => return (None, loaded),
            Err(o) => return (passes.diff.then_some(o), loaded),
        };
        (
            Some(self.diff_pass(from, to, &from_schemas, &to_schemas)),
            loaded,
        )
    }

    /// The diff conformance of a loaded case: diff, migrate FROM, diff again, fingerprint.
    fn diff_pass(
        &mut self,
        from: &mut Session,
        to: &mut Session,
        from_schemas: &BTreeSet<String>,
        to_schemas: &BTreeSet<String>,
    ) -> Outcome {
        let mut t = Instant::now();
        // The diff creates schemas that exist only in TO (it never drops schemas: the
        // fingerprint reports those that exist only in FROM).
        let all: Vec<String> = from_schemas.union(to_schemas).cloned().collect();
        let reset = |c: &mut Client| c.batch_execute("RESET ALL").map_err(|e| reason(&e));
        if let Err(e) = reset(from) {
            return Outcome::Skipped {
                reason: format!("RESET ALL: {e}"),
            };
        }
        let changes = match schemac::diff_clients(from, to, &all) {
            Ok((c, sides)) => {
                self.to_catalog = Some((all.clone(), sides.desired));
                c
            }
            Err(e) => {
                return Outcome::Failed {
                    reason: format!("diff error: {e}"),
                    categories: vec![format!("diff error: {}", normalize(&e.to_string()))],
                    detail: String::new(),
                }
            }
        };
        self.lap(2, &mut t);
        let sql = schemac::plan::sql(&changes, true);
        let applied = from.batch_execute(&sql);
        self.lap(3, &mut t);
        if let Err(e) = applied {
            let r = reason(&e);
            let kinds: BTreeSet<String> = changes.iter().map(|c| format!("{:?}", c.kind)).collect();
            return Outcome::Failed {
                reason: format!(
                    "migration fails: {r} [changes: {}]",
                    kinds.into_iter().collect::<Vec<_>>().join(", ")
                ),
                categories: vec![format!("apply: {}", normalize(&r))],
                detail: sql,
            };
        }
        if let Err(e) = reset(from) {
            return Outcome::Skipped {
                reason: format!("RESET ALL: {e}"),
            };
        }
        let left = match schemac::diff_clients(from, to, &all).map(|(c, _)| c) {
            Ok(c) => c,
            Err(e) => {
                return Outcome::Failed {
                    reason: format!("second diff error: {e}"),
                    categories: vec![format!("diff error: {}", normalize(&e.to_string()))],
                    detail: String::new(),
                }
            }
        };
        self.lap(2, &mut t);
        if !left.is_empty() {
            let what: Vec<String> = left
                .iter()
                .take(3)
                .map(|c| format!("{:?} {}", c.kind, c.object))
                .collect();
            let categories: BTreeSet<String> = left
                .iter()
                .map(|c| format!("remaining: {:?} ({})", c.kind, c.object.kind))
                .collect();
            return Outcome::Failed {
                reason: format!(
                    "{} change(s) left after the migration: {}{}",
                    left.len(),
                    what.join("; "),
                    if left.len() > 3 { "; …" } else { "" }
                ),
                categories: categories.into_iter().collect(),
                detail: left
                    .iter()
                    .map(|c| {
                        format!(
                            "{:?} {}\n  from: {}\n  to:   {}\n  sql:  {}",
                            c.kind,
                            c.object,
                            c.from.as_deref().unwrap_or("-"),
                            c.to.as_deref().unwrap_or("-"),
                            c.sql.join(" ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            };
        }
        let to_print = fingerprint(to, &all);
        if let Ok(p) = &to_print {
            self.to_fingerprint = Some((all.clone(), p.clone()));
        }
        let blind = match (fingerprint(from, &all), to_print) {
            (Ok(f), Ok(t)) => f
                .difference(&t)
                .map(|l| format!("- {l}"))
                .chain(t.difference(&f).map(|l| format!("+ {l}")))
                .collect(),
            (Err(e), _) | (_, Err(e)) => vec![format!("? {e}")],
        };
        self.lap(4, &mut t);
        Outcome::Passed { blind }
    }
}

/// A panic in a pass, as its outcome.
fn panicked(p: &(dyn std::any::Any + Send)) -> Outcome {
    let msg = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    Outcome::Failed {
        reason: format!("panic: {msg}"),
        categories: vec!["panic".into()],
        detail: String::new(),
    }
}

fn plans_dir() -> PathBuf {
    crate::root().join("tests/fixtures/plans")
}

/// The regression cases of `tests/fixtures/plans` are held to more than a floor: each must
/// pass with no blind spot, unless its `expected-failure` file says why it does not yet;
/// such a case must still fail, so that a fix is noticed and the file removed.
fn plan_verdicts(outcomes: &[(&Case, &Outcome)]) -> Vec<String> {
    let mut wrong = Vec::new();
    for &(c, o) in outcomes.iter().filter(|(c, _)| c.corpus == "plans") {
        let expected = std::fs::read_to_string(plans_dir().join(&c.name).join("expected-failure"))
            .ok()
            .map(|r| r.trim().to_string());
        let passed = matches!(o, Outcome::Passed { blind } if blind.is_empty());
        match (passed, expected) {
            (true, Some(_)) => wrong.push(format!(
                "plans/{}: passes now; remove its expected-failure file",
                c.name
            )),
            (false, None) => wrong.push(format!(
                "plans/{}: {}",
                c.name,
                one_line(&format!("{o:?}"), 400)
            )),
            _ => {}
        }
    }
    wrong
}

/// `migra 12` lines; `#` starts a comment.
fn floors() -> BTreeMap<String, usize> {
    let path = crate::root().join("tests/conformance-floor.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path:?}: {e}"));
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut w = line.split_whitespace();
        let (Some(corpus), Some(n), None) = (w.next(), w.next(), w.next()) else {
            panic!("conformance-floor.txt: bad line `{line}`");
        };
        let n = n
            .parse()
            .unwrap_or_else(|_| panic!("conformance-floor.txt: bad count in `{line}`"));
        out.insert(corpus.to_string(), n);
    }
    out
}

fn one_line(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}

/// Prints the report of one pass over one corpus (`label`: `migra`, `migra-import`…);
/// returns its passed (EXACT) count and, of those, the clean ones (no blind spot).
fn report(label: &str, outcomes: &[(&Case, &Outcome)]) -> (usize, usize) {
    let mut passed = 0;
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    let mut unsupported = 0;
    let mut blind_cases = Vec::new();
    // category → case names
    let mut fail_cats: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut blind_cats: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut skip_cats: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut unsupported_kinds: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for &(c, o) in outcomes {
        match o {
            Outcome::Passed { blind } => {
                passed += 1;
                if !blind.is_empty() {
                    blind_cases.push((c.name.as_str(), blind));
                    for cat in blind_categories(blind) {
                        blind_cats.entry(cat).or_default().push(&c.name);
                    }
                }
            }
            Outcome::Failed {
                reason, categories, ..
            } => {
                failed.push((c.name.as_str(), reason));
                for cat in categories {
                    fail_cats.entry(cat.clone()).or_default().push(&c.name);
                }
            }
            Outcome::Skipped { reason } => {
                skipped.push((c.name.as_str(), reason));
                skip_cats
                    .entry(strip_quoted(reason).chars().take(100).collect())
                    .or_default()
                    .push(&c.name);
            }
            Outcome::Unsupported { kinds, .. } => {
                unsupported += 1;
                for k in kinds {
                    unsupported_kinds
                        .entry(k.clone())
                        .or_default()
                        .push(&c.name);
                }
            }
        }
    }
    let tally = |title: &str, m: &BTreeMap<String, Vec<&str>>| {
        if m.is_empty() {
            return;
        }
        println!("  {title}:");
        let mut v: Vec<_> = m.iter().collect();
        v.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        for (cat, names) in v {
            let eg: Vec<&str> = names.iter().take(3).copied().collect();
            println!("    {:>4}  {cat}  (e.g. {})", names.len(), eg.join(", "));
        }
    };
    if label.ends_with("-import") {
        println!(
            "{label}: {passed} exact, {unsupported} unsupported, {} failed, {} skipped",
            failed.len(),
            skipped.len()
        );
    } else {
        println!(
            "{label}: {passed} passed, {} failed, {} skipped",
            failed.len(),
            skipped.len()
        );
    }
    if !failed.is_empty() {
        println!("  failed cases:");
        for (n, r) in &failed {
            println!("    {n}: {}", one_line(r, 300));
        }
    }
    tally("failure categories (cases)", &fail_cats);
    tally("not representable, by kind (cases)", &unsupported_kinds);
    if !blind_cases.is_empty() {
        println!(
            "  blind spots: {} passed case(s) whose catalogs still differ by the independent fingerprint:",
            blind_cases.len()
        );
        for (n, lines) in &blind_cases {
            let shown: Vec<String> = lines.iter().take(2).map(|l| one_line(l, 140)).collect();
            println!(
                "    {n}: {}{}",
                shown.join(" | "),
                if lines.len() > 2 {
                    format!(" | (+{} more)", lines.len() - 2)
                } else {
                    String::new()
                }
            );
        }
    }
    tally("blind-spot categories (cases)", &blind_cats);
    tally("skip reasons (cases)", &skip_cats);
    (passed, passed - blind_cases.len())
}

/// Every case's outcome with its SQL, the failing migration or the changes left, and the
/// fingerprint lines that differ: `CONFORMANCE_DETAILS=/tmp/conformance.txt`.
fn write_details(path: &Path, cases: &[Case], outcomes: &[Outcomes]) {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (c, (diff, import)) in cases.iter().zip(outcomes) {
        for (pass, o) in [("", diff), ("-import", import)] {
            let Some(o) = o else { continue };
            let (status, body) = match o {
                Outcome::Passed { blind } if blind.is_empty() => ("PASSED", String::new()),
                Outcome::Passed { blind } => ("PASSED (blind spots)", blind.join("\n")),
                Outcome::Failed { reason, detail, .. } => ("FAILED", format!("{reason}\n{detail}")),
                Outcome::Skipped { reason } => ("SKIPPED", reason.clone()),
                Outcome::Unsupported { kinds, detail } => {
                    ("UNSUPPORTED", format!("{}\n{detail}", kinds.join(", ")))
                }
            };
            let _ = writeln!(out, "==== {}{pass}/{}: {status}", c.corpus, c.name);
            if status != "PASSED" {
                let _ = writeln!(
                    out,
                    "{body}\n-- from:\n{}\n-- to:\n{}",
                    c.from_sql.trim(),
                    c.to_sql.trim()
                );
            }
        }
    }
    std::fs::write(path, out).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
    println!("conformance: details written to {}", path.display());
}

#[test]
fn error_messages_group_without_identifiers() {
    assert_eq!(
        normalize("relation \"users_id_seq\" does not exist"),
        "relation \"…_seq\" does not exist"
    );
    assert_eq!(
        normalize("cannot cast type old_status to new_status"),
        "cannot cast type … to …"
    );
    assert_eq!(
        normalize("cannot drop constraint items_pkey on table items because other objects depend on it (constraint x)"),
        "cannot drop constraint … on table … because other objects depend on it"
    );
    assert_eq!(
        normalize("cannot alter type of a column used by a view or rule"),
        "cannot alter type of a column used by a view or rule"
    );
    assert_eq!(
        normalize("default for column \"status\" cannot be cast automatically to type item_status"),
        "default for column \"…\" cannot be cast automatically to type …"
    );
}

#[test]
fn statements_split_outside_quotes_and_comments() {
    let sql = "CREATE TABLE \"a;b\" (x text DEFAULT ';');\n-- c;d\n/* e; /* f; */ g; */\nCREATE FUNCTION f() RETURNS int AS $x$ SELECT 1; $x$ LANGUAGE sql;\nSELECT $1;\nCREATE INDEX CONCURRENTLY i ON t (x)";
    let got = split_statements(sql);
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(got[1].ends_with("LANGUAGE sql"), "{got:#?}");
    assert_eq!(got[3], "CREATE INDEX CONCURRENTLY i ON t (x)");
}

#[test]
fn corpora_converge() {
    let root = corpus_root();
    if !root.is_dir() {
        eprintln!("skipping conformance: no corpus at {}", root.display());
        return;
    }
    // test_db checks TEST_DATABASE_URL (skipping locally, failing under CI) and gives us a
    // connection to ask the server about itself.
    let Some(mut probe) = crate::pg::test_db("conformance") else {
        return;
    };
    let base_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let server_num: i32 = probe
        .client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .expect("server version")
        .get(0);
    let server = vec![(server_num / 10000) as u32, (server_num % 10000) as u32];
    let has_vector = probe
        .client
        .query_opt(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
            &[],
        )
        .expect("available extensions")
        .is_some();
    drop(probe);

    // CONFORMANCE_CORPORA=plans (comma-separated) runs only those corpora.
    let only: Option<Vec<String>> = std::env::var("CONFORMANCE_CORPORA")
        .ok()
        .map(|v| v.split(',').map(|c| c.trim().to_string()).collect());
    let wanted = |c: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == c));
    let either = |c: &str| wanted(c) || wanted(&format!("{c}-import"));
    let mut cases = Vec::new();
    if either("migra") {
        cases.extend(dir_cases("migra", &root.join("migra/fixtures")));
    }
    if either("sqldef") {
        cases.extend(sqldef_cases(&root, &server, has_vector));
    }
    if wanted("plans") {
        cases.extend(dir_cases("plans", &plans_dir()));
    }
    let started = Instant::now();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 4);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcomes>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    let dbs = Mutex::new((0, 0, [Duration::ZERO; 7]));
    std::thread::scope(|s| {
        for id in 0..workers {
            let (next, results, dbs, cases, base_url) = (&next, &results, &dbs, &cases, &base_url);
            let wanted = &wanted;
            s.spawn(move || {
                let mut w = Worker::new(base_url, id);
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let passes = Passes {
                        diff: wanted(case.corpus),
                        import: case.corpus != "plans"
                            && wanted(&format!("{}-import", case.corpus)),
                    };
                    let out = w.run(case, passes);
                    results.lock().expect("results")[i] = Some(out);
                }
                w.finish();
                let mut d = dbs.lock().expect("dbs");
                d.0 += w.created;
                d.1 += w.reused;
                for (sum, t) in d.2.iter_mut().zip(w.times) {
                    *sum += t;
                }
            });
        }
    });
    let (created, reused, times) = dbs.into_inner().expect("dbs");
    let outcomes: Vec<Outcomes> = results
        .into_inner()
        .expect("results")
        .into_iter()
        .map(|o| o.expect("every case ran"))
        .collect();
    let elapsed = started.elapsed();

    if let Ok(path) = std::env::var("CONFORMANCE_DETAILS") {
        write_details(Path::new(&path), &cases, &outcomes);
    }
    let floors = floors();
    let mut below = Vec::new();
    let of = |corpus: &str, import: bool| -> Vec<(&Case, &Outcome)> {
        cases
            .iter()
            .zip(&outcomes)
            .filter(|(c, _)| c.corpus == corpus)
            .filter_map(|(c, (d, i))| if import { i } else { d }.as_ref().map(|o| (c, o)))
            .collect()
    };
    for corpus in ["migra", "sqldef"].into_iter().filter(|c| wanted(c)) {
        let (passed, clean) = report(corpus, &of(corpus, false));
        println!("{corpus}: {clean} of the {passed} passed are clean (no blind spot)");
        let floor = floors.get(corpus).copied().unwrap_or(0);
        if passed < floor {
            below.push(format!("{corpus}: {passed} passed < floor {floor}"));
        }
        let clean_floor = floors.get(&format!("{corpus}-clean")).copied().unwrap_or(0);
        if clean < clean_floor {
            below.push(format!("{corpus}: {clean} clean < floor {clean_floor}"));
        }
    }
    for corpus in ["migra", "sqldef"] {
        let label = format!("{corpus}-import");
        if !wanted(&label) {
            continue;
        }
        let (exact, clean) = report(&label, &of(corpus, true));
        println!("{label}: {clean} of the {exact} exact are clean (no blind spot)");
        let floor = floors.get(&label).copied().unwrap_or(0);
        if exact < floor {
            below.push(format!("{label}: {exact} exact < floor {floor}"));
        }
    }
    if wanted("plans") {
        let plans = of("plans", false);
        report("plans", &plans);
        below.extend(plan_verdicts(&plans));
    }
    println!(
        "conformance: {} cases in {:.1}s on {workers} workers ({created} databases created, {reused} reused)",
        cases.len(),
        elapsed.as_secs_f64()
    );
    let phases: Vec<String> = PHASES
        .iter()
        .zip(times)
        .map(|(p, t)| format!("{p} {:.1}s", t.as_secs_f64()))
        .collect();
    println!("conformance: worker time by phase: {}", phases.join(", "));
    assert!(
        below.is_empty(),
        "conformance regressed below tests/conformance-floor.txt:\n  {}",
        below.join("\n  ")
    );
}
