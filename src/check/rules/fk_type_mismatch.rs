//! SC308 fk-type-mismatch: a foreign key between columns of incompatible types
//! (`user_id text` → `auth.users(id) uuid`). PostgreSQL refuses to create it, so the
//! migration fails at deploy time; schemac says so at check time, with both columns.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{external_column_type, Model};

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
            let target = m.table(&fk.ref_table);
            // The named columns, or else the referenced table's primary key; borrowed.
            let pk: &[(String, Loc)] = if fk.ref_columns.is_empty() {
                target
                    .and_then(|rt| rt.primary_key.as_ref())
                    .map_or(&[], |pk| &pk.columns)
            } else {
                &[]
            };
            let ref_cols = fk.ref_columns.iter().chain(pk.iter().map(|(c, _)| c));
            for ((col, _), rc) in fk.columns.iter().zip(ref_cols) {
                let remote = match target {
                    Some(rt) => rt.columns.get(rc).map(|c| &c.ty),
                    None => external_column_type(&fk.ref_table, rc),
                };
                let (Some(local), Some(remote)) = (t.columns.get(col), remote) else {
                    continue;
                };
                if local.ty.fk_compatible(remote) {
                    continue;
                }
                let mut d = rule
                    .diag(format!(
                        "foreign key `{}`: column `{}.{col}` is `{}` but `{}({rc})` is `{remote}`",
                        fk.name, t.name.name, local.ty, fk.ref_table
                    ))
                    .label(local.ty_loc, format!("`{}`", local.ty));
                if let Some(rcol) = target.and_then(|rt| rt.columns.get(rc)) {
                    d = d.label(rcol.ty_loc, format!("`{remote}`"));
                } else {
                    d = d.label(fk.ref_loc, format!("`{remote}`"));
                }
                out.push(d.hint(format!("change `{col}` to `{remote}`; PostgreSQL cannot create a foreign key between these types")));
            }
        }
    }
}
