//! SC332 unknown-raw-sql-dependency: an `after:` entry of a `sql:` block that names neither
//! a declared (or external) object nor another block, or blocks that wait for one another.
//! gen runs blocks after every declared object, and each after the blocks it names.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC332",
    name: "unknown-raw-sql-dependency",
    severity: Severity::Error,
    summary: "a `sql:` block's `after:` names nothing the project declares, or blocks wait for one another in a cycle",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for b in m.raw_sql.values() {
        for (entry, loc) in &b.after {
            let (block, object) = m.raw_sql_after(entry);
            if block || object {
                continue;
            }
            let mut candidates: Vec<String> = m.raw_sql.keys().cloned().collect();
            candidates.extend(m.tables.keys().map(|q| q.to_string()));
            candidates.extend(m.views.keys().map(|q| q.to_string()));
            candidates.extend(m.functions.iter().map(|f| format!("{}()", f.name)));
            let hint = match super::closest(entry, candidates.iter().map(String::as_str))
            {
                Some(c) => format!("did you mean `{c}`?"),
                None => "name a declared table, view, materialized view, sequence, enum, type, domain, function (`name()`) or another sql block".to_string(),
            };
            out.push(
                rule.diag(format!(
                    "sql block `{}` runs after `{}`, which the project does not declare",
                    b.name,
                    crate::sql::quote::comment_text(entry)
                ))
                .label(*loc, "")
                .hint(hint),
            );
        }
    }
    if let Err(names) = m.raw_sql_order() {
        let first = names.first().and_then(|n| m.raw_sql.get(n)).map(|b| b.loc);
        let mut d = rule.diag(format!(
            "sql blocks wait for one another in a cycle: {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some(loc) = first {
            d = d.label(loc, "");
        }
        out.push(d.hint("remove one of the `after:` entries that name another block"));
    }
}
