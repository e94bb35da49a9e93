//! SC319 invalid-collation: a column's `collation:` on a type that has none. Only the
//! character types take a collation (`text`, `varchar`, `char`, `name`, arrays of them,
//! domains over them, and types of the project's extensions or external types, which may
//! — `citext` does); an integer, a uuid, an enum or a composite type does not, and
//! PostgreSQL refuses the table ("collations are not supported by type integer"). Whether a
//! collation exists depends on the server, which alone says so.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::types::BaseType;
use crate::model::{Model, SqlType};

pub const RULE: Rule = Rule {
    code: "SC319",
    name: "invalid-collation",
    severity: Severity::Error,
    summary: "a column's collation is given to a type that has none (only character types, and domains over them, take one)",
    run,
};

/// Whether values of `ty` can have a collation: `None` when the project cannot tell (an
/// extension's or external type).
fn collatable(m: &Model, ty: &SqlType, depth: usize) -> Option<bool> {
    match &ty.base {
        BaseType::Builtin(b) => Some(matches!(
            *b,
            "text" | "character varying" | "character" | "name"
        )),
        BaseType::Named(q) => {
            if m.enums.contains_key(q) || m.composite_types.contains_key(q) {
                return Some(false);
            }
            match m.domains.get(q) {
                Some(d) if depth < 8 => collatable(m, &d.base, depth + 1),
                _ => None,
            }
        }
    }
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        for c in t.columns.values() {
            let Some((coll, loc)) = &c.collation else {
                continue;
            };
            if collatable(m, &c.ty, 0) == Some(false) {
                out.push(
                    rule.diag(format!(
                        "column `{}` of `{}` is `{}`, which has no collation, and says `collation: {}`",
                        c.name,
                        t.name,
                        c.ty,
                        coll.escape_debug()
                    ))
                    .label(*loc, "")
                    .hint("remove `collation:`; only character types (text, varchar, char) and domains over them take one"),
                );
            }
        }
    }
}
