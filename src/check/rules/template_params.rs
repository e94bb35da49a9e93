//! SC306 template-params: a policy passing a parameter its template does not take, leaving
//! out one without a default, or a template that fails to render.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{templates, Model};

pub const RULE: Rule = Rule {
    code: "SC306",
    name: "template-params",
    severity: Severity::Error,
    summary: "a policy passes unknown parameters to a template, misses a required one, or the template fails to render",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let builtins = templates::builtins();
    for t in m.hosts() {
        for p in t.policies.values() {
            let Some(tu) = &p.template else { continue };
            let Some(tpl) = m
                .policy_templates
                .get(&tu.name)
                .or_else(|| builtins.get(&tu.name))
            else {
                continue;
            };
            // The template's parameter names, listed only for a finding.
            let known = || tpl.params.iter().map(|(n, _)| n.as_str());
            let mut ok = true;
            for (name, (_, loc)) in &tu.params {
                if !known().any(|k| k == name) {
                    ok = false;
                    let hint = match closest(name, known()) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None if tpl.params.is_empty() => {
                            format!("template `{}` takes no parameters", tu.name)
                        }
                        None => format!(
                            "template `{}` takes: {}",
                            tu.name,
                            known().collect::<Vec<_>>().join(", ")
                        ),
                    };
                    out.push(
                        rule.diag(format!("policy `{}` on `{}` passes `{name}`, which template `{}` does not take", p.name, t.name, tu.name))
                            .label(*loc, "unknown parameter")
                            .hint(hint),
                    );
                }
            }
            for (name, default) in &tpl.params {
                if default.is_none() && !tu.params.contains_key(name) {
                    ok = false;
                    out.push(
                        rule.diag(format!(
                            "policy `{}` on `{}` uses template `{}` without its parameter `{name}`",
                            p.name, t.name, tu.name
                        ))
                        .label(tu.loc, "")
                        .hint(format!("add `{name}: …` to the policy")),
                    );
                }
            }
            // Rendered once, when the model was built.
            if let (true, Some(e)) = (ok, &tu.render_error) {
                out.push(
                    rule.diag(format!(
                        "template `{}` failed to render for policy `{}` on `{}`: {e}",
                        tu.name, p.name, t.name
                    ))
                    .label(tu.loc, "")
                    .hint("check the template's minijinja syntax and the names it uses"),
                );
            }
        }
    }
}
