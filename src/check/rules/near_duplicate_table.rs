//! SC203 near-duplicate-table: two tables whose names differ only by a plural ending
//! (`audit_log` / `audit_logs`, `event` / `events`) — usually the same concept created
//! twice by different migrations.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC203",
    name: "near-duplicate-table",
    severity: Severity::Warning,
    summary: "two tables differ only by a singular/plural ending",
    run,
};

/// Whether `b` is a plural of `a`.
fn plural_of(a: &str, b: &str) -> bool {
    b == format!("{a}s")
        || b == format!("{a}es")
        || a.strip_suffix('y')
            .is_some_and(|stem| b == format!("{stem}ies"))
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let tables: Vec<_> = m.tables.values().collect();
    for a in &tables {
        for b in &tables {
            if a.name.schema == b.name.schema && plural_of(&a.name.name, &b.name.name) {
                out.push(
                    rule.diag(format!("tables `{}` and `{}` differ only by a plural ending", a.name, b.name))
                        .label(a.loc, "singular")
                        .label(b.loc, "plural")
                        .hint("if they hold the same kind of rows, merge them into one table (tables are usually named in the plural)"),
                );
            }
        }
    }
}
