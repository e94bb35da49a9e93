//! SC321 fk-to-unlogged: a foreign key from a table PostgreSQL logs to an `unlogged` one.
//! An unlogged table is emptied after a crash while the logged table keeps its rows, so
//! PostgreSQL refuses the key ("constraints on permanent tables may reference only
//! permanent tables") and the migration would fail at deploy time. The other way round (an
//! unlogged table referencing a logged one) is allowed.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC321",
    name: "fk-to-unlogged",
    severity: Severity::Error,
    summary: "a foreign key of a logged table references an unlogged table",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values().filter(|t| !t.unlogged) {
        for fk in &t.foreign_keys {
            let Some(target) = m.table(&fk.ref_table) else {
                continue;
            };
            if !target.unlogged {
                continue;
            }
            out.push(
                rule.diag(format!(
                    "foreign key `{}` of `{}` references `{}`, which is `unlogged`",
                    fk.name, t.name, target.name
                ))
                .label(fk.ref_loc, "an unlogged table")
                .label(target.loc, "declared `unlogged: true` here")
                .hint(format!(
                    "PostgreSQL refuses it: a crash empties `{}` but not `{}`. Make `{}` unlogged too, or `{}` logged",
                    target.name, t.name, t.name, target.name
                )),
            );
        }
    }
}
