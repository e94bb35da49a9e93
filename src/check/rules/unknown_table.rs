//! SC301 unknown-table: a foreign key or grant naming a table that is neither defined in the
//! project nor listed under `external.tables`.

use super::closest;
use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Model, QualName};

pub const RULE: Rule = Rule {
    code: "SC301",
    name: "unknown-table",
    severity: Severity::Error,
    summary: "a foreign key or grant names a table that is not defined or external",
    run,
};

fn report(
    m: &Model,
    rule: &Rule,
    name: &QualName,
    loc: Loc,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    let names: Vec<String> = m.tables.keys().map(|q| q.name.clone()).collect();
    let hint = match closest(&name.name, names.iter().map(String::as_str)) {
        Some(c) => format!("did you mean `{c}`? Tables outside the project belong in `external.tables` in schemac.yaml"),
        None => "define the table, or list it under `external.tables` in schemac.yaml".to_string(),
    };
    out.push(
        rule.diag(format!("{what} `{name}`, which is not defined"))
            .label(loc, "unknown table")
            .hint(hint),
    );
}

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        for fk in &t.foreign_keys {
            if m.table(&fk.ref_table).is_none() && !m.is_external_table(&fk.ref_table) {
                report(
                    m,
                    rule,
                    &fk.ref_table,
                    fk.ref_loc,
                    &format!("foreign key `{}` on `{}` references", fk.name, t.name),
                    out,
                );
            }
        }
    }
    for g in &m.grants {
        if m.table(&g.on).is_none() && !m.views.contains_key(&g.on) && !m.is_external_table(&g.on) {
            report(m, rule, &g.on, g.on_loc, "a grant is on", out);
        }
    }
}
