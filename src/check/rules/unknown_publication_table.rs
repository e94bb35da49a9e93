//! SC310 unknown-publication-table: a publication naming a table the project does not
//! define (ALTER PUBLICATION … ADD TABLE would fail at deploy time).

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC310",
    name: "unknown-publication-table",
    severity: Severity::Error,
    summary: "a publication names a table that is not defined",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for p in m.publications.values() {
        for (t, loc) in &p.tables {
            if m.tables.contains_key(t) || m.is_external_table(t) {
                continue;
            }
            let hint = match closest(&t.name, m.tables.keys().map(|q| q.name.as_str())) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "publish tables the project defines".to_string(),
            };
            out.push(
                rule.diag(format!(
                    "publication `{}` names table `{t}`, which is not defined",
                    p.name
                ))
                .label(*loc, "unknown table")
                .hint(hint),
            );
        }
    }
}
