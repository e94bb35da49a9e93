//! SC511 published-without-rls: Supabase Realtime broadcasts a published table's changes
//! to subscribers filtered by RLS; without RLS every subscriber receives every row.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC511",
    name: "published-without-rls",
    severity: Severity::Warning,
    summary: "a published (realtime) table has row-level security off",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for p in m.publications.values() {
        for (t, loc) in &p.tables {
            let Some(table) = m.tables.get(t) else {
                continue;
            };
            if !table.rls.enable {
                out.push(
                    rule.diag(format!("`{t}` is published in `{}` but has row-level security off: realtime sends every row to every subscriber", p.name))
                        .label(*loc, "")
                        .label(table.loc, "table defined here")
                        .hint("add `rls: true` and policies to the table"),
                );
            }
        }
    }
}
