//! SC303 unknown-function: a trigger calling a function that is not defined (or listed in
//! `external.functions`), or one that does not return `trigger`; a grant on a function the
//! project does not define.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Function, Model};

pub const RULE: Rule = Rule {
    code: "SC303",
    name: "unknown-function",
    severity: Severity::Error,
    summary: "a trigger calls a function that is not defined or does not return trigger; a grant names a function that is not defined",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for g in &m.function_privileges {
        if m.functions.iter().any(|f| f.name == g.function) {
            continue;
        }
        let hint = match closest(
            &g.function.name,
            m.functions.iter().map(|f| f.name.name.as_str()),
        ) {
            Some(c) => format!("did you mean `{c}`?"),
            None => "grants name functions the project defines under `functions:`".into(),
        };
        out.push(
            rule.diag(format!(
                "a grant is on function `{}`, which is not defined",
                g.function
            ))
            .label(g.function_loc, "unknown function")
            .hint(hint),
        );
    }
    for t in m.hosts() {
        for tr in t.triggers.values() {
            if !m.function_known(&tr.function) {
                let hint = match closest(&tr.function.name, m.functions.iter().map(|f| f.name.name.as_str())) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "define it under `functions:` (returns: trigger) or list it in `external.functions`".into(),
                };
                out.push(
                    rule.diag(format!(
                        "trigger `{}` on `{}` calls `{}()`, which is not defined",
                        tr.name, t.name, tr.function
                    ))
                    .label(tr.function_loc, "unknown function")
                    .hint(hint),
                );
                continue;
            }
            let is_trigger_function = |f: &&Function| f.returns_trigger() && f.args.is_empty();
            let mut candidates = m.functions.iter().filter(|f| f.name == tr.function);
            let Some(f) = candidates.next() else { continue };
            if !is_trigger_function(&f) && !candidates.any(|g| is_trigger_function(&g)) {
                out.push(
                    rule.diag(format!(
                        "trigger `{}` on `{}` calls `{}`, which is not a trigger function",
                        tr.name,
                        t.name,
                        f.signature()
                    ))
                    .label(tr.function_loc, "")
                    .label(f.returns_loc, "returns this")
                    .hint(
                        "trigger functions take no declared arguments and have `returns: trigger`",
                    ),
                );
            }
        }
    }
}
