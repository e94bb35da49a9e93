//! SC501 rls-disabled: a table in a managed schema without row-level security. On Supabase
//! every table in an exposed schema is reachable through the API with the anon key, so a
//! table without RLS is readable and writable by anyone.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC501",
    name: "rls-disabled",
    severity: Severity::Warning,
    summary: "a table in a managed schema does not enable row-level security",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        if !t.rls.enable && t.policies.is_empty() && m.config.schemas.contains(&t.name.schema) {
            out.push(
                rule.diag(format!(
                    "table `{}` does not enable row-level security",
                    t.name
                ))
                .label(t.rls.loc.unwrap_or(t.loc), "")
                .hint("add `rls: true` and the policies that describe who may see which rows"),
            );
        }
    }
}
