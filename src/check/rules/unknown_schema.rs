//! SC313 unknown-schema: an object declared in a schema that `schemac.yaml` does not list
//! in `schemas:`. gen creates only the listed schemas, so the CREATE would fail at deploy
//! time (`schema "…" does not exist`), and diff reads only the listed schemas, so the
//! object would never be compared. A dot in a name always separates the schema from the
//! name, which is how `my.table` ends up in a schema `my`.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Model, QualName};

pub const RULE: Rule = Rule {
    code: "SC313",
    name: "unknown-schema",
    severity: Severity::Error,
    summary: "an object is declared in a schema that schemac.yaml does not list",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let mut objects: Vec<(&str, &QualName, Loc)> = Vec::new();
    objects.extend(m.tables.values().map(|t| ("table", &t.name, t.loc)));
    objects.extend(m.views.values().map(|v| ("view", &v.name, v.loc)));
    objects.extend(
        m.materialized_views
            .values()
            .map(|v| ("materialized view", &v.name, v.loc)),
    );
    objects.extend(m.enums.values().map(|e| ("enum", &e.name, e.loc)));
    objects.extend(
        m.composite_types
            .values()
            .map(|t| ("composite type", &t.name, t.loc)),
    );
    objects.extend(m.domains.values().map(|d| ("domain", &d.name, d.loc)));
    objects.extend(m.sequences.values().map(|s| ("sequence", &s.name, s.loc)));
    objects.extend(m.functions.iter().map(|f| ("function", &f.name, f.loc)));
    objects.extend(
        crate::kinds::entries(&m.declared)
            .into_iter()
            .map(|e| (e.noun, e.name, e.loc)),
    );
    for (kind, name, loc) in objects {
        if m.config.schemas.contains(&name.schema) {
            continue;
        }
        let listed = m.config.schemas.iter().map(String::as_str);
        let hint = match closest(&name.schema, listed) {
            Some(c) => format!("did you mean schema `{c}`? Otherwise add `{}` to `schemas:` in schemac.yaml", name.schema),
            None => format!(
                "add `{}` to `schemas:` in schemac.yaml, or leave the schema out of the name (a dot separates schema and name)",
                name.schema
            ),
        };
        out.push(
            rule.diag(format!(
                "{kind} `{name}` is in schema `{}`, which schemac.yaml does not list",
                name.schema
            ))
            .label(loc, "in an unlisted schema")
            .hint(hint),
        );
    }
}
