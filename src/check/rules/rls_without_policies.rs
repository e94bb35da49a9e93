//! SC502 rls-without-policies: RLS is enabled but no policy exists, so every non-owner role
//! sees no rows at all. Sometimes intended (service-only tables), usually forgotten.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC502",
    name: "rls-without-policies",
    severity: Severity::Warning,
    summary: "row-level security is enabled but the table has no policy",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        if t.rls.enable && t.policies.is_empty() {
            out.push(
                rule.diag(format!("table `{}` enables row-level security but has no policy: only its owner and BYPASSRLS roles can read it", t.name))
                    .label(t.rls.loc.unwrap_or(t.loc), "")
                    .hint("add policies, e.g. `owner: { template: owner, column: user_id }`, or `service_only: { template: service_role }`"),
            );
        }
    }
}
