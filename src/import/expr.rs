//! Expressions as a person writes them, from the spelling PostgreSQL printed.
//!
//! The catalog holds every default, check and policy condition the way PostgreSQL prints
//! it back: `'active'::goal_status`, `( SELECT auth.uid() AS uid)`, `(progress >= 0)`.
//! Written into YAML as is, an imported project reads like a dump. [`shorten`] removes what
//! PostgreSQL itself adds when it reads the short form again: the casts it put on string
//! literals, the `AS uid` it gives a scalar subquery's column, the space after `(` before
//! `SELECT`, and the parentheses around the whole. A short form is only used when
//! [`crate::predict::equiv::equivalent`] agrees that PostgreSQL prints it back as the original,
//! and the import's round trip (`--verify`) proves it on a real server: an object whose
//! short form does not come back exactly is written in PostgreSQL's spelling instead.
//!
//! Everything here works on the tokens of [`crate::sql::lexer`], so text inside string
//! literals and quoted names is never touched.

use crate::sql::lexer::{tokenize, Kind, Token};

/// `text` without what PostgreSQL added when it printed it, when PostgreSQL prints the
/// result back as `text` (as far as [`crate::predict::equiv`] can tell); else `text` itself.
pub fn shorten(text: &str) -> String {
    let short = rewrite(text);
    if short != text && crate::predict::equiv::equivalent(&short, text) {
        short
    } else {
        text.to_string()
    }
}

/// `text` with only the rewrites PostgreSQL always prints back the same: outer parentheses
/// and `TRIM(BOTH FROM x)` as `trim(x)` (which `schemac check` can read).
pub fn readable(text: &str) -> String {
    rewrite_with(text, false)
}

/// The rewrite [`shorten`] proposes, unchecked.
fn rewrite(text: &str) -> String {
    rewrite_with(text, true)
}

/// `all`: every rewrite; else only those of [`readable`].
fn rewrite_with(text: &str, all: bool) -> String {
    let Ok(tokens) = tokenize(text) else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let tok = |j: usize| tokens.get(j).copied();
    let src = |t: Token| &text[t.start..t.end];
    while i < tokens.len() {
        let t = tokens[i];
        match t.kind {
            // `'x'::type` → `'x'`: PostgreSQL types an untyped literal from its context and
            // prints the cast it chose.
            Kind::String(crate::sql::lexer::StrKind::Plain) if all => {
                out.push_str(src(t));
                if let Some(end) = cast_end(text, &tokens, i + 1) {
                    i = end;
                    continue;
                }
            }
            // `( SELECT` → `(SELECT`.
            Kind::Punct(b'(')
                if all
                    && tok(i + 1).is_some_and(|s| s.kind == Kind::Space)
                    && tok(i + 2).is_some_and(|w| {
                        w.kind == Kind::Word && src(w).eq_ignore_ascii_case("select")
                    }) =>
            {
                out.push('(');
                i += 2;
                continue;
            }
            // `f() AS f)` → `f())`: the column name PostgreSQL gives a scalar subquery.
            Kind::Space
                if all
                    && tok(i + 1).is_some_and(|w| {
                        w.kind == Kind::Word && src(w).eq_ignore_ascii_case("as")
                    })
                    && tok(i + 2).is_some_and(|s| s.kind == Kind::Space)
                    && tok(i + 3).is_some_and(|w| w.kind == Kind::Word)
                    && tok(i + 4).is_some_and(|p| p.kind == Kind::Punct(b')'))
                    && i >= 3
                    && tok(i - 1).is_some_and(|p| p.kind == Kind::Punct(b')'))
                    && tok(i - 2).is_some_and(|p| p.kind == Kind::Punct(b'('))
                    && tok(i - 3)
                        .is_some_and(|w| w.kind == Kind::Word && src(w) == src(tokens[i + 3])) =>
            {
                i += 4;
                continue;
            }
            // `TRIM(BOTH FROM x)` → `trim(x)`, which PostgreSQL prints in the SQL standard's
            // spelling that sqlparser (and so `schemac check`) cannot read.
            Kind::Word
                if src(t).eq_ignore_ascii_case("trim")
                    && tok(i + 1).is_some_and(|p| p.kind == Kind::Punct(b'('))
                    && tok(i + 3).is_some_and(|s| s.kind == Kind::Space)
                    && tok(i + 4).is_some_and(|w| {
                        w.kind == Kind::Word && src(w).eq_ignore_ascii_case("from")
                    })
                    && tok(i + 5).is_some_and(|s| s.kind == Kind::Space) =>
            {
                let f = tok(i + 2).map(|w| src(w).to_ascii_uppercase());
                let name = match f.as_deref() {
                    Some("BOTH") => "trim(",
                    _ => {
                        out.push_str(src(t));
                        i += 1;
                        continue;
                    }
                };
                out.push_str(name);
                i += 6;
                continue;
            }
            _ => out.push_str(src(t)),
        }
        i += 1;
    }
    let out = if all { any_as_in(&out) } else { out };
    strip_outer_parens(&out).to_string()
}

/// `x = ANY (ARRAY['a', 'b'])` → `x IN ('a', 'b')`, for lists of literals: how PostgreSQL
/// prints an `IN` list.
fn any_as_in(text: &str) -> String {
    let Ok(tokens) = tokenize(text) else {
        return text.to_string();
    };
    let src = |t: &Token| &text[t.start..t.end];
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < tokens.len() {
        let shape = [
            Kind::Punct(b'='),
            Kind::Space,
            Kind::Word,
            Kind::Space,
            Kind::Punct(b'('),
            Kind::Word,
            Kind::Punct(b'['),
        ];
        let starts = shape
            .iter()
            .enumerate()
            .all(|(k, kind)| tokens.get(i + k).is_some_and(|t| t.kind == *kind))
            && src(&tokens[i + 2]).eq_ignore_ascii_case("any")
            && src(&tokens[i + 5]).eq_ignore_ascii_case("array");
        if starts {
            // Literals, commas and spaces up to `])`.
            let mut j = i + 7;
            while tokens.get(j).is_some_and(|t| {
                matches!(
                    t.kind,
                    Kind::String(crate::sql::lexer::StrKind::Plain)
                        | Kind::Number
                        | Kind::Punct(b',')
                        | Kind::Space
                )
            }) {
                j += 1;
            }
            let closes = tokens.get(j).is_some_and(|t| t.kind == Kind::Punct(b']'))
                && tokens
                    .get(j + 1)
                    .is_some_and(|t| t.kind == Kind::Punct(b')'))
                && j > i + 7;
            if closes {
                out.push_str(&text[copied..tokens[i].start]);
                out.push_str("IN (");
                out.push_str(&text[tokens[i + 7].start..tokens[j].start]);
                out.push(')');
                copied = tokens[j + 1].end;
                i = j + 2;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// Where a `::type` cast that starts at token `i` ends (the index after it), for a type
/// spelled with words, dots, `(n)` and `[]`.
fn cast_end(text: &str, tokens: &[Token], i: usize) -> Option<usize> {
    let is = |j: usize, b: u8| tokens.get(j).is_some_and(|t| t.kind == Kind::Punct(b));
    if !(is(i, b':') && is(i + 1, b':')) {
        return None;
    }
    let mut j = i + 2;
    let mut words = 0;
    loop {
        match tokens.get(j).map(|t| t.kind) {
            Some(Kind::Word) | Some(Kind::QuotedIdent) => {
                words += 1;
                j += 1;
            }
            Some(Kind::Punct(b'.')) => j += 1,
            // `character varying`, `timestamp with time zone`: a space between type words.
            Some(Kind::Space)
                if words > 0
                    && tokens.get(j + 1).is_some_and(|t| {
                        t.kind == Kind::Word
                            && matches!(
                                text[t.start..t.end].to_ascii_lowercase().as_str(),
                                "varying" | "with" | "without" | "time" | "zone" | "precision"
                            )
                    }) =>
            {
                j += 1
            }
            Some(Kind::Punct(b'(')) if words > 0 => {
                // A type modifier: numbers and commas up to `)`.
                let mut k = j + 1;
                while tokens.get(k).is_some_and(|t| {
                    matches!(t.kind, Kind::Number | Kind::Punct(b',') | Kind::Space)
                }) {
                    k += 1;
                }
                if tokens.get(k).is_some_and(|t| t.kind == Kind::Punct(b')')) {
                    j = k + 1;
                } else {
                    return None;
                }
            }
            Some(Kind::Punct(b'[')) if words > 0 && is(j + 1, b']') => j += 2,
            _ => break,
        }
    }
    (words > 0).then_some(j)
}

/// `text` without parentheses around the whole of it.
pub fn strip_outer_parens(text: &str) -> &str {
    let mut t = text.trim();
    loop {
        if !(t.starts_with('(') && t.ends_with(')')) {
            return t;
        }
        let Ok(tokens) = tokenize(t) else {
            return t;
        };
        // The first `(` must close at the very end.
        let mut depth = 0i32;
        let mut closes_at_end = false;
        for (n, tok) in tokens.iter().enumerate() {
            match tok.kind {
                Kind::Punct(b'(') => depth += 1,
                Kind::Punct(b')') => {
                    depth -= 1;
                    if depth == 0 {
                        closes_at_end = n == tokens.len() - 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        // A scalar subquery keeps its parentheses: without them it is a query.
        let inner = t[1..t.len() - 1].trim_start();
        if !closes_at_end
            || inner
                .get(..6)
                .is_some_and(|w| w.eq_ignore_ascii_case("select"))
        {
            return t;
        }
        t = t[1..t.len() - 1].trim();
    }
}

/// `text` split at the commas outside parentheses, brackets, strings and quoted names,
/// each part trimmed.
pub fn split_top(text: &str, sep: u8) -> Vec<String> {
    let Ok(tokens) = tokenize(text) else {
        return vec![text.trim().to_string()];
    };
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for t in &tokens {
        match t.kind {
            Kind::Punct(b'(') | Kind::Punct(b'[') => depth += 1,
            Kind::Punct(b')') | Kind::Punct(b']') => depth -= 1,
            Kind::Punct(b) if b == sep && depth == 0 => {
                parts.push(text[start..t.start].trim().to_string());
                start = t.end;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim().to_string());
    parts
}

/// The byte offset of the first top-level keyword `word` (case-insensitive) in `text`.
pub fn find_word(text: &str, word: &str) -> Option<(usize, usize)> {
    let tokens = tokenize(text).ok()?;
    let mut depth = 0i32;
    for t in &tokens {
        match t.kind {
            Kind::Punct(b'(') | Kind::Punct(b'[') => depth += 1,
            Kind::Punct(b')') | Kind::Punct(b']') => depth -= 1,
            Kind::Word if depth == 0 && text[t.start..t.end].eq_ignore_ascii_case(word) => {
                return Some((t.start, t.end))
            }
            _ => {}
        }
    }
    None
}

/// The identifier at the start of `text` (unquoted, or quoted with `""` escapes) and the
/// rest after it.
pub fn leading_ident(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().is_some_and(|(_, n)| *n == '"') {
                    chars.next();
                    name.push('"');
                } else {
                    return Some((name, &rest[i + 1..]));
                }
            } else {
                name.push(c);
            }
        }
        None
    } else {
        let end = text
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$'))
            .map_or(text.len(), |(i, _)| i);
        (end > 0).then(|| (text[..end].to_string(), &text[end..]))
    }
}

/// A possibly qualified name at the start of `text` (`a.b`, `"A"."b"`, `b`), and the rest.
pub fn leading_qualified(text: &str) -> Option<((Option<String>, String), &str)> {
    let (first, rest) = leading_ident(text)?;
    if let Some(after) = rest.strip_prefix('.') {
        let (second, rest) = leading_ident(after)?;
        Some(((Some(first), second), rest))
    } else {
        Some(((None, first), rest))
    }
}

/// Identifiers separated by commas: `a, "B", c` (a column list).
pub fn ident_list(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    if rest.is_empty() {
        return Some(out);
    }
    loop {
        let (name, after) = leading_ident(rest)?;
        out.push(name);
        let after = after.trim_start();
        if after.is_empty() {
            return Some(out);
        }
        rest = after.strip_prefix(',')?.trim_start();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_postgres_added_is_removed() {
        assert_eq!(shorten("'active'::goal_status"), "'active'");
        assert_eq!(shorten("'x'::character varying"), "'x'");
        assert_eq!(shorten("'{}'::text[]"), "'{}'");
        assert_eq!(shorten("now()"), "now()");
        assert_eq!(
            shorten("(user_id = ( SELECT auth.uid() AS uid))"),
            "user_id = (SELECT auth.uid())"
        );
        assert_eq!(
            shorten("(progress >= (0)::numeric)"),
            "progress >= (0)::numeric"
        );
        assert_eq!(shorten("(status = 'it''s'::text)"), "status = 'it''s'");
        // Text inside literals and quoted names is left alone.
        assert_eq!(
            shorten("(\"( SELECT\" = '::text'::text)"),
            "\"( SELECT\" = '::text'"
        );
    }

    #[test]
    fn lists_and_names() {
        assert_eq!(
            split_top("a, f(b, c), 'x,y'", b','),
            ["a", "f(b, c)", "'x,y'"]
        );
        assert_eq!(
            ident_list("a, \"B c\", \"d\"\"e\""),
            Some(vec!["a".into(), "B c".into(), "d\"e".into()])
        );
        assert_eq!(strip_outer_parens("((a) AND (b))"), "(a) AND (b)");
        assert_eq!(strip_outer_parens("(a) AND (b)"), "(a) AND (b)");
        assert_eq!(strip_outer_parens("(SELECT f())"), "(SELECT f())");
        assert_eq!(
            shorten("(length(TRIM(BOTH FROM name)) > 0)"),
            "length(trim(name)) > 0"
        );
        assert_eq!(
            shorten("(plan_type = ANY (ARRAY['monthly'::text, 'yearly'::text]))"),
            "plan_type IN ('monthly', 'yearly')"
        );
        assert_eq!(
            shorten("( SELECT is_admin() AS is_admin)"),
            "(SELECT is_admin())"
        );
        assert_eq!(
            leading_qualified("auth.users(id)"),
            Some(((Some("auth".into()), "users".into()), "(id)"))
        );
    }
}
