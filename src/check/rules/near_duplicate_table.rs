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

/// The plural endings of `a` that would make a near-duplicate: (stem, ending).
fn plurals(a: &str) -> impl Iterator<Item = (&str, &'static str)> {
    [(a, "s"), (a, "es")]
        .into_iter()
        .chain(a.strip_suffix('y').map(|stem| (stem, "ies")))
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    // Linear: look each table's plurals up instead of comparing every pair. The name looked
    // up is spelled into one reused key, not allocated per table and ending.
    let mut key = QualName::new("", "");
    for a in m.tables.values() {
        for (stem, ending) in plurals(&a.name.name) {
            key.schema.clear();
            key.schema.push_str(&a.name.schema);
            key.name.clear();
            key.name.push_str(stem);
            key.name.push_str(ending);
            let Some(b) = m.tables.get(&key) else {
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
