//! SC204 name-too-long: PostgreSQL silently truncates identifiers to 63 bytes, so two long
//! names that share their first 63 bytes become one object (and the second definition is
//! lost), and the name in the database is not the one in the YAML.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::names::{truncate_ident, MAX_IDENT};
use crate::model::Model;

pub const RULE: Rule = Rule {
    code: "SC204",
    name: "name-too-long",
    severity: Severity::Warning,
    summary: "a name is longer than PostgreSQL's 63-byte limit and will be truncated",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    // Each name is checked where it is found: nothing is collected.
    let mut check = |name: &str, loc: Loc| {
        if name.len() <= MAX_IDENT {
            return;
        }
        out.push(
            rule.diag(format!(
                "`{name}` is {} bytes long; PostgreSQL keeps only the first {MAX_IDENT}: `{}`",
                name.len(),
                truncate_ident(name)
            ))
            .label(loc, "")
            .hint("shorten the name (PostgreSQL truncates identifiers to 63 bytes)"),
        );
    };
    for (n, l) in &m.long_names {
        check(n, *l);
    }
    for t in m.tables.values() {
        check(&t.name.name, t.loc);
        for c in t.columns.values() {
            check(&c.name, c.loc);
        }
    }
}
