//! SC505 policy-always-true-write: an INSERT/UPDATE/DELETE/ALL policy whose condition is
//! literally `true` lets every role it names write every row. Acceptable for service_role,
//! almost never for anon or authenticated.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Command, Model};

pub const RULE: Rule = Rule {
    code: "SC505",
    name: "policy-always-true-write",
    severity: Severity::Warning,
    summary: "a write policy's condition is `true` for roles other than service_role",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        for p in t.policies.values() {
            if p.command == Command::Select {
                continue;
            }
            if !p.roles.is_empty() && p.roles.iter().all(|(r, _)| r == "service_role") {
                continue;
            }
            for sql in [&p.using, &p.with_check].into_iter().flatten() {
                if sql.facts().is_ok_and(|f| f.is_true) {
                    let roles = if p.roles.is_empty() {
                        "public".to_string()
                    } else {
                        p.roles
                            .iter()
                            .map(|(r, _)| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    out.push(
                        rule.diag(format!(
                            "policy `{}` on `{}` lets {roles} {} every row (condition is `true`)",
                            p.name,
                            t.name,
                            p.command.as_str().to_uppercase()
                        ))
                        .label(sql.loc, "always true")
                        .hint("restrict it to the row's owner, e.g. `{ template: owner, column: user_id }`, or to `roles: [service_role]`"),
                    );
                    break;
                }
            }
        }
    }
}
