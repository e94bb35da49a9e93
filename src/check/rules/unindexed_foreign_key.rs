//! SC602 unindexed-foreign-key: a foreign key whose columns do not start any index. Every
//! DELETE or key UPDATE on the referenced table then scans this table, and RLS policies
//! filtering on the owner column cannot use an index.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::Model;
use std::fmt;

pub const RULE: Rule = Rule {
    code: "SC602",
    name: "unindexed-foreign-key",
    severity: Severity::Warning,
    summary: "no index starts with a foreign key's columns",
    run,
};

/// A key's column names, separated by `, ` when displayed.
struct Columns<'a>(&'a [(String, Loc)]);

impl fmt::Display for Columns<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for (i, (c, _)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(c)?;
        }
        Ok(())
    }
}

/// Whether `cols` starts with the columns of `want` (sorted), in any order; `head` is a
/// buffer.
fn starts_with<'a>(
    head: &mut Vec<&'a str>,
    want: &[&str],
    cols: impl Iterator<Item = &'a str>,
) -> bool {
    head.clear();
    head.extend(cols.take(want.len()));
    if head.len() < want.len() {
        return false;
    }
    head.sort_unstable();
    *head == want
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    // Buffers shared by every foreign key: a covered one allocates nothing.
    let mut want: Vec<&str> = Vec::new();
    let mut head: Vec<&str> = Vec::new();
    for t in m.tables.values() {
        for fk in &t.foreign_keys {
            // A missing column is SC302's finding; an index hint for it would mislead.
            if fk.columns.iter().any(|(c, _)| !t.columns.contains_key(c)) {
                continue;
            }
            want.clear();
            want.extend(fk.columns.iter().map(|(c, _)| c.as_str()));
            want.sort_unstable();
            let covered =
                t.primary_key.iter().chain(&t.uniques).any(|k| {
                    starts_with(&mut head, &want, k.columns.iter().map(|(c, _)| c.as_str()))
                }) || t
                    .indexes
                    .iter()
                    .filter(|i| i.predicate.is_none())
                    .any(|i| starts_with(&mut head, &want, i.leading_columns()));
            if !covered {
                let cols = Columns(&fk.columns);
                out.push(
                    rule.diag(format!(
                        "foreign key `{}` on `{}` has no index starting with ({cols})",
                        fk.name, t.name,
                    ))
                    .label(fk.loc, "")
                    .hint(format!(
                        "add `indexes: [{{ columns: [{cols}] }}]` to the table"
                    )),
                );
            }
        }
    }
}
