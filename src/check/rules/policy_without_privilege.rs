//! SC515 policy-without-privilege: a policy lets a role run a command on a table, but the
//! role holds no privilege for that command there. Row-level security only filters what
//! privileges already allow, so the policy can never apply. Since 2026 Supabase grants the
//! Data API roles nothing on new tables: a project whose policies name `authenticated` but
//! that grants nothing is unreachable through the API (PostgREST answers 42501).
//!
//! An error for `target: supabase`; a warning for `target: postgres`, where privileges may
//! come from outside the project.

use super::api_privileges::{granted, granted_to_anyone, grants_by_table};
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Command, Model, Target};

pub const RULE: Rule = Rule {
    code: "SC515",
    name: "policy-without-privilege",
    severity: Severity::Error,
    summary: "a policy's role holds no privilege for its command, so the policy can never apply (warning for target postgres)",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let by_table = grants_by_table(m);
    for t in m.tables.values() {
        let grants = by_table.get(&t.name).map_or(&[][..], Vec::as_slice);
        for p in t.policies.values() {
            let public = vec![("public".to_string(), p.loc)];
            let roles = if p.roles.is_empty() {
                &public
            } else {
                &p.roles
            };
            // A role nobody declared is SC307's.
            for (role, role_loc) in roles.iter().filter(|(r, _)| m.role_known(r)) {
                let missing: Vec<Command> = p
                    .command
                    .expand()
                    .iter()
                    .copied()
                    .filter(|c| {
                        if role == "public" {
                            !granted_to_anyone(grants, *c)
                        } else {
                            !granted(grants, role).contains(c)
                        }
                    })
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let cmds: Vec<String> = missing
                    .iter()
                    .map(|c| c.as_str().to_ascii_uppercase())
                    .collect();
                let holds = if role == "public" {
                    format!("no role holds the {} privilege", cmds.join(", "))
                } else {
                    format!("`{role}` holds no {} privilege", cmds.join(", "))
                };
                let mut d = rule
                    .diag(format!(
                        "policy `{}` on `{}` is for {}, but {holds} on the table: the policy can never apply{}",
                        p.name,
                        t.name,
                        if role == "public" { "every role".to_string() } else { format!("`{role}`") },
                        if missing.len() < p.command.expand().len() { " to those commands" } else { "" },
                    ))
                    .label(p.loc, "policy defined here");
                let role_written = p.template.as_ref().is_none_or(|t| t.explicit.roles);
                if role_written && *role_loc != p.loc {
                    d = d.label(*role_loc, "role named here");
                }
                d = d.hint(if m.config.api_roles.is_none() {
                    "set `api_roles: [anon, authenticated, service_role]` in schemac.yaml to grant the API roles what their policies allow, or add a `grants:` entry"
                } else {
                    "add the role to `api_roles` (in schemac.yaml or on the table), or add a `grants:` entry"
                })
                .note("row-level security filters rows a role may already read or write; Supabase no longer grants the API roles anything on new tables");
                if m.config.target == Target::Postgres {
                    d.severity = Severity::Warning;
                }
                out.push(d);
            }
        }
    }
}
