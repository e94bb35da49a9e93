//! SC333 raw-sql-not-idempotent: a statement of a `sql:` block that does not look safe to
//! run again. gen's migration and apply run every block on every deploy, so each must be
//! re-runnable. A heuristic on each statement's leading keywords
//! ([`crate::sql::raw::not_idempotent`]): it cannot see inside `DO` blocks, and a statement
//! it passes may still fail; a warning, not an error.

use super::invalid_raw_sql::body_position;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC333",
    name: "raw-sql-not-idempotent",
    severity: Severity::Warning,
    summary: "a statement of a `sql:` block is not obviously safe to run again (CREATE without OR REPLACE/IF NOT EXISTS, DROP without IF EXISTS, …)",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for b in m.raw_sql.values() {
        for (range, why) in crate::sql::raw::not_idempotent(&b.body) {
            let statement: String = b.body[range.clone()]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let shown: String = statement.chars().take(60).collect();
            let ellipsis = if shown.len() < statement.len() {
                "…"
            } else {
                ""
            };
            out.push(
                rule.diag(format!(
                    "sql block `{}` may not run twice: {why}",
                    b.name
                ))
                .label(body_position(m, b, range.start), format!("in `{shown}{ellipsis}`"))
                .hint("gen's migration and apply run every block again on each deploy: use CREATE OR REPLACE, IF [NOT] EXISTS, ON CONFLICT, or a DO block that checks the catalog first"),
            );
        }
    }
}
