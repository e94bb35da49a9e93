//! SC307 unknown-role: a policy, grant, `api_roles` or `owner` naming a role that the project neither creates
//! (`roles:`) nor lists as external. A typo here (`authenticted`) makes CREATE POLICY fail at
//! deploy time, or worse, targets a role nobody uses.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Model, Target};

pub const RULE: Rule = Rule {
    code: "SC307",
    name: "unknown-role",
    severity: Severity::Error,
    summary: "a policy, grant, api_roles or owner names a role that is not declared or external (or owner is public)",
    run,
};

/// Reports `role` when it is not known; `what` names where it is used (built only then).
fn check(
    m: &Model,
    rule: &Rule,
    role: &str,
    loc: Loc,
    what: impl FnOnce() -> String,
    out: &mut Vec<Diagnostic>,
) {
    if m.role_known(role) {
        return;
    }
    let what = what();
    let mut known: Vec<&str> = vec!["public"];
    known.extend(m.roles.iter().map(|r| r.name.as_str()));
    known.extend(m.config.external_roles.iter().map(|(r, _)| r.as_str()));
    if m.config.target == Target::Supabase {
        known.extend(["anon", "authenticated", "service_role"]);
    }
    let hint = match closest(role, known.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => "declare it under `roles:` or list it in `external.roles`".into(),
    };
    out.push(
        rule.diag(format!("{what} names role `{role}`, which is not declared"))
            .label(loc, "unknown role")
            .hint(hint),
    );
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.hosts() {
        for p in t.policies.values() {
            for (r, loc) in &p.roles {
                check(
                    m,
                    rule,
                    r,
                    *loc,
                    || format!("policy `{}` on `{}`", p.name, t.name),
                    out,
                );
            }
        }
    }
    for g in m.grants.iter().filter(|g| g.derived.is_none()) {
        for (r, loc) in &g.to {
            check(m, rule, r, *loc, || format!("a grant on `{}`", g.on), out);
        }
    }
    for g in &m.function_privileges {
        for (r, loc) in &g.to {
            check(
                m,
                rule,
                r,
                *loc,
                || format!("a grant on function `{}`", g.function),
                out,
            );
        }
    }
    for (r, loc) in m.config.api_roles.iter().flatten() {
        check(m, rule, r, *loc, || "`api_roles`".to_string(), out);
    }
    // Owners: the project's, and each object's own (an object without one reports nothing
    // new).
    let own = m.ownable().into_iter().map(|(_, name, o, _)| (o, name));
    let owners = m
        .config
        .owner
        .iter()
        .map(|o| (o, "the project's `owner`".to_string()));
    let owners = owners.chain(
        own.filter_map(|(o, name)| o.as_ref().map(|o| (o, format!("the `owner` of `{name}`")))),
    );
    for ((r, loc), what) in owners {
        if r == "public" {
            out.push(
                rule.diag(format!("{what} is `public`, which cannot own anything"))
                    .label(*loc, "")
                    .hint("name a role: `owner: postgres`"),
            );
        } else {
            check(m, rule, r, *loc, || what, out);
        }
    }
    for t in m.tables.values() {
        for (r, loc) in t.api_roles.iter().flatten() {
            check(
                m,
                rule,
                r,
                *loc,
                || format!("`api_roles` of `{}`", t.name),
                out,
            );
        }
    }
    for f in &m.functions {
        for (r, loc) in f.api.iter().flat_map(|a| a.roles.iter().flatten()) {
            check(
                m,
                rule,
                r,
                *loc,
                || format!("`api_roles` of `{}`", f.signature()),
                out,
            );
        }
    }
}
