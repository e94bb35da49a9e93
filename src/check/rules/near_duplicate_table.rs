//! SC203 near-duplicate-table: two tables whose names differ only by a plural ending
//! (`audit_log` / `audit_logs`, `event` / `events`) — usually the same concept created
//! twice by different migrations.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, QualName};

pub const RULE: Rule = Rule {
    code: "SC203",
    name: "near-duplicate-table",
    severity: Severity::Warning,
    summary: "two tables differ only by a singular/plural ending",
    run,
};

/// The plural spellings of `a` that would make a near-duplicate.
fn plurals(a: &str) -> Vec<String> {
    let mut v = vec![format!("{a}s"), format!("{a}es")];
    if let Some(stem) = a.strip_suffix('y') {
        v.push(format!("{stem}ies"));
    }
    v
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    // Linear: look each table's plurals up instead of comparing every pair.
    for a in m.tables.values() {
        for p in plurals(&a.name.name) {
            let Some(b) = m.tables.get(&QualName::new(&a.name.schema, &p)) else {
                continue;
            };
            out.push(
                rule.diag(format!("tables `{}` and `{}` differ only by a plural ending", a.name, b.name))
                    .label(a.loc, "singular")
                    .label(b.loc, "plural")
                    .hint("if they hold the same kind of rows, merge them into one table (tables are usually named in the plural)"),
            );
        }
    }
}
