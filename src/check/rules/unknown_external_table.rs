//! SC309 unknown-external-table: a trigger or policy declared under `external_triggers` /
//! `external_policies` on a table that is neither listed in `external.tables` nor implied by
//! the target (auth.users, storage.objects on Supabase).

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC309",
    name: "unknown-external-table",
    severity: Severity::Error,
    summary: "an external trigger or policy names a table that is not listed in `external.tables`",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for e in m.external.values() {
        if m.is_external_table(&e.name) {
            continue;
        }
        let hint = if m.tables.contains_key(&e.name) {
            format!("`{}` is managed by this project: declare its triggers and policies under `tables.{}`", e.name, e.name.name)
        } else {
            format!("add `{}` to `external.tables` in schemac.yaml", e.name)
        };
        out.push(
            rule.diag(format!("`{}` is not an external table, so schemac cannot attach triggers or policies to it", e.name))
                .label(e.loc, "")
                .hint(hint),
        );
    }
}
