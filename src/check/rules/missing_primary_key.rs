//! SC601 missing-primary-key: a table without a primary key cannot be updated reliably by
//! most clients (Supabase's table editor and realtime among them) and invites duplicates.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Kind, Model};

pub const RULE: Rule = Rule {
    code: "SC601",
    name: "missing-primary-key",
    severity: Severity::Warning,
    summary: "a table has no primary key",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    // A partition has its parent's primary key (the parent is reported if it has none).
    for t in m.tables.values().filter(|t| t.partition_of.is_none()) {
        // A column defined twice keeps only its last definition, which may have dropped
        // the key: SC102 reports the repetition, and this would be a false finding.
        let repeated_column = m.duplicates.iter().any(|d| {
            d.kind == Kind::Column
                && [t.name.name.clone(), t.name.to_string()]
                    .iter()
                    .any(|n| d.name.ends_with(&format!("` of table `{n}")))
        });
        if t.primary_key.is_none() && !repeated_column {
            out.push(
                rule.diag(format!("table `{}` has no primary key", t.name))
                    .label(t.loc, "")
                    .hint("add `id: { type: uuid, primary_key: true, default: gen_random_uuid() }` or a `primary_key: [..]` list"),
            );
        }
    }
}
