//! SC304 unknown-type: a column, argument, composite type field or domain base type that is
//! neither built in, nor an enum, composite type or domain of the project, nor provided by
//! a declared extension, nor listed in `external.types`.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::types::{BaseType, EXTENSION_TYPES, PSEUDO};
use crate::model::{Model, SqlType};

pub const RULE: Rule = Rule {
    code: "SC304",
    name: "unknown-type",
    severity: Severity::Error,
    summary:
        "a type is not built in, not an enum of the project, and not from a declared extension",
    run,
};

/// Reports `ty` when nothing defines it; `what` names its column or argument (built only
/// then: most types are built in).
fn check(
    m: &Model,
    rule: &Rule,
    ty: &SqlType,
    loc: Loc,
    what: impl FnOnce() -> String,
    allow_pseudo: bool,
    out: &mut Vec<Diagnostic>,
) {
    let BaseType::Named(q) = &ty.base else { return };
    if m.enums.contains_key(q)
        || m.composite_types.contains_key(q)
        || m.domains.contains_key(q)
        || m.config
            .external_types
            .iter()
            .any(|(t, _)| t == q || t.name == q.name)
    {
        return;
    }
    if allow_pseudo && PSEUDO.contains(&q.name.as_str()) {
        return;
    }
    if m.tables.contains_key(q) {
        return; // a table's row type
    }
    if let Some((ext, _)) = EXTENSION_TYPES
        .iter()
        .find(|(_, types)| types.contains(&q.name.as_str()))
    {
        if m.extensions.iter().any(|e| e.name == *ext) {
            return;
        }
        let what = what();
        out.push(
            rule.diag(format!(
                "{what} has type `{}`, which comes with the `{ext}` extension, not declared here",
                q.name
            ))
            .label(loc, "")
            .hint(format!("add `extensions: [{ext}]` to a definition file")),
        );
        return;
    }
    let mut candidates: Vec<&str> = m
        .enums
        .keys()
        .chain(m.composite_types.keys())
        .chain(m.domains.keys())
        .map(|e| e.name.as_str())
        .collect();
    for s in crate::model::types::builtin_spellings() {
        candidates.push(s);
    }
    let hint = match closest(&q.name, candidates) {
        Some(c) => format!("did you mean `{c}`?"),
        None => {
            "declare it under `enums:`, `types:` or `domains:`, or list it in `external.types` if something else creates it"
                .into()
        }
    };
    let what = what();
    out.push(
        rule.diag(format!(
            "{what} has type `{}`, which is not defined",
            ty.base_name()
        ))
        .label(loc, "unknown type")
        .hint(hint),
    );
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        for c in t.columns.values() {
            check(
                m,
                rule,
                &c.ty,
                c.ty_loc,
                || format!("column `{}.{}`", t.name.name, c.name),
                false,
                out,
            );
        }
    }
    for t in m.composite_types.values() {
        for f in &t.fields {
            check(
                m,
                rule,
                &f.ty,
                f.loc,
                || format!("field `{}` of type `{}`", f.name, t.name),
                false,
                out,
            );
        }
    }
    for d in m.domains.values() {
        check(
            m,
            rule,
            &d.base,
            d.base_loc,
            || format!("domain `{}`", d.name),
            false,
            out,
        );
    }
    for f in &m.functions {
        for a in &f.args {
            check(
                m,
                rule,
                &a.ty,
                a.loc,
                || format!("argument `{}` of `{}`", a.name, f.name),
                true,
                out,
            );
        }
    }
}
