//! SC312 unknown-sequence-owner: a sequence `owned_by` a column that is not one of the
//! project's tables' columns. `ALTER SEQUENCE … OWNED BY` would fail at deploy time, and a
//! sequence may only belong to a table in its own schema.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC312",
    name: "unknown-sequence-owner",
    severity: Severity::Error,
    summary: "a sequence is owned by a column that is not defined, or by another schema's table",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for s in m.sequences.values() {
        let Some((table, column, loc)) = &s.owned_by else {
            continue;
        };
        let Some(t) = m.tables.get(table) else {
            let hint = match closest(&table.name, m.tables.keys().map(|q| q.name.as_str())) {
                Some(c) => format!("did you mean `{c}.{column}`?"),
                None => "name a column of a table the project defines: `table.column`".into(),
            };
            out.push(
                rule.diag(format!(
                    "sequence `{}` is owned by `{table}.{column}`, but table `{table}` is not defined",
                    s.name
                ))
                .label(*loc, "unknown table")
                .hint(hint),
            );
            continue;
        };
        if !t.columns.contains_key(column) {
            let hint = match closest(column, t.columns.keys().map(String::as_str)) {
                Some(c) => format!("did you mean `{}.{c}`?", table.name),
                None => format!("name one of the columns of `{table}`"),
            };
            out.push(
                rule.diag(format!(
                    "sequence `{}` is owned by `{table}.{column}`, but `{table}` has no column `{column}`",
                    s.name
                ))
                .label(*loc, "unknown column")
                .hint(hint),
            );
        } else if table.schema != s.name.schema {
            out.push(
                rule.diag(format!(
                    "sequence `{}` is owned by `{table}.{column}`, a table of another schema",
                    s.name
                ))
                .label(*loc, "in another schema")
                .hint("PostgreSQL links a sequence only to a table of its own schema; move one of them"),
            );
        }
    }
}
