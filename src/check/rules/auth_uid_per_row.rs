//! SC506 auth-uid-per-row: `auth.uid()` (or `auth.jwt()`, `auth.role()`,
//! `current_setting()`) called directly in a policy is evaluated once per row; wrapped as
//! `(SELECT auth.uid())` PostgreSQL evaluates it once per statement (an initplan). On large
//! tables the difference is orders of magnitude (Supabase's advisor flags the same thing).

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC506",
    name: "auth-uid-per-row",
    severity: Severity::Warning,
    summary: "a policy calls auth.uid()/auth.jwt()/current_setting() bare instead of `(SELECT auth.uid())`",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for (t, p, sql, e) in super::policy_exprs(m) {
        let mut calls = e.per_row_calls.clone();
        calls.dedup();
        for call in calls {
            out.push(
                rule.diag(format!(
                    "policy `{}` on `{}` calls `{call}` once per row",
                    p.name, t.name
                ))
                .label(sql.loc, "")
                .hint(format!(
                    "wrap it in a subquery: `(SELECT {call})` is evaluated once per statement"
                )),
            );
        }
    }
}
