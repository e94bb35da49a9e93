//! SC316 invalid-exclusion: an exclusion constraint (`excludes:`) that PostgreSQL would
//! refuse. Each element is `<column or expression> [operator class] WITH <operator>`: one
//! without `WITH`, or whose operator is not an operator (operator characters such as `&&`,
//! or `OPERATOR(schema.op)`; never other text, which gen would paste into the statement) is
//! reported here, its expression by SC401 and its columns by SC302. The index method must
//! be one that can enforce exclusion (`gist`, `spgist`, `btree`, `hash`; PostgreSQL refuses
//! `gin`, `brin` and the vector methods).

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{is_operator, IndexMethod, Model};

pub const RULE: Rule = Rule {
    code: "SC316",
    name: "invalid-exclusion",
    severity: Severity::Error,
    summary: "an exclusion constraint's element has no `WITH <operator>`, its operator is not one, or its index method cannot enforce exclusion",
    run,
};

const HINT: &str = "write `<column or expression> WITH <operator>`, e.g. `room WITH =` or `during WITH &&`; the operator is its symbol or `OPERATOR(schema.op)`";

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for t in m.tables.values() {
        for ex in &t.exclusions {
            if matches!(
                ex.method,
                IndexMethod::Gin | IndexMethod::Brin | IndexMethod::Hnsw | IndexMethod::Ivfflat
            ) {
                out.push(
                    rule.diag(format!(
                        "exclusion constraint `{}` on `{}` uses {}, which cannot enforce exclusion",
                        ex.name,
                        t.name,
                        ex.method.as_str()
                    ))
                    .label(ex.loc, "defined here")
                    .hint("use `using: gist`, `spgist`, `btree` or `hash`"),
                );
            }
            for e in &ex.elems {
                // A fragment PostgreSQL would not read as one element is SC401's.
                if e.text.unsafe_reason.is_some() {
                    continue;
                }
                let problem = match &e.operator {
                    None => "has no `WITH <operator>`".to_string(),
                    Some(op) if !is_operator(op) => {
                        format!("has `{op}` after WITH, which is not an operator")
                    }
                    Some(_) => continue,
                };
                out.push(
                    rule.diag(format!(
                        "an element of exclusion constraint `{}` on `{}` {problem}",
                        ex.name, t.name
                    ))
                    .label(e.text.loc, format!("in `{}`", e.text.text.trim()))
                    .hint(HINT),
                );
            }
        }
    }
}
