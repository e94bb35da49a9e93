//! PostgreSQL's lexical rules, followed by hand from its `scan.l`.
//!
//! A fragment is safe to paste into a statement only if PostgreSQL reads its tokens where
//! schemac thinks they are: a `;` inside what schemac took for a comment ends the statement
//! on the server. sqlparser's tokenizer disagrees with PostgreSQL in places that matter (a
//! `--` comment also ends at `\r`; `/* */` comments nest; a string that follows another
//! after a newline continues it, in the first one's escape mode), so the boundaries of
//! comments, strings, quoted identifiers and dollar quotes are taken from here, never from
//! sqlparser. Only those boundaries are exact; words, numbers and operators are split just
//! finely enough to tell them apart from the rest.
//!
//! The lexer works on bytes: PostgreSQL treats every byte of 0x80 and above as a letter of
//! an identifier, so any non-ASCII character (a no-break space too) is part of a word.

/// What kind of string constant a [`Kind::String`] token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrKind {
    /// `'…'`: backslashes are plain characters only while `standard_conforming_strings` is
    /// on (the default); with it off, this is read as an `E'…'` string.
    Plain,
    /// `E'…'`: backslash escapes, whatever the setting.
    Escape,
    /// `N'…'`: the keyword `N` and a [`StrKind::Plain`] string.
    National,
    /// `B'…'` and `X'…'`: bit strings.
    Bits,
    /// `U&'…'`: Unicode escapes with `\` (or `UESCAPE`).
    Unicode,
    /// `$tag$…$tag$`.
    Dollar,
}

/// A token's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Spaces, tabs, newlines, carriage returns, form feeds.
    Space,
    /// `-- …` up to (not including) the next `\n` or `\r`.
    LineComment,
    /// `/* … */`, nested.
    BlockComment,
    /// An unquoted word: a keyword or identifier.
    Word,
    /// `"…"` or `U&"…"`.
    QuotedIdent,
    /// A string constant; a continued string (`'a'` newline `'b'`) is one token.
    String(StrKind),
    /// A number.
    Number,
    /// `$1`.
    Param,
    /// One byte of punctuation or an operator: `(`, `)`, `[`, `]`, `,`, `;`, `+`, `::`'s
    /// colons…, or a byte PostgreSQL rejects.
    Punct(u8),
}

/// One token: its kind and byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// Text PostgreSQL cannot read to its end: an unterminated string, comment or identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub message: &'static str,
    /// Byte offset where the unreadable token starts.
    pub offset: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

/// Dollar-quote tags take no `$`, unlike identifiers.
fn is_tag_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

/// Splits `text` into tokens as PostgreSQL's lexer would (with `standard_conforming_strings`
/// on, its default since 9.1).
pub fn tokenize(text: &str) -> Result<Vec<Token>, LexError> {
    let s = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let start = i;
        let b = s[i];
        let next = s.get(i + 1).copied();
        let kind = if is_space(b) {
            while i < s.len() && is_space(s[i]) {
                i += 1;
            }
            Kind::Space
        } else if b == b'-' && next == Some(b'-') {
            i = line_end(s, i);
            Kind::LineComment
        } else if b == b'/' && next == Some(b'*') {
            i = block_comment_end(s, i)?;
            Kind::BlockComment
        } else if b == b'\'' {
            i = string_end(s, i + 1, StrKind::Plain, start)?;
            Kind::String(StrKind::Plain)
        } else if matches!(b, b'e' | b'E') && next == Some(b'\'') {
            i = string_end(s, i + 2, StrKind::Escape, start)?;
            Kind::String(StrKind::Escape)
        } else if matches!(b, b'n' | b'N') && next == Some(b'\'') {
            i = string_end(s, i + 2, StrKind::Plain, start)?;
            Kind::String(StrKind::National)
        } else if matches!(b, b'b' | b'B' | b'x' | b'X') && next == Some(b'\'') {
            i = string_end(s, i + 2, StrKind::Bits, start)?;
            Kind::String(StrKind::Bits)
        } else if matches!(b, b'u' | b'U') && next == Some(b'&') && s.get(i + 2) == Some(&b'\'') {
            i = string_end(s, i + 3, StrKind::Unicode, start)?;
            Kind::String(StrKind::Unicode)
        } else if matches!(b, b'u' | b'U') && next == Some(b'&') && s.get(i + 2) == Some(&b'"') {
            i = quoted_ident_end(s, i + 3, start)?;
            Kind::QuotedIdent
        } else if b == b'"' {
            i = quoted_ident_end(s, i + 1, start)?;
            Kind::QuotedIdent
        } else if b == b'$' && next.is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
            Kind::Param
        } else if b == b'$' {
            match dollar_tag(s, i) {
                Some(tag_end) => {
                    let tag = &s[i..tag_end];
                    match find(&s[tag_end..], tag) {
                        Some(at) => {
                            i = tag_end + at + tag.len();
                            Kind::String(StrKind::Dollar)
                        }
                        None => {
                            return Err(LexError {
                                message: "unterminated dollar-quoted string",
                                offset: start,
                            })
                        }
                    }
                }
                // `$word` without a closing `$`: PostgreSQL returns the `$` alone.
                None => {
                    i += 1;
                    Kind::Punct(b'$')
                }
            }
        } else if is_ident_start(b) {
            while i < s.len() && is_ident_cont(s[i]) {
                i += 1;
            }
            Kind::Word
        } else if b.is_ascii_digit() || (b == b'.' && next.is_some_and(|c| c.is_ascii_digit())) {
            i = number_end(s, i);
            Kind::Number
        } else {
            i += 1;
            Kind::Punct(b)
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    Ok(out)
}

/// The end of a `--` comment: the next `\n` or `\r` (PostgreSQL ends it at either).
fn line_end(s: &[u8], i: usize) -> usize {
    s[i..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map_or(s.len(), |p| i + p)
}

/// The end of the nested block comment that starts at `i` (on `/*`).
fn block_comment_end(s: &[u8], i: usize) -> Result<usize, LexError> {
    let mut depth = 0usize;
    let mut j = i + 2;
    while j < s.len() {
        match s[j] {
            b'/' if s.get(j + 1) == Some(&b'*') => {
                depth += 1;
                j += 2;
            }
            b'*' => {
                // `\*+\/` closes; a run of stars not followed by `/` is comment text.
                while j < s.len() && s[j] == b'*' {
                    j += 1;
                }
                if s.get(j) == Some(&b'/') {
                    j += 1;
                    if depth == 0 {
                        return Ok(j);
                    }
                    depth -= 1;
                }
            }
            _ => j += 1,
        }
    }
    Err(LexError {
        message: "unterminated /* comment",
        offset: i,
    })
}

/// The end of a string constant whose content starts at `i`, including every continuation
/// (another quoted part after whitespace that holds a newline), which PostgreSQL reads in
/// the first part's mode.
fn string_end(s: &[u8], mut i: usize, kind: StrKind, start: usize) -> Result<usize, LexError> {
    let unterminated = LexError {
        message: "unterminated quoted string",
        offset: start,
    };
    loop {
        // The content of one quoted part.
        loop {
            match s.get(i) {
                None => return Err(unterminated),
                Some(b'\\') if kind == StrKind::Escape => {
                    // A backslash escapes the next byte, a quote included.
                    if i + 1 >= s.len() {
                        return Err(unterminated);
                    }
                    i += 2;
                }
                Some(b'\'') => {
                    // Bit strings have no doubled quote: `''` ends them and starts another.
                    if kind != StrKind::Bits && s.get(i + 1) == Some(&b'\'') {
                        i += 2;
                    } else {
                        i += 1;
                        break;
                    }
                }
                Some(_) => i += 1,
            }
        }
        match continuation(s, i) {
            Some(quote) => i = quote + 1,
            None => return Ok(i),
        }
    }
}

/// Where a string continues after its closing quote at `i - 1`: the offset of the next
/// part's opening quote, when `s[i..]` matches scan.l's `{whitespace_with_newline}{quote}`
/// (spaces, tabs, form feeds and `--` comments; a newline; then whitespace and `--`
/// comments that each end with a newline).
fn continuation(s: &[u8], mut i: usize) -> Option<usize> {
    // Horizontal whitespace and comments up to the first newline.
    loop {
        match s.get(i)? {
            b' ' | b'\t' | b'\x0c' => i += 1,
            b'-' if s.get(i + 1) == Some(&b'-') => i = line_end(s, i),
            b'\n' | b'\r' => break,
            _ => return None,
        }
    }
    loop {
        match s.get(i)? {
            c if is_space(*c) => i += 1,
            b'-' if s.get(i + 1) == Some(&b'-') => {
                i = line_end(s, i);
                // Such a comment must be followed by a newline.
                if !matches!(s.get(i), Some(b'\n' | b'\r')) {
                    return None;
                }
            }
            b'\'' => return Some(i),
            _ => return None,
        }
    }
}

/// The end of a quoted identifier whose content starts at `i`.
fn quoted_ident_end(s: &[u8], mut i: usize, start: usize) -> Result<usize, LexError> {
    let content = i;
    loop {
        match s.get(i) {
            None => {
                return Err(LexError {
                    message: "unterminated quoted identifier",
                    offset: start,
                })
            }
            Some(b'"') if s.get(i + 1) == Some(&b'"') => i += 2,
            Some(b'"') => {
                if i == content {
                    return Err(LexError {
                        message: "zero-length delimited identifier",
                        offset: start,
                    });
                }
                return Ok(i + 1);
            }
            Some(_) => i += 1,
        }
    }
}

/// The end of the dollar-quote tag (`$$`, `$tag$`) at `i`, if one starts there.
fn dollar_tag(s: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if s.get(j).is_some_and(|&c| is_ident_start(c)) {
        j += 1;
        while s.get(j).is_some_and(|&c| is_tag_cont(c)) {
            j += 1;
        }
    }
    (s.get(j) == Some(&b'$')).then_some(j + 1)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A number: digits, one `.`, an exponent. What follows is the next token (a letter right
/// after a number is reported by [`crate::sql::fragment`], as PostgreSQL 15 does).
fn number_end(s: &[u8], mut i: usize) -> usize {
    let digits = |s: &[u8], mut i: usize| {
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    i = digits(s, i);
    if s.get(i) == Some(&b'.') && s.get(i + 1) != Some(&b'.') {
        i = digits(s, i + 1);
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if s.get(j).is_some_and(u8::is_ascii_digit) {
            i = digits(s, j);
        }
    }
    i
}

/// The statements of a script, as psql would send them: split at each `;` that is outside
/// strings, comments, quoted identifiers, dollar quotes and parentheses. Each range holds one
/// statement without its `;`; ranges of only spaces and comments are left out. (A function
/// body written as `BEGIN ATOMIC … END` is not recognised; gen never writes one.)
pub fn statements(text: &str) -> Result<Vec<std::ops::Range<usize>>, LexError> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut content = false;
    for t in tokenize(text)? {
        match t.kind {
            Kind::Space | Kind::LineComment | Kind::BlockComment => continue,
            Kind::Punct(b'(' | b'[') => depth += 1,
            Kind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
            Kind::Punct(b';') if depth == 0 => {
                if content {
                    out.push(start..t.start);
                }
                start = t.end;
                content = false;
                continue;
            }
            _ => {}
        }
        if !content {
            start = t.start;
            content = true;
        }
    }
    if content {
        out.push(start..text.trim_end().len().max(start));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(t: &str) -> Vec<(Kind, &str)> {
        tokenize(t)
            .unwrap()
            .into_iter()
            .map(|k| (k.kind, &t[k.start..k.end]))
            .collect()
    }

    fn semicolons(t: &str) -> usize {
        tokenize(t)
            .unwrap()
            .iter()
            .filter(|k| k.kind == Kind::Punct(b';'))
            .count()
    }

    #[test]
    fn line_comments_end_at_carriage_returns() {
        assert_eq!(semicolons("true --\r); DROP TABLE victim; SELECT (1"), 2);
        assert_eq!(semicolons("true -- ; \n"), 0);
    }

    #[test]
    fn block_comments_nest() {
        let t = "true /* /* */* */); DROP TABLE victim; SELECT (1 -- */\nIS NOT NULL";
        assert_eq!(semicolons(t), 2);
        assert_eq!(
            kinds("/* a /* b */ c */x"),
            vec![(Kind::BlockComment, "/* a /* b */ c */"), (Kind::Word, "x")]
        );
        assert_eq!(
            kinds("/**/x"),
            vec![(Kind::BlockComment, "/**/"), (Kind::Word, "x")]
        );
        assert!(tokenize("/* /* */").is_err());
        // Comments start inside operator runs too.
        assert_eq!(semicolons("1 +-- ;\n"), 0);
        assert_eq!(semicolons("1 */* ; */"), 0);
    }

    #[test]
    fn strings() {
        assert_eq!(semicolons("'a;b' || 'it''s;'"), 0);
        assert_eq!(semicolons("E'\\'; x'"), 0);
        assert_eq!(semicolons("'\\'; x"), 1);
        assert_eq!(semicolons("$$;$$ || $a$ $$ ; $a$"), 0);
        assert_eq!(semicolons("$a$ $b$ ; $a$"), 0);
        assert_eq!(semicolons("B'01'';'"), 0);
        assert!(tokenize("'abc").is_err());
        assert!(tokenize("E'abc\\'").is_err());
        assert!(tokenize("$x$ abc").is_err());
        // An identifier may contain `$`; a tag may not.
        assert_eq!(
            kinds("a$$b"),
            vec![(Kind::Word, "a$$b")],
            "identifiers keep their dollars"
        );
        assert_eq!(kinds("$1")[0].0, Kind::Param);
        assert_eq!(kinds("$x;")[0], (Kind::Punct(b'$'), "$"));
    }

    #[test]
    fn continued_strings_keep_the_first_parts_mode() {
        // E'…' continued after a newline: the second part is read with escapes, so `\'`
        // does not end it.
        let t = "E'x'\n'\\'; DROP TABLE victim; --'";
        assert_eq!(kinds(t), vec![(Kind::String(StrKind::Escape), t)]);
        let t = "'x' -- c\n  -- d\n'y'";
        assert_eq!(kinds(t), vec![(Kind::String(StrKind::Plain), t)]);
        // Without a newline, or across a block comment, there is no continuation.
        assert_eq!(kinds("'x' 'y'").len(), 3);
        assert_eq!(kinds("'x'/*\n*/'y'").len(), 3);
    }

    #[test]
    fn quoted_identifiers() {
        assert_eq!(semicolons("\"a;\"\"b\""), 0);
        assert!(tokenize("\"\"").is_err());
        assert!(tokenize("\"abc").is_err());
        assert_eq!(kinds("U&\"a\"")[0].0, Kind::QuotedIdent);
    }

    #[test]
    fn non_ascii_is_part_of_words() {
        assert_eq!(
            kinds("true\u{a0}OR x"),
            vec![
                (Kind::Word, "true\u{a0}OR"),
                (Kind::Space, " "),
                (Kind::Word, "x")
            ]
        );
    }

    #[test]
    fn statements_split_where_psql_would() {
        let text =
            "-- head\nBEGIN;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
                    SELECT ';', \"a;b\", (SELECT 1; ) /* ; */;\n;  ;\nCOMMIT";
        let parts: Vec<&str> = statements(text)
            .expect("lexes")
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(
            parts,
            vec![
                "BEGIN",
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                "SELECT ';', \"a;b\", (SELECT 1; ) /* ; */",
                "COMMIT"
            ]
        );
        assert!(statements("SELECT 'x").is_err());
        assert!(statements(" -- only a comment\n")
            .expect("lexes")
            .is_empty());
    }
}
