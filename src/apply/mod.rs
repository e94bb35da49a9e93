//! `schemac apply`: bringing a database to the project, the one way that is always safe.
//!
//! gen's master file is written once for every database, so it can only guard each
//! statement; apply instead reads the database, plans exactly what differs (diff and the
//! plan's dependency order), and runs that plan:
//!
//! - under a session advisory lock derived from the project, so two deploys of the same
//!   project to the same database never interleave (the second waits);
//! - with the project's `lock_timeout` and `statement_timeout`;
//! - statement by statement inside the plan's transactions, so that a failure names its
//!   statement and its change; the transaction is then rolled back and the database is as
//!   it was (values added to an enum, which go first in a transaction of their own, stay;
//!   adding them again is harmless);
//! - then the database is compared with the project again: apply succeeds only when
//!   nothing is left (destructive changes withheld without `--allow-destructive` are left,
//!   and reported).

use crate::diff::Change;
use crate::plan::{self, Plan};
use crate::{model, pg, DiffError, DiffOptions};
use postgres::Client;

/// What an apply did.
#[derive(Debug)]
pub struct Applied {
    /// Changes applied, in order.
    pub applied: Vec<String>,
    /// Destructive changes left out (without `allow_destructive`).
    pub withheld: Vec<String>,
    /// What the database still lacks afterwards (empty when it matches the project).
    pub left: Vec<Change>,
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
        "{step} failed, and its transaction was rolled back: {message}\n  statement: {statement}"
    )]
    Statement {
        step: String,
        statement: String,
        message: String,
    },
}

/// How [`apply`] runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions<'a> {
    pub allow_destructive: bool,
    /// gen's template overrides (the plan is made with them, see [`DiffOptions`]).
    pub templates: Option<&'a std::path::Path>,
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
    };
    let changes = crate::diff_project_with(model, db_url, dev_url, how)?.changes;
    let p = plan::plan(&changes, opts.allow_destructive);
    let mut applied = Vec::new();
    run(&mut db, model, &p, progress, &mut applied)?;
    let withheld = p.withheld.iter().map(|c| plan::label(c)).collect();
    let left = if applied.is_empty() {
        changes.clone()
    } else {
        crate::diff_project_with(model, db_url, dev_url, how)?.changes
    };
    Ok(Applied {
        applied,
        withheld,
        left,
    })
}

/// Runs the plan's transactions statement by statement.
fn run(
    db: &mut Client,
    model: &model::Model,
    p: &Plan,
    progress: &mut dyn FnMut(&str),
    applied: &mut Vec<String>,
) -> Result<(), ApplyError> {
    let timeouts = [
        format!(
            "SET LOCAL lock_timeout = {};",
            crate::sql::quote::quote_literal(&model.config.lock_timeout)
        ),
        format!(
            "SET LOCAL statement_timeout = {};",
            crate::sql::quote::quote_literal(&model.config.statement_timeout)
        ),
    ];
    for tx in &p.transactions {
        let mut t = db
            .transaction()
            .map_err(|e| query_error("starting a transaction", &e))?;
        for s in plan::SETTINGS
            .iter()
            .copied()
            .chain(timeouts.iter().map(String::as_str))
        {
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
