//! SC330 raw-sql-not-enabled: a `sql:` block in a project whose schemac.yaml does not say
//! `raw_sql: true`. A block is SQL that gen and apply run as written: a project opts in to
//! that once, where reviewers see it, and a pull request cannot slip one in unnoticed.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC330",
    name: "raw-sql-not-enabled",
    severity: Severity::Error,
    summary: "a `sql:` block in a project without `raw_sql: true` in schemac.yaml",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if m.config.raw_sql {
        return;
    }
    for b in m.raw_sql.values() {
        out.push(
            rule.diag(format!(
                "sql block `{}` is raw SQL, and this project does not allow raw SQL",
                b.name
            ))
            .label(b.loc, "")
            .hint("a block runs as written on every database gen's migration or apply reaches: add `raw_sql: true` to schemac.yaml to allow blocks (see SECURITY.md), or declare the object in the format"),
        );
    }
}
