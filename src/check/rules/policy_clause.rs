//! SC504 policy-clause-not-allowed: PostgreSQL rejects `USING` on an INSERT policy and
//! `WITH CHECK` on SELECT or DELETE policies. Caught here instead of at deploy time.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Command, Model};

pub const RULE: Rule = Rule {
    code: "SC504",
    name: "policy-clause-not-allowed",
    severity: Severity::Error,
    summary: "an INSERT policy has `using`, or a SELECT/DELETE policy has `with_check`",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.hosts() {
        for p in t.policies.values() {
            match (p.command, &p.using, &p.with_check) {
                (Command::Insert, Some(u), _) => out.push(
                    rule.diag(format!("INSERT policy `{}` on `{}` has `using`; PostgreSQL only allows WITH CHECK for INSERT", p.name, t.name))
                        .label(u.loc, "")
                        .hint(if p.with_check.is_some() {
                            "remove `using`: an INSERT policy only checks the new rows, with `with_check`"
                        } else {
                            "rename `using` to `with_check`: new rows are checked, there are no existing rows to filter"
                        }),
                ),
                (Command::Select | Command::Delete, _, Some(w)) => out.push(
                    rule.diag(format!(
                        "{} policy `{}` on `{}` has `with_check`; PostgreSQL only allows USING for {}",
                        p.command.as_str().to_uppercase(),
                        p.name,
                        t.name,
                        p.command.as_str().to_uppercase()
                    ))
                    .label(w.loc, "")
                    .hint(if p.using.is_some() {
                        "remove `with_check`: this command writes no new rows, only `using` applies"
                    } else {
                        "rename `with_check` to `using`: no new rows are written by this command"
                    }),
                ),
                _ => {}
            }
        }
    }
}
