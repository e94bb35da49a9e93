//! SC507 policy-unknown-column: a policy expression referencing a column the table lacks.
//! PostgreSQL would reject CREATE POLICY; the usual cause is camelCase (`userId` unquoted is
//! read as `userid`) or a column renamed in one migration but not in the policy.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC507",
    name: "policy-unknown-column",
    severity: Severity::Error,
    summary: "a policy expression references a column the table does not have",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    // One buffer for every condition's columns, borrowed from its facts.
    let mut cols: Vec<&str> = Vec::new();
    for (host, p, sql, e) in super::policy_exprs(m) {
        // External tables: only the managed side's columns are known for certain.
        let Some(t) = host.table else { continue };
        cols.clear();
        cols.extend(e.column_refs(&t.name.name));
        cols.sort_unstable();
        cols.dedup();
        for &c in &cols {
            if t.columns.contains_key(c) {
                continue;
            }
            let quoted_match = t.columns.keys().find(|k| k.to_lowercase() == c);
            let hint = match (quoted_match, closest(c, t.columns.keys().map(String::as_str))) {
                (Some(k), _) => format!("the column is `{k}`: mixed-case names must be quoted in SQL (`\"{k}\"`), or renamed to snake_case"),
                (None, Some(k)) => format!("did you mean `{k}`?"),
                (None, None) => format!("`{}` has the columns: {}", t.name, t.columns.keys().cloned().collect::<Vec<_>>().join(", ")),
            };
            // For a template-based policy, point at the parameter that named the column.
            let loc = p
                .template
                .as_ref()
                .and_then(|tu| tu.params.values().find(|(v, _)| v == c).map(|(_, l)| *l))
                .unwrap_or(sql.loc);
            out.push(
                rule.diag(format!(
                    "policy `{}` on `{}` references column `{c}`, which the table does not have",
                    p.name, t.name
                ))
                .label(loc, "")
                .hint(hint),
            );
        }
    }
}
