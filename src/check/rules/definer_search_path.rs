//! SC509 definer-without-search-path: a SECURITY DEFINER function without a fixed
//! `search_path` runs with its owner's rights but resolves names through the caller's
//! search_path — a classic privilege-escalation hole.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, Security};

pub const RULE: Rule = Rule {
    code: "SC509",
    name: "definer-without-search-path",
    severity: Severity::Warning,
    summary: "a SECURITY DEFINER function does not set search_path",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for f in &m.functions {
        if f.security == Security::Definer && f.search_path.is_none() {
            out.push(
                rule.diag(format!("SECURITY DEFINER function `{}` does not set search_path", f.signature()))
                    .label(f.loc, "")
                    .hint("add `search_path: public` (or `\"\"` and schema-qualify every name in the body)"),
            );
        }
    }
}
