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
/// (`body: |`) and for a body on one line, else the body's start.
pub(super) fn body_position(m: &Model, b: &RawSql, offset: usize) -> Loc {
    let at = b.body_loc;
    let before = &b.body[..offset.min(b.body.len())];
    let line = before.matches('\n').count() as u32;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32;
    let Some(src) = m.sources.line_text(at.file, at.line) else {
        return at;
    };
    let first = src.chars().nth(at.col.saturating_sub(1) as usize);
    let len = b.body[offset.min(b.body.len())..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .count()
        .max(1) as u32;
    match first {
        Some('|') => {
            // The body's lines start on the next line, at the block's indentation.
            let Some(body_line) = m.sources.line_text(at.file, at.line + 1 + line) else {
                return at;
            };
            let indent = (1..)
                .map_while(|i| m.sources.line_text(at.file, at.line + i))
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| l.chars().take_while(|c| *c == ' ').count() as u32);
            if body_line.trim().is_empty() && col > 0 {
                return at;
            }
            Loc {
                file: at.file,
                line: at.line + 1 + line,
                col: indent + col + 1,
                len,
            }
        }
        Some('>') | Some('"') | Some('\'') => at,
        _ if line == 0 => Loc {
            col: at.col + col,
            len,
            ..at
        },
        _ => at,
    }
}
