//! Raw SQL blocks (`sql:`): the one place where a project holds SQL that schemac runs as
//! written. This module reads a block's body with PostgreSQL's lexical rules ([`super::lexer`])
//! and says:
//! - whether it can be written into the migration at all ([`refusals`]): every string,
//!   comment and dollar quote ends inside the body, no psql meta-command (a backslash outside
//!   strings and comments), no transaction control (the migration is one transaction);
//! - which statements are not obviously re-runnable ([`not_idempotent`]), a heuristic that
//!   only looks at each statement's leading keywords;
//! - which names the body mentions ([`words`]), so that diff leaves those objects alone.

use super::lexer::{self, Kind, Token};
use std::collections::BTreeSet;
use std::ops::Range;

/// Whether `name` may name a block: `[a-z_][a-z0-9_]*`, at most 63 bytes. Block names are
/// written into SQL comments, so they can hold nothing that ends a comment or starts a line.
pub fn is_block_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'_'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
        && name.len() <= 63
}

/// Why a body cannot be written into the migration: (byte offset, reason).
pub fn refusals(body: &str) -> Vec<(usize, String)> {
    let tokens = match lexer::tokenize(body) {
        Ok(t) => t,
        Err(e) => {
            return vec![(
                e.offset,
                format!(
                    "{}: the rest of the migration would be read as part of it",
                    e.message
                ),
            )]
        }
    };
    let mut out = Vec::new();
    for t in &tokens {
        if t.kind == Kind::Punct(b'\\') {
            out.push((
                t.start,
                "a backslash outside strings and comments: psql would run it as a meta-command"
                    .to_string(),
            ));
        }
    }
    let statements = split(&tokens);
    if statements.is_empty() {
        out.push((0, "the block holds no statement".to_string()));
    }
    for st in &statements {
        let words = leading_words(body, st, 2);
        let first = words.first().map(String::as_str).unwrap_or_default();
        let control = match first {
            "BEGIN" | "COMMIT" | "END" | "ROLLBACK" | "ABORT" | "SAVEPOINT" | "RELEASE" => true,
            "START" => words.get(1).is_some_and(|w| w == "TRANSACTION"),
            "PREPARE" => words.get(1).is_some_and(|w| w == "TRANSACTION"),
            _ => false,
        };
        if control {
            out.push((
                st.first().map_or(0, |t| t.start),
                format!(
                    "`{first}` controls the transaction, and the migration runs in one: a block may not end it"
                ),
            ));
        }
    }
    out
}

/// The body's statements, each as its byte range without the `;` (empty when it cannot be
/// read: [`refusals`] says why).
pub fn statements(body: &str) -> Vec<Range<usize>> {
    lexer::statements(body).unwrap_or_default()
}

/// The statements of `body` as token lists (spaces and comments left out), split at each `;`
/// outside parentheses.
fn split(tokens: &[Token]) -> Vec<Vec<Token>> {
    let mut out = Vec::new();
    let mut cur: Vec<Token> = Vec::new();
    let mut depth = 0usize;
    for t in tokens {
        match t.kind {
            Kind::Space | Kind::LineComment | Kind::BlockComment => continue,
            Kind::Punct(b'(' | b'[') => depth += 1,
            Kind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
            Kind::Punct(b';') if depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                continue;
            }
            _ => {}
        }
        cur.push(*t);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The first `n` words of a statement, uppercased (stops at the first token that is not a
/// word).
fn leading_words(body: &str, st: &[Token], n: usize) -> Vec<String> {
    st.iter()
        .take_while(|t| t.kind == Kind::Word)
        .take(n)
        .map(|t| body[t.start..t.end].to_ascii_uppercase())
        .collect()
}

/// Every word of a statement outside strings, uppercased, with its depth in parentheses.
fn words_of(body: &str, st: &[Token]) -> Vec<(String, usize)> {
    let mut depth = 0usize;
    let mut out = Vec::new();
    for t in st {
        match t.kind {
            Kind::Punct(b'(' | b'[') => depth += 1,
            Kind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
            Kind::Word => out.push((body[t.start..t.end].to_ascii_uppercase(), depth)),
            _ => {}
        }
    }
    out
}

/// Whether the words `seq` follow one another at depth 0 somewhere in `words`.
fn has(words: &[(String, usize)], seq: &[&str]) -> bool {
    words
        .windows(seq.len())
        .any(|w| w.iter().zip(seq).all(|((a, d), b)| *d == 0 && a == b))
}

/// The object a `CREATE` or `DROP` names: (kind, name), lowercased, after the modifiers
/// and `IF [NOT] EXISTS`; None when it cannot tell.
fn target(body: &str, st: &[Token]) -> Option<(String, String)> {
    const MODIFIERS: &[&str] = &[
        "OR",
        "REPLACE",
        "UNIQUE",
        "TEMP",
        "TEMPORARY",
        "UNLOGGED",
        "GLOBAL",
        "LOCAL",
        "CONSTRAINT",
        "DEFAULT",
        "TRUSTED",
        "PROCEDURAL",
        "RECURSIVE",
    ];
    let mut i = 1;
    let word = |i: usize| {
        st.get(i)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| body[t.start..t.end].to_ascii_uppercase())
    };
    while word(i).is_some_and(|w| MODIFIERS.contains(&w.as_str())) {
        i += 1;
    }
    let mut kind = word(i)?;
    i += 1;
    if kind == "MATERIALIZED" || kind == "EVENT" || kind == "FOREIGN" {
        kind = format!("{kind} {}", word(i)?);
        i += 1;
    }
    while word(i).is_some_and(|w| matches!(w.as_str(), "IF" | "NOT" | "EXISTS" | "CONCURRENTLY")) {
        i += 1;
    }
    let mut name = String::new();
    while let Some(t) = st.get(i) {
        match t.kind {
            Kind::Word | Kind::QuotedIdent | Kind::Punct(b'.') => {
                name.push_str(&body[t.start..t.end].to_ascii_lowercase());
                i += 1;
            }
            _ => break,
        }
        if !matches!(t.kind, Kind::Punct(b'.'))
            && !matches!(st.get(i).map(|t| t.kind), Some(Kind::Punct(b'.')))
        {
            break;
        }
    }
    (!name.is_empty()).then_some((kind.to_ascii_lowercase(), name))
}

/// The statements of `body` that are not obviously safe to run again: (byte range of the
/// statement, why). A heuristic on each statement's keywords, outside strings, comments
/// and dollar quotes (a `DO` block's inside is not looked at):
/// - `CREATE` without `OR REPLACE` or `IF NOT EXISTS`, unless an earlier statement of the
///   block drops the same object with `DROP … IF EXISTS`;
/// - `DROP` without `IF EXISTS`;
/// - `INSERT` without `ON CONFLICT` or `NOT EXISTS`;
/// - `ALTER … ADD` without `IF NOT EXISTS`, `ALTER … DROP` without `IF EXISTS`, and
///   `ALTER … RENAME`.
///
/// Everything else (`SELECT`, `DO`, `UPDATE`, `DELETE`, `GRANT`, `COMMENT`, `ALTER … SET`…)
/// passes: running it again does not fail, whatever it does.
pub fn not_idempotent(body: &str) -> Vec<(Range<usize>, String)> {
    let Ok(tokens) = lexer::tokenize(body) else {
        return Vec::new();
    };
    let mut dropped: BTreeSet<(String, String)> = BTreeSet::new();
    let mut out = Vec::new();
    for st in split(&tokens) {
        let (Some(first), Some(last)) = (st.first(), st.last()) else {
            continue;
        };
        let range = first.start..last.end;
        let words = words_of(body, &st);
        let lead = leading_words(body, &st, 1);
        let why = match lead.first().map(String::as_str) {
            Some("CREATE") => {
                let ok = has(&words, &["OR", "REPLACE"])
                    || has(&words, &["IF", "NOT", "EXISTS"])
                    || target(body, &st).is_some_and(|t| dropped.contains(&t));
                (!ok).then(|| {
                    "`CREATE` without `OR REPLACE` or `IF NOT EXISTS` fails when the object exists"
                        .to_string()
                })
            }
            Some("DROP") => {
                if has(&words, &["IF", "EXISTS"]) {
                    if let Some(t) = target(body, &st) {
                        dropped.insert(t);
                    }
                    None
                } else {
                    Some("`DROP` without `IF EXISTS` fails once the object is gone".to_string())
                }
            }
            Some("INSERT") => {
                let ok = has(&words, &["ON", "CONFLICT"])
                    || words
                        .windows(2)
                        .any(|w| w[0].0 == "NOT" && w[1].0 == "EXISTS");
                (!ok).then(|| {
                    "`INSERT` without `ON CONFLICT` (or `WHERE NOT EXISTS`) adds the rows again, or fails on a unique key"
                        .to_string()
                })
            }
            Some("ALTER") => {
                if has(&words, &["RENAME"]) {
                    Some("`ALTER … RENAME` fails once the old name is gone".to_string())
                } else if has(&words, &["ADD"]) && !has(&words, &["IF", "NOT", "EXISTS"]) {
                    Some(
                        "`ALTER … ADD` without `IF NOT EXISTS` fails when it was added before"
                            .to_string(),
                    )
                } else if has(&words, &["DROP"])
                    && !has(&words, &["IF", "EXISTS"])
                    && !has(&words, &["DROP", "DEFAULT"])
                    && !has(&words, &["DROP", "NOT", "NULL"])
                    && !has(&words, &["DROP", "EXPRESSION"])
                {
                    Some("`ALTER … DROP` without `IF EXISTS` fails once it is gone".to_string())
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(why) = why {
            out.push((range, why));
        }
    }
    out
}

/// Every name the body mentions anywhere (in its statements, strings, dollar quotes and
/// comments alike): each run of identifier characters as written and lowercased (as
/// PostgreSQL folds unquoted names), and the inside of each `"…"`. Conservative on purpose:
/// diff leaves alone every undeclared object named like one of them.
pub fn words(body: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = body.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    let mut i = 0;
    while i < b.len() {
        if ident(b[i]) {
            let start = i;
            while i < b.len() && ident(b[i]) {
                i += 1;
            }
            let w = &body[start..i];
            out.insert(w.to_string());
            out.insert(w.to_ascii_lowercase());
        } else if b[i] == b'"' {
            let start = i + 1;
            i = start;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            out.insert(body[start..i].to_string());
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether the body's last statement is ended by a `;`, and whether it ends inside a `--`
/// comment (a `;` added on the same line would be part of the comment).
pub fn termination(body: &str) -> (bool, bool) {
    let Ok(tokens) = lexer::tokenize(body) else {
        return (true, false);
    };
    let last_comment = tokens
        .iter()
        .rev()
        .find(|t| t.kind != Kind::Space)
        .is_some_and(|t| t.kind == Kind::LineComment);
    let terminated = tokens
        .iter()
        .rev()
        .find(|t| !matches!(t.kind, Kind::Space | Kind::LineComment | Kind::BlockComment))
        .is_none_or(|t| t.kind == Kind::Punct(b';'));
    (terminated, last_comment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flagged(body: &str) -> Vec<&str> {
        not_idempotent(body)
            .into_iter()
            .map(|(r, _)| &body[r])
            .collect()
    }

    #[test]
    fn block_names_are_plain_identifiers() {
        for ok in ["nightly_cleanup", "_x", "a1", &"a".repeat(63)] {
            assert!(is_block_name(ok), "{ok}");
        }
        for bad in [
            "",
            "1a",
            "Nightly",
            "a b",
            "a\nb",
            "x*/",
            "a-b",
            "a;b",
            "é",
            &"a".repeat(64),
        ] {
            assert!(!is_block_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn re_runnable_statements_pass() {
        let body = "
            CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
            CREATE TABLE IF NOT EXISTS t (id int);
            CREATE INDEX IF NOT EXISTS t_id ON t (id);
            DROP FUNCTION IF EXISTS g();
            INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;
            INSERT INTO t SELECT 2 WHERE NOT EXISTS (SELECT 1 FROM t WHERE id = 2);
            ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;
            ALTER TABLE t ALTER COLUMN x DROP DEFAULT;
            ALTER TABLE t DROP COLUMN IF EXISTS y;
            ALTER FUNCTION f() OWNER TO postgres;
            SELECT cron.schedule('nightly', '0 3 * * *', $$SELECT 1$$);
            DO $$ BEGIN CREATE TABLE u (); EXCEPTION WHEN duplicate_table THEN NULL; END $$;
            DROP POLICY IF EXISTS p ON t;
            CREATE POLICY p ON t USING (true);
            DROP TRIGGER IF EXISTS \"Trig\" ON t;
            CREATE TRIGGER \"Trig\" AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
            COMMENT ON TABLE t IS 'CREATE TABLE x';
            UPDATE t SET x = 1;
            GRANT SELECT ON t TO public
        ";
        assert_eq!(flagged(body), Vec::<&str>::new());
    }

    #[test]
    fn statements_that_fail_or_repeat_when_run_again_are_flagged() {
        let body = "CREATE TABLE t (id int); create aggregate a (int) (sfunc = f, stype = int);
            DROP TABLE t; INSERT INTO t VALUES (1); ALTER TABLE t ADD COLUMN x int;
            ALTER TABLE t RENAME TO u; ALTER TABLE t DROP COLUMN x;
            CREATE POLICY p ON t USING (true); -- no DROP … IF EXISTS before it
            DROP POLICY IF EXISTS q ON t; CREATE POLICY p2 ON t USING (true)";
        assert_eq!(
            flagged(body),
            [
                "CREATE TABLE t (id int)",
                "create aggregate a (int) (sfunc = f, stype = int)",
                "DROP TABLE t",
                "INSERT INTO t VALUES (1)",
                "ALTER TABLE t ADD COLUMN x int",
                "ALTER TABLE t RENAME TO u",
                "ALTER TABLE t DROP COLUMN x",
                "CREATE POLICY p ON t USING (true)",
                "CREATE POLICY p2 ON t USING (true)",
            ]
        );
    }

    #[test]
    fn keywords_in_strings_comments_and_dollar_quotes_are_not_read() {
        let body = "SELECT 'DROP TABLE t; CREATE TABLE t ()'; -- DROP TABLE x;
            /* CREATE TABLE y (); */ SELECT $x$ ; INSERT INTO t VALUES (1); $x$";
        assert_eq!(flagged(body), Vec::<&str>::new());
        assert_eq!(statements(body).len(), 2);
    }

    #[test]
    fn unreadable_bodies_and_transaction_control_are_refused() {
        let reasons = |b: &str| -> Vec<String> { refusals(b).into_iter().map(|r| r.1).collect() };
        assert!(reasons("SELECT 1; SELECT 'x")[0].starts_with("unterminated quoted string"));
        assert!(reasons("SELECT $a$ x")[0].starts_with("unterminated dollar-quoted"));
        assert!(reasons("SELECT 1 /* x")[0].starts_with("unterminated /* comment"));
        assert!(reasons("SELECT 1;\n\\! rm -rf /\n")[0].contains("meta-command"));
        assert!(reasons("COMMIT; DROP TABLE x")[0].contains("`COMMIT` controls"));
        assert!(reasons("select 1; begin")[0].contains("`BEGIN` controls"));
        assert!(reasons("START TRANSACTION")[0].contains("`START` controls"));
        assert!(reasons("  -- nothing\n")[0].contains("no statement"));
        assert!(reasons("DO $$ BEGIN PERFORM 1; END $$; SELECT '\\'").is_empty());
    }

    #[test]
    fn words_include_strings_dollar_quotes_and_quoted_names() {
        let w =
            words("SELECT cron.schedule('job', $$SELECT Purge_Old()$$); CREATE TABLE \"My T\" ()");
        for x in [
            "cron",
            "schedule",
            "job",
            "purge_old",
            "Purge_Old",
            "My T",
            "select",
        ] {
            assert!(w.contains(x), "{x}: {w:?}");
        }
    }

    #[test]
    fn termination_is_read_with_the_lexer() {
        assert_eq!(termination("SELECT 1;"), (true, false));
        assert_eq!(termination("SELECT 1; -- done"), (true, true));
        assert_eq!(termination("SELECT 1 -- no semicolon"), (false, true));
        assert_eq!(termination("SELECT ';'"), (false, false));
    }
}
