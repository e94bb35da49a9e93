//! SC320 invalid-grant-privilege: a privilege the object of a grant does not have.
//! PostgreSQL refuses each of these ("invalid privilege type USAGE for table", "sequence
//! … only supports USAGE, SELECT, and UPDATE privileges", "invalid privilege type DELETE
//! for column"): a sequence takes `usage`, `select` and `update` (or `all`) and no
//! `columns:`; column privileges are `select`, `insert`, `update` and `references`; a
//! table or view takes every privilege but `usage`, which is a sequence's, and `execute`,
//! a function's; a function takes `execute` (or `all`) only. `usage` and `execute` in
//! `service_role_privileges` (granted on tables), and in default privileges on objects
//! that lack them, are refused too.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{DefaultObjects, Model, Privilege};

pub const RULE: Rule = Rule {
    code: "SC320",
    name: "invalid-grant-privilege",
    severity: Severity::Error,
    summary: "a grant gives a privilege its object does not have (usage or execute on a table, delete on a sequence or on columns, select on a function, columns of a sequence)",
    run,
};

const SEQUENCE_HINT: &str =
    "a sequence takes usage, select and update (or all); `on` names a sequence when a declared sequence, or the sequence of a serial or identity column (`<table>_<column>_seq`), has that name";
const COLUMN_HINT: &str =
    "column privileges are select, insert, update and references; grant the others without `columns:`";
const TABLE_HINT: &str =
    "usage is a sequence's privilege and execute a function's (`function: name`); tables and views take select, insert, update, delete, truncate, references, trigger or all";

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
                if !matches!(p, Privilege::Usage | Privilege::Execute) {
                    continue;
                }
                (
                    format!("`{}`, which has no such privilege", g.on),
                    TABLE_HINT,
                )
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
    for g in &m.function_privileges {
        for (i, p) in g.privileges.iter().enumerate() {
            if matches!(p, Privilege::Execute | Privilege::All) {
                continue;
            }
            let loc = g.privilege_locs.get(i).copied().unwrap_or(g.loc);
            out.push(
                rule.diag(format!(
                    "a grant gives `{}` on function `{}`, which has no such privilege",
                    p.as_str().to_lowercase(),
                    g.function
                ))
                .label(loc, "invalid privilege")
                .hint("a function takes execute (or all)"),
            );
        }
    }
    for p in [Privilege::Usage, Privilege::Execute] {
        if m.config.service_role_privileges.contains(&p) {
            out.push(
                rule.diag(format!(
                    "`service_role_privileges` gives `{}`, which tables do not have",
                    p.as_str().to_lowercase()
                ))
                .label(m.config.loc, "")
                .hint(TABLE_HINT),
            );
        }
    }
    for d in &m.default_privileges {
        let valid: &[Privilege] = match d.on {
            DefaultObjects::Tables => &[
                Privilege::Select,
                Privilege::Insert,
                Privilege::Update,
                Privilege::Delete,
                Privilege::Truncate,
                Privilege::References,
                Privilege::Trigger,
                Privilege::All,
            ],
            DefaultObjects::Sequences => &[
                Privilege::Usage,
                Privilege::Select,
                Privilege::Update,
                Privilege::All,
            ],
            DefaultObjects::Functions => &[Privilege::Execute, Privilege::All],
        };
        for p in d.privileges.iter().filter(|p| !valid.contains(p)) {
            out.push(
                rule.diag(format!(
                    "default privileges on {} give `{}`, which they do not have",
                    d.on.as_str().to_lowercase(),
                    p.as_str().to_lowercase()
                ))
                .label(d.loc, "invalid privilege")
                .hint("tables take select, insert, update, delete, truncate, references, trigger; sequences usage, select, update; functions execute (or all)"),
            );
        }
    }
}
