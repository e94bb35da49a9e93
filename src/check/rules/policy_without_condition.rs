//! SC510 policy-without-condition: a policy with neither `using`, `with_check` nor a
//! template. Its meaning is easy to misread (PostgreSQL treats a missing USING as no
//! restriction for the rows it could see), so schemac asks for the condition to be written.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC510",
    name: "policy-without-condition",
    severity: Severity::Error,
    summary: "a policy has neither `using`, `with_check` nor a template",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        for p in t.policies.values() {
            if p.template.is_none() && p.using.is_none() && p.with_check.is_none() {
                out.push(
                    rule.diag(format!("policy `{}` on `{}` has no condition", p.name, t.name))
                        .label(p.loc, "")
                        .hint("write `using:` (rows that may be seen/changed) and/or `with_check:` (rows that may be written), or use a template"),
                );
            }
        }
    }
}
