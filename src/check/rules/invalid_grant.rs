//! SC320 invalid-grant-privilege: a privilege the object of a grant does not have.
//! PostgreSQL refuses each of these ("invalid privilege type USAGE for table", "sequence
//! … only supports USAGE, SELECT, and UPDATE privileges", "invalid privilege type DELETE
//! for column"): a sequence takes `usage`, `select` and `update` (or `all`) and no
//! `columns:`; column privileges are `select`, `insert`, `update` and `references`; a
//! table or view takes every privilege but `usage`, which is a sequence's. `usage` in
//! `service_role_privileges` (granted on tables) and in default privileges on tables or
//! functions is refused too.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{DefaultObjects, Model, Privilege};

pub const RULE: Rule = Rule {
    code: "SC320",
    name: "invalid-grant-privilege",
    severity: Severity::Error,
    summary: "a grant gives a privilege its object does not have (usage on a table, delete on a sequence or on columns, columns of a sequence)",
    run,
};

const SEQUENCE_HINT: &str =
    "a sequence takes usage, select and update (or all); `on` names a sequence when a declared sequence, or the sequence of a serial or identity column (`<table>_<column>_seq`), has that name";
const COLUMN_HINT: &str =
    "column privileges are select, insert, update and references; grant the others without `columns:`";
const TABLE_HINT: &str =
    "usage is a sequence's privilege; tables and views take select, insert, update, delete, truncate, references, trigger or all";

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for g in m.grants.iter().filter(|g| g.derived.is_none()) {
        let sequence = m.grant_on_sequence(&g.on);
        if sequence {
            if let Some((c, l)) = g.columns.first() {
                out.push(
                    rule.diag(format!(
                        "a grant on sequence `{}` names column `{}`; a sequence has no columns",
                        g.on,
                        c.escape_debug()
                    ))
                    .label(*l, "column of a sequence")
                    .hint("remove `columns:`"),
                );
            }
        }
        for (i, p) in g.privileges.iter().enumerate() {
            let loc = g.privilege_locs.get(i).copied().unwrap_or(g.loc);
            let (what, hint) = if sequence {
                if matches!(
                    p,
                    Privilege::Usage | Privilege::Select | Privilege::Update | Privilege::All
                ) {
                    continue;
                }
                (
                    format!("sequence `{}`, which has no such privilege", g.on),
                    SEQUENCE_HINT,
                )
            } else if !g.columns.is_empty() {
                if matches!(
                    p,
                    Privilege::Select
                        | Privilege::Insert
                        | Privilege::Update
                        | Privilege::References
                ) {
                    continue;
                }
                (
                    format!("columns of `{}`, which have no such privilege", g.on),
                    COLUMN_HINT,
                )
            } else {
                if *p != Privilege::Usage {
                    continue;
                }
                (format!("`{}`, which is not a sequence", g.on), TABLE_HINT)
            };
            out.push(
                rule.diag(format!(
                    "a grant gives `{}` on {what}",
                    p.as_str().to_lowercase()
                ))
                .label(loc, "invalid privilege")
                .hint(hint),
            );
        }
    }
    if m.config.service_role_privileges.contains(&Privilege::Usage) {
        out.push(
            rule.diag("`service_role_privileges` gives `usage`, which tables do not have")
                .label(m.config.loc, "")
                .hint(TABLE_HINT),
        );
    }
    for d in &m.default_privileges {
        if d.on != DefaultObjects::Sequences && d.privileges.contains(&Privilege::Usage) {
            out.push(
                rule.diag(format!(
                    "default privileges on {} give `usage`, which only sequences have",
                    d.on.as_str().to_lowercase()
                ))
                .label(d.loc, "invalid privilege")
                .hint("use `on: sequences` for usage"),
            );
        }
    }
}
