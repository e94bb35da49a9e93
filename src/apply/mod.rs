//! `schemac apply`: bringing a database to the project, the one way that is always safe.
//!
//! gen's master file is written once for every database, so it can only guard each
//! statement; apply instead reads the database, plans exactly what differs (diff and the
//! plan's dependency order), and runs that plan:
//!
//! - under a session advisory lock derived from the project, so two deploys of the same
//!   project to the same database never interleave (the second waits);
//! - with the project's `lock_timeout` and `statement_timeout`;
//! - only once the plan is proven ([`prove`]): replayed on a throwaway copy of the database,
//!   it applies and leaves nothing but the withheld changes (when schemac cannot build a
//!   faithful copy, the plan runs unproven, and the outcome says so);
//! - statement by statement inside the plan's transactions, so that a failure names its
//!   statement and its change; the transaction is then rolled back and the database is as
//!   it was (values added to an enum, which go first in a transaction of their own, stay;
//!   adding them again is harmless);
//! - then the database is compared with the project again: apply succeeds only when
//!   nothing is left (destructive changes withheld without `--allow-destructive` are left,
//!   and reported).
//!
//! `apply --dry-run` stops after the proof. `apply --from-file` runs gen's master file
//! instead ([`apply_file`]), for DBAs who review that file, under the same lock and timeouts.

mod prove;

pub use prove::{prove, prove_migration, MigrationFailure, Proof, Target};

use crate::diff::{Change, Object};
use crate::plan::{self, Plan};
use crate::{model, pg, DiffError, DiffOptions};
use postgres::Client;

/// What an apply did (or, with `dry_run`, would do).
#[derive(Debug)]
pub struct Applied {
    /// The changes planned, in order, withheld ones included (for `--dry-run`'s SQL).
    pub changes: Vec<Change>,
    /// The proof of the plan; None when there was nothing to apply.
    pub proof: Option<Proof>,
    /// Changes applied, in order (none with `dry_run`).
    pub applied: Vec<String>,
    /// Destructive changes left out (without `allow_destructive`).
    pub withheld: Vec<String>,
    /// What the database still lacks afterwards (empty when it matches the project).
    pub left: Vec<Change>,
    /// The `sql:` blocks re-run after the plan, in order (none with `dry_run`).
    pub raw_sql: Vec<String>,
}

/// Why an apply failed. The database is left as it was, save enum values (see the module
/// docs).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Diff(#[from] DiffError),
    #[error(transparent)]
    Pg(#[from] pg::PgError),
    #[error(
        "{step} failed, and its transaction was rolled back: {message}\n  statement: {statement}{at}"
    )]
    Statement {
        step: String,
        statement: String,
        message: String,
        /// Where the project declares the object (`\n  declared at: file:line:col`), or empty.
        at: String,
    },
    #[error("the plan was not applied: it could not be proven on a copy of the database\n{}", proof.comment("the database"))]
    NotProven { proof: Proof },
    #[error("{file}:{line}: the statement failed, and the file's transaction was rolled back: {message}\n  statement: {statement}")]
    FileStatement {
        file: String,
        line: usize,
        statement: String,
        message: String,
    },
}

/// How [`apply`] runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions<'a> {
    pub allow_destructive: bool,
    /// Plan and prove, but apply nothing.
    pub dry_run: bool,
    /// gen's template overrides (the plan is made with them, see [`DiffOptions`]).
    pub templates: Option<&'a std::path::Path>,
    /// Run the `sql:` blocks in the shadow database too ([`DiffOptions::trust_raw_sql`]).
    pub trust_raw_sql: bool,
}

/// The advisory lock key of `model`'s deploys: the same for every deploy of one project.
fn lock_name(model: &model::Model) -> String {
    let dir = model
        .root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    format!("schemac apply {dir}")
}

fn query_error(what: &str, e: &postgres::Error) -> pg::PgError {
    pg::PgError::Query {
        what: what.to_string(),
        message: pg::reason(e),
    }
}

/// Brings the database at `db_url` to the project `model` (see the module docs).
/// `progress` is called with each change's label before it runs.
pub fn apply(
    model: &model::Model,
    db_url: &str,
    dev_url: Option<&str>,
    opts: ApplyOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Applied, ApplyError> {
    let mut db = pg::connect(db_url)?;
    // Held for the whole session: until this function returns and the connection closes.
    db.execute(
        "SELECT pg_advisory_lock(hashtext($1))",
        &[&lock_name(model)],
    )
    .map_err(|e| query_error("taking the deploy lock", &e))?;
    let how = DiffOptions {
        always_shadow: false,
        templates: opts.templates,
        trust_raw_sql: opts.trust_raw_sql,
    };
    let blocks = crate::raw_sql_blocks(model, opts.templates).map_err(DiffError::from)?;
    let d = crate::diff_project_with(model, db_url, dev_url, how)?;
    let p = plan::plan(&d.changes, opts.allow_destructive);
    let timeouts = (
        model.config.lock_timeout.as_str(),
        model.config.statement_timeout.as_str(),
    );
    let proof = match &d.sides {
        Some(sides) if !p.transactions.is_empty() => {
            let target = Target {
                db_url,
                server_url: dev_url.unwrap_or(db_url),
                timeouts: Some(timeouts),
            };
            Some(prove(target, sides, &p)?)
        }
        _ => None,
    };
    // A plan that fails or does not converge on the copy is never applied. When no faithful
    // copy could be built (a limit of schemac, not of the plan), the plan runs unproven, still
    // in its transaction; the outcome says so.
    if let Some(proof) = proof
        .as_ref()
        .filter(|p| !p.proven() && !matches!(p, Proof::NoCopy { .. }))
    {
        return Err(ApplyError::NotProven {
            proof: proof.clone(),
        });
    }
    let withheld = p.withheld.iter().map(|c| plan::label(c)).collect();
    let mut applied = Vec::new();
    if !opts.dry_run {
        let locate = |c: &Change| declared_at(model, &c.object);
        run(&mut db, Some(timeouts), &p, progress, &mut applied, &locate)?;
    }
    let mut raw_sql = Vec::new();
    if !opts.dry_run && !blocks.is_empty() {
        let locate = |name: &str| {
            model
                .raw_sql
                .get(name)
                .map(|b| {
                    let file = &model.sources.get(b.loc.file).display;
                    format!("\n  declared at: {file}:{}:{}", b.loc.line, b.loc.col)
                })
                .unwrap_or_default()
        };
        run_raw_sql(&mut db, timeouts, &blocks, progress, &locate)?;
        raw_sql = blocks.iter().map(|(n, _)| n.clone()).collect();
    }
    let left = if applied.is_empty() && raw_sql.is_empty() {
        d.changes.clone()
    } else {
        crate::diff_project_with(model, db_url, dev_url, how)?.changes
    };
    Ok(Applied {
        changes: d.changes,
        proof,
        applied,
        withheld,
        left,
        raw_sql,
    })
}

/// Re-runs the project's `sql:` blocks (name, SQL) after the plan, in one transaction with
/// the plan's settings and the project's timeouts: "unmanaged; re-run by apply".
fn run_raw_sql(
    db: &mut Client,
    (lock, statement): (&str, &str),
    blocks: &[(String, String)],
    progress: &mut dyn FnMut(&str),
    locate: &dyn Fn(&str) -> String,
) -> Result<(), ApplyError> {
    let mut t = db
        .transaction()
        .map_err(|e| query_error("starting a transaction", &e))?;
    for s in plan::setup(Some((lock, statement))) {
        t.batch_execute(&s)
            .map_err(|e| query_error("setting up the transaction", &e))?;
    }
    for (name, sql) in blocks {
        let label = format!("~ sql block {name} (re-run)");
        progress(&label);
        if let Err(e) = t.batch_execute(sql) {
            return Err(ApplyError::Statement {
                step: label,
                statement: sql.trim_end().to_string(),
                message: pg::reason(&e),
                at: locate(name),
            });
        }
    }
    t.commit()
        .map_err(|e| query_error("committing the sql blocks", &e))?;
    Ok(())
}

/// Where the project declares `o`, as `\n  declared at: file:line:col`; empty when unknown.
fn declared_at(model: &model::Model, o: &Object) -> String {
    let Some(loc) = origin(model, o) else {
        return String::new();
    };
    let file = &model.sources.get(loc.file).display;
    format!("\n  declared at: {file}:{}:{}", loc.line, loc.col)
}

/// The position of the YAML that declares `o` (its table's, for what the table holds and
/// cannot be found by name).
fn origin(model: &model::Model, o: &Object) -> Option<crate::diagnostic::Loc> {
    let q = |name: &str| model::QualName::new(&o.schema, name);
    if let Some(t) = &o.table {
        let qt = q(t);
        if let Some(ext) = model.external.get(&qt) {
            return match o.kind {
                "policy" => ext.policies.get(&o.name).map(|p| p.loc),
                "trigger" => ext.triggers.get(&o.name).map(|t| t.loc),
                _ => None,
            };
        }
        if let Some(v) = model.views.get(&qt) {
            return match o.kind {
                "trigger" => v.triggers.get(&o.name).map(|t| t.loc).or(Some(v.loc)),
                _ => Some(v.loc),
            };
        }
        let table = model.tables.get(&qt)?;
        let found = match o.kind {
            "column" => table.columns.get(&o.name).map(|c| c.loc),
            "policy" => table.policies.get(&o.name).map(|p| p.loc),
            "trigger" => table.triggers.get(&o.name).map(|t| t.loc),
            "index" => table
                .indexes
                .iter()
                .find(|i| i.name == o.name)
                .map(|i| i.loc),
            "constraint" => table
                .primary_key
                .iter()
                .chain(&table.uniques)
                .find(|k| k.name == o.name)
                .map(|k| k.loc)
                .or_else(|| {
                    table
                        .checks
                        .iter()
                        .find(|c| c.name == o.name)
                        .map(|c| c.loc)
                })
                .or_else(|| {
                    table
                        .foreign_keys
                        .iter()
                        .find(|f| f.name == o.name)
                        .map(|f| f.loc)
                }),
            "grant" | "column grant" => model.grants.iter().find(|g| g.on == qt).map(|g| g.loc),
            _ => None,
        };
        return found.or(Some(table.loc));
    }
    match o.kind {
        "table" => model.tables.get(&q(&o.name)).map(|t| t.loc),
        "view" => model.views.get(&q(&o.name)).map(|v| v.loc),
        "enum" => model.enums.get(&q(&o.name)).map(|e| e.loc),
        "function" => {
            let base = o.name.split('(').next().unwrap_or(&o.name);
            let qf = q(base);
            model.functions.iter().find(|f| f.name == qf).map(|f| f.loc)
        }
        _ => None,
    }
}

/// Runs the plan's transactions statement by statement.
/// `timeouts`: `lock_timeout` and `statement_timeout`, set in each transaction. `locate`
/// says where a failing change is declared (see [`declared_at`]).
fn run(
    db: &mut Client,
    timeouts: Option<(&str, &str)>,
    p: &Plan,
    progress: &mut dyn FnMut(&str),
    applied: &mut Vec<String>,
    locate: &dyn Fn(&Change) -> String,
) -> Result<(), ApplyError> {
    let setup = plan::setup(timeouts);
    for tx in &p.transactions {
        let mut t = db
            .transaction()
            .map_err(|e| query_error("starting a transaction", &e))?;
        for s in &setup {
            t.batch_execute(s)
                .map_err(|e| query_error("setting up the transaction", &e))?;
        }
        let mut done = Vec::new();
        for c in tx {
            let label = plan::label(c);
            progress(&label);
            for s in &c.sql {
                let statement = crate::sql::fragment::for_sql(s);
                if let Err(e) = t.batch_execute(&statement) {
                    // Dropping `t` rolls the transaction back.
                    return Err(ApplyError::Statement {
                        step: label,
                        statement: statement.into_owned(),
                        message: pg::reason(&e),
                        at: locate(c),
                    });
                }
            }
            done.push(label);
        }
        t.commit()
            .map_err(|e| query_error("committing the plan", &e))?;
        applied.extend(done);
    }
    Ok(())
}

/// What `apply --from-file` did.
#[derive(Debug)]
pub struct AppliedFile {
    /// Statements run.
    pub statements: usize,
    /// What the database still lacks afterwards (gen's file does not realign everything:
    /// see its header).
    pub left: Vec<Change>,
}

/// Runs gen's master file `text` (shown as `file`) on the database at `db_url`, under the
/// project's deploy lock and with its timeouts, statement by statement, so that a failure
/// names its line; the file's own transaction is then rolled back. Afterwards the database
/// is compared with the project.
pub fn apply_file(
    model: &model::Model,
    db_url: &str,
    dev_url: Option<&str>,
    text: &str,
    file: &str,
) -> Result<AppliedFile, ApplyError> {
    let mut db = pg::connect(db_url)?;
    db.execute(
        "SELECT pg_advisory_lock(hashtext($1))",
        &[&lock_name(model)],
    )
    .map_err(|e| query_error("taking the deploy lock", &e))?;
    // Session-wide, so they hold for statements outside the file's transaction too; the
    // file sets its own (`SET LOCAL`) inside it.
    for (setting, value) in [
        ("lock_timeout", &model.config.lock_timeout),
        ("statement_timeout", &model.config.statement_timeout),
    ] {
        db.execute("SELECT set_config($1, $2, false)", &[&setting, value])
            .map_err(|e| query_error("setting the project's timeouts", &e))?;
    }
    let statements = run_script(&mut db, text, file)?;
    let how = DiffOptions::default();
    let left = crate::diff_project_with(model, db_url, dev_url, how)?.changes;
    Ok(AppliedFile { statements, left })
}

/// Runs the script `text` (shown as `file`) statement by statement, as psql would; on a
/// failure, rolls back the open transaction and names the statement by its line. Returns
/// how many statements ran.
pub(crate) fn run_script(db: &mut Client, text: &str, file: &str) -> Result<usize, ApplyError> {
    let ranges = crate::sql::lexer::statements(text).map_err(|e| ApplyError::FileStatement {
        file: file.to_string(),
        line: line_of(text, e.offset),
        statement: String::new(),
        message: e.message.to_string(),
    })?;
    for r in &ranges {
        let statement = &text[r.clone()];
        if let Err(e) = db.batch_execute(statement) {
            let _ = db.batch_execute("ROLLBACK");
            return Err(ApplyError::FileStatement {
                file: file.to_string(),
                line: line_of(text, r.start),
                statement: first_lines(statement, 6),
                message: pg::reason(&e),
            });
        }
    }
    Ok(ranges.len())
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// At most `n` lines of `s`, with `…` when there were more.
fn first_lines(s: &str, n: usize) -> String {
    let mut lines: Vec<&str> = s.lines().take(n + 1).collect();
    if lines.len() > n {
        lines.truncate(n);
        lines.push("…");
    }
    lines.join("\n")
}
