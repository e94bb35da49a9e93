//! Proving a plan before it touches the database it is for.
//!
//! A plan is made from two catalogs; PostgreSQL may still refuse it (an order the
//! dependency graph missed, a statement that is wrong for this server), or it may apply
//! and leave something different from what was asked. So `apply` and `diff --sql --prove`
//! first replay the plan on a throwaway copy of the database:
//!
//! 1. a temporary database is created on the shadow server (the shadow rules hold: it is
//!    always dropped, also on error or Ctrl-C), with Supabase's stubs when the database has
//!    an `auth.users`;
//! 2. the copy is built from the database's own catalog, read again with every kind schemac
//!    knows: diff plans "empty → database", and that plan is applied. The copy is then read
//!    back and compared with the database; a copy that differs proves nothing, and says so;
//! 3. the plan runs on the copy, statement by statement, exactly as apply runs it (same
//!    transactions, settings and timeouts);
//! 4. the copy is compared with the desired side: only the withheld destructive changes may
//!    be left.
//!
//! The copy holds the schema, not the rows: a plan can still fail on data (a new NOT NULL
//! column without a default on a table with rows). Those changes carry the hazard "may fail
//! on existing rows", and apply's transaction leaves the database unchanged if they do.

use super::{query_error, run, run_script, ApplyError};
use crate::plan::{self, Plan};
use crate::{catalog, diff, pg, Sides};
use postgres::Client;

/// The outcome of a proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// The plan applied on the copy, and the copy then matched the desired side, save the
    /// withheld changes.
    Proven,
    /// A statement of the plan failed on the copy.
    Fails {
        step: String,
        statement: String,
        message: String,
    },
    /// The plan applied, but the copy still differs from the desired side in these changes.
    Diverges { left: Vec<String> },
    /// No faithful copy could be built, so nothing was proven.
    NoCopy { why: String },
}

impl Proof {
    pub fn proven(&self) -> bool {
        *self == Proof::Proven
    }

    /// The proof as SQL comment lines (`--` each), for the head of a plan. `copy_of` names the
    /// database the copy was made of, as the user may see it.
    pub fn comment(&self, copy_of: &str) -> String {
        let copy_of = crate::sql::quote::comment_text(copy_of);
        let lines = match self {
            Proof::Proven => vec![format!(
                "proven: applies and converges on a copy of {copy_of}"
            )],
            Proof::Fails {
                step,
                statement,
                message,
            } => {
                let mut l = vec![
                    format!("NOT PROVEN: on a copy of {copy_of}, {step} fails:"),
                    format!("  {message}"),
                    "  statement:".to_string(),
                ];
                l.extend(statement.lines().map(|s| format!("    {s}")));
                l
            }
            Proof::Diverges { left } => {
                let mut l = vec![format!(
                    "NOT PROVEN: on a copy of {copy_of} the plan applies, but {} change{} still differ{}:",
                    left.len(),
                    if left.len() == 1 { "" } else { "s" },
                    if left.len() == 1 { "s" } else { "" }
                )];
                l.extend(left.iter().map(|s| format!("  {s}")));
                l
            }
            Proof::NoCopy { why } => vec![format!(
                "NOT PROVEN: no faithful copy of {copy_of} could be built: {why}"
            )],
        };
        lines
            .iter()
            .map(|l| format!("-- {}\n", crate::sql::quote::comment_text(l)))
            .collect()
    }
}

/// What [`prove`] replays a plan against.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The database the plan is for; read again (every kind) to copy it.
    pub db_url: &'a str,
    /// The server the copy is made on.
    pub server_url: &'a str,
    /// The project's `lock_timeout` and `statement_timeout`, as apply sets them.
    pub timeouts: Option<(&'a str, &'a str)>,
}

/// Replays `p` (made from `sides`) on a copy of the database (see the module docs).
pub fn prove(target: Target, sides: &Sides, p: &Plan) -> Result<Proof, ApplyError> {
    if p.transactions.is_empty() {
        return Ok(Proof::Proven);
    }
    let mut db = pg::connect(target.db_url)?;
    // Every sequence, a serial column's too: the copy is built from this catalog.
    let full = catalog::Scope {
        declared_sequences: None,
        ..sides.scope.clone()
    };
    let mut original = crate::introspect_as(&mut db, &full, "the database")?;
    crate::read_deps(&mut db, &full, "the database", &mut original)?;
    // The copy holds the privileges the plan is compared on (a project's `api_roles`) as
    // the database does.
    original.managed_grantees = sides.desired.managed_grantees.clone();
    let supabase: bool = db
        .query_one("SELECT to_regclass('auth.users') IS NOT NULL", &[])
        .map_err(|e| query_error("looking for auth.users", &e))?
        .get(0);
    drop(db);

    let mut copy = pg::Shadow::create(target.server_url)?;
    if supabase {
        copy.client
            .batch_execute(crate::render::STUBS)
            .map_err(|e| query_error("creating the Supabase stubs in the copy", &e))?;
    }
    if let Some(why) = build_copy(&mut copy.client, &full, &original, sides.options)? {
        return Ok(Proof::NoCopy { why });
    }
    let mut applied = Vec::new();
    match run(
        &mut copy.client,
        target.timeouts,
        p,
        &mut |_| {},
        &mut applied,
        &|_| String::new(),
    ) {
        Ok(()) => {}
        Err(ApplyError::Statement {
            step,
            statement,
            message,
            ..
        }) => {
            return Ok(Proof::Fails {
                step,
                statement,
                message,
            })
        }
        Err(e) => return Err(e),
    }
    let after = crate::introspect_as(&mut copy.client, &sides.scope, "the copy")?;
    let withheld: std::collections::BTreeSet<String> =
        p.withheld.iter().map(|c| plan::label(c)).collect();
    let left: Vec<String> = diff::diff(&sides.desired, &after, sides.options)
        .iter()
        .map(plan::label)
        .filter(|l| !withheld.contains(l))
        .collect();
    Ok(if left.is_empty() {
        Proof::Proven
    } else {
        Proof::Diverges { left }
    })
}

/// Builds a copy of `original` in the empty database `client` is connected to; Some(why)
/// when it cannot be built faithfully.
fn build_copy(
    client: &mut Client,
    scope: &catalog::Scope,
    original: &catalog::Catalog,
    options: diff::Options,
) -> Result<Option<String>, ApplyError> {
    let base = crate::introspect_as(client, scope, "the copy")?;
    let changes = plan::order(diff::diff(original, &base, options), original, &base);
    let p = plan::plan(&changes, true);
    let mut done = Vec::new();
    if let Err(e) = run(client, None, &p, &mut |_| {}, &mut done, &|_| String::new()) {
        return match e {
            ApplyError::Statement { step, message, .. } => Ok(Some(format!("{step}: {message}"))),
            e => Err(e),
        };
    }
    let built = crate::introspect_as(client, scope, "the copy")?;
    Ok(diff::diff(original, &built, options)
        .first()
        .map(|c| format!("the copy still differs in {}", plan::label(c))))
}

/// Where gen's master file failed on a throwaway database ([`prove_migration`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFailure {
    /// 1 for the first run on the empty database, 2 for the run over the first.
    pub run: u8,
    /// The failing statement's line in the migration.
    pub line: usize,
    /// The `file:line` of the YAML that declares the object (from the migration's
    /// `-- file:line` marker above the statement), when there is one.
    pub declared_at: Option<String>,
    pub statement: String,
    pub message: String,
}

/// `gen --prove`: applies gen's master file `text` twice to a throwaway database created on
/// `server_url` (with Supabase's stubs when `supabase`): once as on a new database, once as
/// over its own earlier output. None when both runs succeed.
pub fn prove_migration(
    server_url: &str,
    text: &str,
    supabase: bool,
) -> Result<Option<MigrationFailure>, ApplyError> {
    let mut db = pg::Shadow::create(server_url)?;
    if supabase {
        db.client.batch_execute(crate::render::STUBS).map_err(|e| {
            query_error("creating the Supabase stubs in the throwaway database", &e)
        })?;
    }
    for run in 1..=2u8 {
        match run_script(&mut db.client, text, "the migration") {
            Ok(_) => {}
            Err(ApplyError::FileStatement {
                line,
                statement,
                message,
                ..
            }) => {
                return Ok(Some(MigrationFailure {
                    run,
                    line,
                    declared_at: marker_above(text, line),
                    statement,
                    message,
                }))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// The `file:line` of the nearest `-- file:line` marker gen wrote above line `line` (1-based)
/// of `text`, stopping at a section rule.
fn marker_above(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().take(line).collect();
    for l in lines.iter().rev() {
        let Some(rest) = l.strip_prefix("-- ") else {
            continue;
        };
        if rest.starts_with("====") {
            return None;
        }
        if let Some((file, n)) = rest.rsplit_once(':') {
            if !file.is_empty() && !file.contains(' ') && n.parse::<u32>().is_ok() {
                return Some(rest.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::marker_above;

    #[test]
    fn a_statement_is_traced_to_the_marker_above_it() {
        let text = "-- ====\n-- Tables\n-- ====\n\n-- tables/a.yaml:3\nCREATE TABLE a (\n  x int\n);\n\n-- ====\nCOMMIT;\n";
        assert_eq!(marker_above(text, 7).as_deref(), Some("tables/a.yaml:3"));
        assert_eq!(marker_above(text, 11), None);
        assert_eq!(marker_above(text, 2), None);
    }
}
