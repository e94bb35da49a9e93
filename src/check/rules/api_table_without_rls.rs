//! SC516 api-table-without-rls: a Data API role holds a privilege on a table whose
//! row-level security is off. Nothing then filters what the role reads or writes: every row
//! is exposed through the API to whoever holds the role (for `anon`, anyone with the
//! project's public key). `service_role` bypasses row-level security anyway and is not
//! reported.

use super::api_privileges::rls_api_roles;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC516",
    name: "api-table-without-rls",
    severity: Severity::Error,
    summary:
        "an API role holds a privilege on a table with row-level security off: every row is exposed",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for g in &m.grants {
        let Some(t) = m.tables.get(&g.on) else {
            continue;
        };
        if t.rls.enable {
            continue;
        }
        let api = rls_api_roles(m, t);
        for (role, loc) in &g.to {
            if !api.contains(role) {
                continue;
            }
            let privs: Vec<&str> = g.privileges.iter().map(|p| p.as_str()).collect();
            let mut d = rule
                .diag(format!(
                    "`{role}` holds {} on `{}`, whose row-level security is off: every row is exposed through the Data API",
                    privs.join(", "),
                    t.name
                ))
                .label(*loc, if g.derived.is_some() { "granted by `api_roles` for this policy" } else { "granted here" });
            d = match t.rls.loc {
                Some(l) => d.label(l, "RLS disabled here"),
                None => d.label(t.loc, "table defined here"),
            };
            out.push(d.hint(
                "add `rls: true` and policies to the table, or keep it off the API (`api: false`, or remove the grant)",
            ));
        }
    }
}
