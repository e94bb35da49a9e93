//! SC517 granted-role-without-policy: a role holds privileges on a table with row-level
//! security on, but none of the table's policies applies to it. It may run the command and
//! sees no row (and writes none): usually a policy names the wrong role, or the grant is
//! left over. Tables without any policy are SC502's; `public` and `service_role` (which
//! bypasses row-level security) are not reported.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::api::{policy_applies, SERVICE_ROLE};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC517",
    name: "granted-role-without-policy",
    severity: Severity::Warning,
    summary: "a role holds privileges on a table with row-level security, but no policy applies to it: it sees nothing",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for g in &m.grants {
        let Some(t) = m.tables.get(&g.on) else {
            continue;
        };
        if !t.rls.enable || t.policies.is_empty() {
            continue;
        }
        for (role, loc) in &g.to {
            if role == "public" || role == SERVICE_ROLE || !m.role_known(role) {
                continue;
            }
            if t.policies.values().any(|p| policy_applies(p, role)) {
                continue;
            }
            let privs: Vec<&str> = g.privileges.iter().map(|p| p.as_str()).collect();
            out.push(
                rule.diag(format!(
                    "`{role}` holds {} on `{}`, but no policy of the table applies to it: with row-level security on, it sees no row",
                    privs.join(", "),
                    t.name
                ))
                .label(*loc, if g.derived.is_some() { "granted by `api_roles` for this policy" } else { "granted here" })
                .label(t.loc, "table defined here")
                .hint(format!("add a policy for `{role}`, or remove the grant")),
            );
        }
    }
}
