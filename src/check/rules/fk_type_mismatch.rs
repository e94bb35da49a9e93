//! SC308 fk-type-mismatch: a foreign key between columns of incompatible types
//! (`user_id text` → `auth.users(id) uuid`). PostgreSQL refuses to create it, so the
//! migration fails at deploy time; schemac says so at check time, with both columns.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC308",
    name: "fk-type-mismatch",
    severity: Severity::Error,
    summary: "a foreign key column's type is incompatible with the referenced column's type",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        for fk in &t.foreign_keys {
            let ref_cols: Vec<String> = if fk.ref_columns.is_empty() {
                m.table(&fk.ref_table)
                    .and_then(|rt| rt.primary_key.as_ref())
                    .map(|pk| pk.columns.iter().map(|(c, _)| c.clone()).collect())
                    .unwrap_or_default()
            } else {
                fk.ref_columns.clone()
            };
            for ((col, _), rc) in fk.columns.iter().zip(&ref_cols) {
                let (Some(local), Some(remote)) =
                    (t.columns.get(col), m.column_type(&fk.ref_table, rc))
                else {
                    continue;
                };
                if local.ty.fk_compatible(&remote) {
                    continue;
                }
                let mut d = rule
                    .diag(format!(
                        "foreign key `{}`: column `{}.{col}` is `{}` but `{}({rc})` is `{remote}`",
                        fk.name, t.name.name, local.ty, fk.ref_table
                    ))
                    .label(local.ty_loc, format!("`{}`", local.ty));
                if let Some(rcol) = m.table(&fk.ref_table).and_then(|rt| rt.columns.get(rc)) {
                    d = d.label(rcol.ty_loc, format!("`{remote}`"));
                } else {
                    d = d.label(fk.ref_loc, format!("`{remote}`"));
                }
                out.push(d.hint(format!("change `{col}` to `{remote}`; PostgreSQL cannot create a foreign key between these types")));
            }
        }
    }
}
