//! SC518 definer-executable-by-anon: a SECURITY DEFINER function that `anon` may execute.
//! It runs with its owner's rights, bypassing row-level security, and the Data API lets
//! anyone holding the project's public key call it (`/rpc`). Without `api_roles`,
//! PostgreSQL's default lets every role execute every function.
//!
//! A warning, not an error: some such functions are meant for anonymous callers (a sign-up
//! check, a public counter) and guard themselves. Trigger functions cannot be called
//! directly and are not reported.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Security};

pub const RULE: Rule = Rule {
    code: "SC518",
    name: "definer-executable-by-anon",
    severity: Severity::Warning,
    summary: "a SECURITY DEFINER function can be executed by anon (through the Data API's /rpc)",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if !m.role_known("anon") {
        return;
    }
    for (i, f) in m.functions.iter().enumerate() {
        if f.security != Security::Definer || f.returns_trigger() || !m.can_execute(i, "anon") {
            continue;
        }
        let mut d = rule
            .diag(format!(
                "SECURITY DEFINER function `{}` can be executed by `anon`: it runs with its owner's rights, bypassing row-level security, for anyone who calls it",
                f.signature()
            ))
            .label(f.loc, "");
        if let Some(api) = &f.api {
            d = d.label(api.loc, "exposed here");
        }
        let hint = if m.api.is_none() {
            "set `api_roles` in schemac.yaml so that functions are executable only by the roles that need them, or make the function `security: invoker`"
        } else {
            "give the function `api_roles:` without anon, make it `security: invoker`, or make sure it checks its caller"
        };
        out.push(d.hint(hint));
    }
}
