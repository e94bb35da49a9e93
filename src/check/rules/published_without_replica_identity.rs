//! SC512 published-without-replica-identity: a table published with UPDATE or DELETE needs
//! a primary key (its default replica identity); without one PostgreSQL refuses every
//! UPDATE and DELETE on it ("cannot update table … because it does not have a replica
//! identity and publishes updates").

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, PubOperation};

pub const RULE: Rule = Rule {
    code: "SC512",
    name: "published-without-replica-identity",
    severity: Severity::Error,
    summary: "a table published with updates or deletes has no primary key",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for p in m.publications.values() {
        if !p
            .operations
            .iter()
            .any(|o| matches!(o, PubOperation::Update | PubOperation::Delete))
        {
            continue;
        }
        for (t, loc) in &p.tables {
            let Some(table) = m.tables.get(t) else {
                continue;
            };
            if table.primary_key.is_none() {
                out.push(
                    rule.diag(format!("`{t}` is published in `{}` with updates/deletes but has no primary key: PostgreSQL will reject every UPDATE and DELETE on it", p.name))
                        .label(*loc, "")
                        .label(table.loc, "table defined here")
                        .hint("give the table a primary key, or publish only `operations: [insert]`"),
                );
            }
        }
    }
}
