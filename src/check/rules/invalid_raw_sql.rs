//! SC331 invalid-raw-sql: a `sql:` block whose body cannot be written into the migration:
//! a string, comment or dollar quote left open (the rest of the migration would be read as
//! part of it), a backslash outside strings and comments (psql would run a meta-command),
//! a statement that ends or opens a transaction (the migration is one), or no statement.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Loc, Severity};
use crate::model::{Model, RawSql};

pub const RULE: Rule = Rule {
    code: "SC331",
    name: "invalid-raw-sql",
    severity: Severity::Error,
    summary: "a `sql:` block's body is unterminated, holds a psql meta-command or transaction control, or is empty",
    run,
};

fn run(m: &Model, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for b in m.raw_sql.values() {
        for (offset, why) in crate::sql::raw::refusals(&b.body) {
            out.push(
                rule.diag(format!("sql block `{}` cannot be run: {why}", b.name))
                    .label(body_position(m, b, offset), "")
                    .hint("write complete statements, each ended by `;`, without psql commands or BEGIN/COMMIT (gen's migration is one transaction)"),
            );
        }
    }
}

/// The file position of byte `offset` of a block's body: exact for a literal block scalar
/// (`body: |`, whose position is its first line's) and for a body on one line, else the
/// body's start.
pub(super) fn body_position(m: &Model, b: &RawSql, offset: usize) -> Loc {
    let at = b.body_loc;
    let offset = offset.min(b.body.len());
    let before = &b.body[..offset];
    let line = before.matches('\n').count() as u32;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32;
    let len = b.body[offset..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .count()
        .max(1) as u32;
    let Some(src) = m.sources.line_text(at.file, at.line) else {
        return at;
    };
    let quoted = matches!(
        src.chars().nth(at.col.saturating_sub(1) as usize),
        Some('"' | '\'')
    );
    let literal = at.line > 1
        && m.sources
            .line_text(at.file, at.line - 1)
            .map(|l| l.split(" #").next().unwrap_or(l).trim_end())
            .is_some_and(|l| l.ends_with('|') || l.ends_with("|-") || l.ends_with("|+"));
    if literal {
        Loc {
            line: at.line + line,
            col: at.col + col,
            len,
            ..at
        }
    } else if line == 0 {
        Loc {
            col: at.col + col + u32::from(quoted),
            len,
            ..at
        }
    } else {
        at
    }
}
