//! SC503 policies-without-rls: policies exist but RLS is off. PostgreSQL accepts the
//! policies and then ignores them — the table is wide open while looking protected.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC503",
    name: "policies-without-rls",
    severity: Severity::Error,
    summary: "a table has policies but row-level security is not enabled, so they are ignored",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        if !t.rls.enable && !t.policies.is_empty() {
            let mut d = rule.diag(format!(
                "table `{}` has {} but row-level security is off, so PostgreSQL ignores {}",
                t.name,
                if t.policies.len() == 1 {
                    "a policy".to_string()
                } else {
                    format!("{} policies", t.policies.len())
                },
                if t.policies.len() == 1 { "it" } else { "them" }
            ));
            d = match t.rls.loc {
                Some(l) => d.label(l, "RLS disabled here"),
                None => d.label(t.loc, ""),
            };
            if let Some(p) = t.policies.values().next() {
                d = d.label(p.loc, "policy defined here");
            }
            out.push(d.hint("add `rls: true` to the table"));
        }
    }
}
