//! SC602 unindexed-foreign-key: a foreign key whose columns do not start any index. Every
//! DELETE or key UPDATE on the referenced table then scans this table, and RLS policies
//! filtering on the owner column cannot use an index.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC602",
    name: "unindexed-foreign-key",
    severity: Severity::Warning,
    summary: "no index starts with a foreign key's columns",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        let mut leading: Vec<Vec<&str>> = t
            .primary_key
            .iter()
            .chain(&t.uniques)
            .map(|k| k.columns.iter().map(|(c, _)| c.as_str()).collect())
            .collect();
        leading.extend(
            t.indexes
                .iter()
                .filter(|i| i.predicate.is_none())
                .map(|i| i.leading_columns()),
        );
        for fk in &t.foreign_keys {
            // A missing column is SC302's finding; an index hint for it would mislead.
            if fk.columns.iter().any(|(c, _)| !t.columns.contains_key(c)) {
                continue;
            }
            let mut want: Vec<&str> = fk.columns.iter().map(|(c, _)| c.as_str()).collect();
            want.sort_unstable();
            let covered = leading.iter().any(|cols| {
                if cols.len() < want.len() {
                    return false;
                }
                let mut head: Vec<&str> = cols[..want.len()].to_vec();
                head.sort_unstable();
                head == want
            });
            if !covered {
                let cols: Vec<&str> = fk.columns.iter().map(|(c, _)| c.as_str()).collect();
                out.push(
                    rule.diag(format!(
                        "foreign key `{}` on `{}` has no index starting with ({})",
                        fk.name,
                        t.name,
                        cols.join(", ")
                    ))
                    .label(fk.loc, "")
                    .hint(format!(
                        "add `indexes: [{{ columns: [{}] }}]` to the table",
                        cols.join(", ")
                    )),
                );
            }
        }
    }
}
