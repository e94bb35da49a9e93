//! SC305 unknown-template: a policy using a template that is neither built in nor defined
//! under `policy_templates`.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{templates, Model};

pub const RULE: Rule = Rule {
    code: "SC305",
    name: "unknown-template",
    severity: Severity::Error,
    summary: "a policy uses a template that does not exist",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let builtins = templates::builtins();
    let mut names: Vec<&str> = builtins.keys().map(String::as_str).collect();
    names.extend(m.policy_templates.keys().map(String::as_str));
    names.sort_unstable();
    for t in m.hosts() {
        for p in t.policies.values() {
            let Some(tu) = &p.template else { continue };
            if names.contains(&tu.name.as_str()) {
                continue;
            }
            let hint = match closest(&tu.name, names.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("available templates: {}", names.join(", ")),
            };
            out.push(
                rule.diag(format!(
                    "policy `{}` on `{}` uses template `{}`, which does not exist",
                    p.name, t.name, tu.name
                ))
                .label(tu.loc, "unknown template")
                .hint(hint),
            );
        }
    }
}
