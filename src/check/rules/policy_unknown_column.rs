//! SC507 policy-unknown-column: a policy expression referencing a column that does not
//! exist: one its table lacks, or one of a table its subqueries read (`EXISTS (SELECT 1
//! FROM members m WHERE m.titel = …)`), resolved through aliases and joins
//! ([`crate::check::refs`]). PostgreSQL would reject CREATE POLICY; the usual cause is
//! camelCase (`userId` unquoted is read as `userid`) or a column renamed in one migration
//! but not in the policy.

use super::closest;
use crate::check::refs::{self, Finding, Outer};
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, QualName};

pub const RULE: Rule = Rule {
    code: "SC507",
    name: "policy-unknown-column",
    severity: Severity::Error,
    summary:
        "a policy expression references a column its table, or a table it reads, does not have",
    run,
};

/// The columns of a table of the project or a known platform table, for hints.
fn columns_of(m: &Model, t: &QualName) -> Vec<String> {
    match m.tables.get(t) {
        Some(t) => m.column_owner(t).columns.keys().cloned().collect(),
        None => crate::model::external_columns(t)
            .iter()
            .map(|(c, _)| c.to_string())
            .collect(),
    }
}

fn hint(c: &str, table: &QualName, cols: &[String]) -> String {
    let quoted_match = cols.iter().find(|k| k.to_lowercase() == c);
    match (quoted_match, closest(c, cols.iter().map(String::as_str))) {
        (Some(k), _) => format!("the column is `{k}`: mixed-case names must be quoted in SQL (`\"{k}\"`), or renamed to snake_case"),
        (None, Some(k)) => format!("did you mean `{k}`?"),
        (None, None) => format!("`{table}` has the columns: {}", cols.join(", ")),
    }
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let builtins = crate::model::templates::builtins();
    for (host, p, sql, facts) in super::policy_exprs(m) {
        // External tables: only the managed side's columns are known for certain.
        let own = host.table.map(|t| m.column_owner(t).column_types());
        let findings = refs::resolve(
            m,
            &facts.refs,
            Some(Outer {
                table: host.name,
                columns: own.as_ref(),
            }),
        );
        for f in findings {
            let Finding::UnknownColumn {
                column: c,
                qualifier,
                table,
                tables,
            } = f
            else {
                continue;
            };
            // For a template-based policy, point at the parameter that named the column.
            let loc = p
                .template
                .as_ref()
                .and_then(|tu| tu.params.values().find(|(v, _)| *v == c).map(|(_, l)| *l))
                .unwrap_or(sql.loc);
            let on_host = match (&qualifier, &table) {
                (None, _) => tables.len() == 1 && tables[0] == *host.name,
                (Some(_), Some(t)) => {
                    t == host.name && qualifier.as_deref() == Some(host.name.name.as_str())
                }
                _ => false,
            };
            let d = if on_host {
                rule.diag(format!(
                    "policy `{}` on `{}` references column `{c}`, which the table does not have",
                    p.name, host.name
                ))
                .hint(hint(&c, host.name, &columns_of(m, host.name)))
            } else if let (Some(q), Some(t)) = (&qualifier, &table) {
                rule.diag(format!(
                    "policy `{}` on `{}` references `{q}.{c}`, but `{t}` has no column `{c}`",
                    p.name, host.name
                ))
                .hint(hint(&c, t, &columns_of(m, t)))
            } else {
                let names: Vec<String> = tables.iter().map(|t| format!("`{t}`")).collect();
                let all: Vec<String> = tables.iter().flat_map(|t| columns_of(m, t)).collect();
                let first = tables.first().cloned().unwrap_or_else(|| host.name.clone());
                rule.diag(format!(
                    "policy `{}` on `{}` references column `{c}`, which none of {} has",
                    p.name,
                    host.name,
                    names.join(", ")
                ))
                .hint(hint(&c, &first, &all))
            };
            // A column the template names by default: say which parameter to pass.
            let default = p.template.as_ref().and_then(|tu| {
                let tpl = m
                    .policy_templates
                    .get(&tu.name)
                    .or_else(|| builtins.get(&tu.name))?;
                let params: Vec<String> = tpl
                    .params
                    .iter()
                    .filter(|(k, d)| d.as_deref() == Some(c.as_str()) && !tu.params.contains_key(k))
                    .map(|(k, _)| format!("`{k}`"))
                    .collect();
                (!params.is_empty()).then(|| (tu.name.clone(), params))
            });
            let d = match default {
                Some((tname, params)) => d.hint(format!(
                    "template `{tname}` uses `{c}` when {} is not given: pass the right column on the policy",
                    params.join(" or ")
                )),
                None => d,
            };
            out.push(d.label(loc, ""));
        }
    }
}
