//! SQL fragments as PostgreSQL reads them.
//!
//! A project's expressions (defaults, checks, policy conditions, index expressions, trigger
//! conditions) and view queries are pasted into statements. Whoever can change the YAML
//! must not be able to end that statement or add one, so before any fragment reaches SQL it
//! is read with PostgreSQL's own lexical rules ([`super::lexer`]) and must hold:
//! - no `;` outside strings, identifiers and comments (a view query may end with one, which
//!   is dropped), so it is one statement's part;
//! - parentheses and brackets that balance and never close what the fragment did not open,
//!   so it stays inside the clause it is pasted into;
//! - nothing unterminated, no NUL, no backslash or psql variable (`:name`) outside strings
//!   (PostgreSQL rejects them anyway; psql would run `\!` as a shell command);
//! - no Unicode space between words: PostgreSQL reads it as part of a word.
//!
//! Comments are blanked out (each byte becomes a space, newlines stay, so positions hold),
//! so a trailing `--` cannot swallow the `)` that closes the clause. [`for_sql`] finally
//! writes each `'…'` string that holds a backslash as an `E'…'` string, which means the same
//! whatever `standard_conforming_strings` says.

use super::lexer::{tokenize, Kind, StrKind, Token};
use std::borrow::Cow;

/// Why a fragment cannot be pasted into a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FragmentError {
    pub message: String,
    /// Byte offset in the fragment.
    pub offset: usize,
}

impl std::fmt::Display for FragmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What the fragment must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One expression (or index element): no `;` at all.
    Expr,
    /// One query: a single trailing `;` is allowed (and dropped by [`clean`]).
    Query,
}

fn err(message: impl Into<String>, offset: usize) -> FragmentError {
    FragmentError {
        message: message.into(),
        offset,
    }
}

/// Checks `text` and returns it with comments blanked out (and, for a query, a trailing `;`
/// dropped). Borrowed when nothing changed, as for nearly every fragment.
pub fn clean(text: &str, shape: Shape) -> Result<Cow<'_, str>, FragmentError> {
    if let Some(at) = text.find('\0') {
        return Err(err("a NUL character cannot be part of SQL", at));
    }
    let tokens = tokenize(text).map_err(|e| err(e.message, e.offset))?;
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut trailing_semicolon = None;
    let mut comments = false;
    for (n, t) in tokens.iter().enumerate() {
        if let Some(at) = trailing_semicolon {
            if !matches!(t.kind, Kind::Space | Kind::LineComment | Kind::BlockComment) {
                return Err(err(
                    "a `;` ends the statement here: write exactly one expression or query, without `;`",
                    at,
                ));
            }
        }
        match t.kind {
            Kind::LineComment | Kind::BlockComment => comments = true,
            Kind::Punct(b';') => {
                if shape == Shape::Expr {
                    return Err(err(
                        "a `;` ends the statement here: write exactly one expression, without `;`",
                        t.start,
                    ));
                }
                trailing_semicolon = Some(t.start);
            }
            Kind::Punct(open @ (b'(' | b'[')) => stack.push((open, t.start)),
            Kind::Punct(close @ (b')' | b']')) => {
                let want = if close == b')' { b'(' } else { b'[' };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    _ => {
                        return Err(err(
                            format!("this `{}` closes nothing the fragment opened", close as char),
                            t.start,
                        ))
                    }
                }
            }
            Kind::Punct(b'\\') => {
                return Err(err(
                    "a backslash outside a string is not SQL (and psql would run what follows as a command)",
                    t.start,
                ))
            }
            Kind::Punct(b':') if psql_variable(text, &tokens, n) => {
                return Err(err(
                    "psql would replace `:name` with a variable here; write a space after `:`",
                    t.start,
                ))
            }
            Kind::Punct(b) if b.is_ascii_control() => {
                return Err(err(
                    format!("the control character U+{b:04X} is not SQL"),
                    t.start,
                ))
            }
            Kind::String(StrKind::National) if text[t.start..t.end].contains('\\') => {
                return Err(err(
                    "a backslash in an N'…' string means different things depending on standard_conforming_strings; write it without N",
                    t.start,
                ))
            }
            Kind::Word => {
                let word = &text[t.start..t.end];
                if let Some((at, c)) = word
                    .char_indices()
                    .find(|(_, c)| !c.is_ascii() && (c.is_whitespace() || is_invisible(*c)))
                {
                    return Err(err(
                        format!(
                            "U+{:04X} is not a space to PostgreSQL but part of the word `{}`; use a plain space",
                            u32::from(c),
                            word.trim_end_matches(|ch: char| !ch.is_ascii())
                        ),
                        t.start + at,
                    ));
                }
            }
            _ => {}
        }
    }
    if let Some((open, at)) = stack.pop() {
        return Err(err(format!("this `{}` is never closed", open as char), at));
    }
    if !tokens
        .iter()
        .any(|t| !matches!(t.kind, Kind::Space | Kind::LineComment | Kind::BlockComment))
    {
        return Err(err("the fragment is empty", 0));
    }
    if !comments && trailing_semicolon.is_none() {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    for t in &tokens {
        let part = &text[t.start..t.end];
        match t.kind {
            Kind::LineComment | Kind::BlockComment => {
                out.extend(
                    part.chars()
                        .map(|c| if c == '\n' || c == '\r' { c } else { ' ' }),
                )
            }
            Kind::Punct(b';') => out.push(' '),
            _ => out.push_str(part),
        }
    }
    Ok(Cow::Owned(out))
}

/// Characters that show as nothing or as a space without being one.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{180e}'
    )
}

/// Whether the `:` token `n` is followed directly by a name or quote, which psql replaces
/// with a variable's value (`:name`, `:'name'`, `:"name"`). `::` casts are not.
fn psql_variable(text: &str, tokens: &[Token], n: usize) -> bool {
    let prev_colon = n > 0 && tokens[n - 1].kind == Kind::Punct(b':');
    let next = tokens.get(n + 1);
    let next_colon = next.is_some_and(|t| t.kind == Kind::Punct(b':'));
    if prev_colon || next_colon {
        return false;
    }
    next.is_some_and(|t| {
        matches!(
            t.kind,
            Kind::Word | Kind::QuotedIdent | Kind::String(StrKind::Plain)
        ) && t.start == tokens[n].end
            && !text[t.start..].starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Whether PostgreSQL reads `a` and `b` as the same tokens (whitespace and comments aside).
pub fn same_tokens(a: &str, b: &str) -> bool {
    matches!((significant(a, false), significant(b, false)), (Some(x), Some(y)) if x == y)
}

/// Whether PostgreSQL reads `a` and `b` as the same tokens once unquoted words (keywords and
/// identifiers, which it folds to lower case) are folded: `range (Day)` and `RANGE (day)`.
/// Only ASCII letters are folded, as PostgreSQL folds identifiers in UTF-8.
pub fn same_words(a: &str, b: &str) -> bool {
    matches!((significant(a, true), significant(b, true)), (Some(x), Some(y)) if x == y)
}

/// The tokens of `t` other than whitespace and comments, with unquoted words in lower case
/// when `fold`; None when `t` does not lex.
fn significant(t: &str, fold: bool) -> Option<Vec<String>> {
    Some(
        tokenize(t)
            .ok()?
            .into_iter()
            .filter(|k| !matches!(k.kind, Kind::Space | Kind::LineComment | Kind::BlockComment))
            .map(|k| {
                let w = &t[k.start..k.end];
                if fold && k.kind == Kind::Word {
                    w.to_ascii_lowercase()
                } else {
                    w.to_string()
                }
            })
            .collect(),
    )
}

/// The fragment as it is written into SQL: every `'…'` string holding a backslash becomes
/// an `E'…'` string with the backslash doubled (a continued string becomes one), so that it
/// means the same whether `standard_conforming_strings` is on or off. The text must have
/// passed [`clean`].
pub fn for_sql(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let Ok(tokens) = tokenize(text) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    let mut changed = false;
    for t in &tokens {
        let part = &text[t.start..t.end];
        match t.kind {
            Kind::String(StrKind::Plain) if part.contains('\\') => {
                out.push_str(&escape_string(&string_value(part)));
                changed = true;
            }
            _ => out.push_str(part),
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// The value of a plain `'…'` string token, continuations included (as
/// `standard_conforming_strings = on` reads it).
fn string_value(token: &str) -> String {
    let mut value = String::new();
    let mut inside = false;
    let mut chars = token.chars().peekable();
    while let Some(c) = chars.next() {
        if !inside {
            if c == '\'' {
                inside = true;
            }
            continue;
        }
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
                value.push('\'');
            } else {
                inside = false;
            }
        } else {
            value.push(c);
        }
    }
    value
}

/// `s` as a string literal that reads the same whatever `standard_conforming_strings` says:
/// `'…'` when it holds no backslash, else `E'…'` with backslashes doubled.
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 3);
    if s.contains('\\') {
        out.push('E');
    }
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_words_folds_unquoted_words_only() {
        use super::same_words;
        assert!(same_words("range (Day)", "RANGE (day)"));
        assert!(same_words(
            "for values with (MODULUS 2, REMAINDER 0)",
            "FOR VALUES WITH (modulus 2, remainder 0)"
        ));
        assert!(!same_words("RANGE (\"Day\")", "RANGE (day)"));
        assert!(!same_words("IN ('A')", "IN ('a')"));
        assert!(!same_words("FROM (1) TO (2)", "FROM (1) TO (3)"));
    }

    use super::*;

    fn rejected(t: &str) -> String {
        clean(t, Shape::Expr).expect_err(t).message
    }

    #[test]
    fn accepts_ordinary_fragments_unchanged() {
        for t in [
            "now()",
            "auth.uid() = user_id",
            "status IN ('a', 'b')",
            "x::text[] @> ARRAY['a']",
            "(select auth.uid()) = owner_id",
            "email ~* '^[a-z]+\\.[a-z]+$'",
            "a[1:2] = b",
            "$$x;y$$ = t",
        ] {
            assert!(matches!(clean(t, Shape::Expr), Ok(Cow::Borrowed(_))), "{t}");
        }
    }

    #[test]
    fn rejects_what_could_end_the_statement() {
        assert!(rejected("true --\r); DROP TABLE victim; SELECT (1").contains("closes nothing"));
        assert!(
            rejected("true /* /* */* */); DROP TABLE victim; SELECT (1 -- */\nIS NOT NULL")
                .contains("closes nothing")
        );
        assert!(rejected("true; DROP TABLE x").contains("`;`"));
        assert!(rejected("(true").contains("never closed"));
        assert!(rejected("true /* x").contains("unterminated"));
        assert!(rejected("'x").contains("unterminated"));
        assert!(rejected("a\0b").contains("NUL"));
        assert!(rejected("1 \\! touch /tmp/x").contains("backslash"));
        assert!(rejected("x = :victim").contains("psql"));
        assert!(rejected("true\u{a0}OR false").contains("U+00A0"));
        assert!(rejected("  -- only a comment").contains("empty"));
        assert!(rejected("a ] b").contains("closes nothing"));
    }

    #[test]
    fn blanks_comments_and_keeps_positions() {
        let t = "a -- c\n + b /* x\n y */";
        let c = clean(t, Shape::Expr).unwrap();
        assert_eq!(c.len(), t.len());
        assert_eq!(c, "a     \n + b     \n     ");
        assert_eq!(clean("a --", Shape::Expr).unwrap(), "a   ");
    }

    #[test]
    fn a_query_may_end_with_one_semicolon() {
        let t = "SELECT 1;  -- done";
        let c = clean(t, Shape::Query).unwrap();
        assert_eq!((c.trim_end(), c.len()), ("SELECT 1", t.len()));
        assert!(clean("SELECT 1; SELECT 2", Shape::Query).is_err());
        assert!(clean("SELECT 1;;", Shape::Query).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_keeps_positions(s in ".{0,40}") {
            if let Ok(c) = clean(&s, Shape::Query) {
                proptest::prop_assert_eq!(c.len(), s.len());
                let _ = for_sql(&c);
            }
        }
    }

    #[test]
    fn token_comparison() {
        assert!(same_tokens("title  gin_trgm_ops", "title gin_trgm_ops"));
        assert!(!same_tokens("$x $ ; $x$", "$x$ ; $x$"));
    }

    #[test]
    fn backslash_strings_read_the_same_either_way() {
        assert_eq!(for_sql("x ~ '\\d'"), "x ~ E'\\\\d'");
        assert_eq!(for_sql("x = 'it''s\\'"), "x = E'it''s\\\\'");
        assert_eq!(for_sql("x = 'a\\'\n'b'"), "x = E'a\\\\b'");
        assert_eq!(for_sql("x = E'\\n'"), "x = E'\\n'");
        assert_eq!(for_sql("x = 'plain'"), "x = 'plain'");
        assert_eq!(escape_string("it's"), "'it''s'");
        assert_eq!(escape_string("\\'; DROP"), "E'\\\\''; DROP'");
    }
}
