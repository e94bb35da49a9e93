//! Quoting: the one way names and texts become SQL.
//!
//! Every identifier and string literal schemac writes goes through here, so that no name,
//! label or comment can end its statement: identifiers are double-quoted unless PostgreSQL
//! would read them bare exactly as written, and string literals are written so that they
//! mean the same whether `standard_conforming_strings` is on or off.

/// PostgreSQL keywords that cannot be used as bare identifiers everywhere (reserved,
/// type/function-name and column-name keywords). Quoting them is always safe. Sorted, for
/// binary search (a test checks it): every rendered identifier is looked up here.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_object",
    "json_objectagg",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Whether `s` is one of the keywords [`quote_ident`] always quotes. A large migration
/// quotes hundreds of thousands of names, nearly none of them keywords: the keywords sharing `s`'s first letter (a
/// contiguous run of the sorted list, found once) are compared by length before bytes, so
/// most names are settled without comparing strings.
pub fn is_keyword(s: &str) -> bool {
    static RUNS: std::sync::OnceLock<[(usize, usize); 26]> = std::sync::OnceLock::new();
    let runs = RUNS.get_or_init(|| {
        let mut runs = [(0, 0); 26];
        for (l, run) in runs.iter_mut().enumerate() {
            let letter = b'a' + l as u8;
            let start = KEYWORDS.partition_point(|k| k.as_bytes()[0] < letter);
            let end = KEYWORDS.partition_point(|k| k.as_bytes()[0] <= letter);
            *run = (start, end);
        }
        runs
    });
    match s.as_bytes().first() {
        Some(c @ b'a'..=b'z') => {
            let (start, end) = runs[usize::from(c - b'a')];
            KEYWORDS[start..end]
                .iter()
                .any(|k| k.len() == s.len() && *k == s)
        }
        _ => false,
    }
}

/// Quotes an identifier when PostgreSQL needs it: anything but lower-case ASCII letters,
/// digits and `_` (not first), or a keyword. Inner double quotes are doubled. A `$` is
/// quoted too, as PostgreSQL's own `quote_ident` does: bare, `a$schemac$b` would close a
/// dollar-quoted block around it.
pub fn quote_ident(s: &str) -> String {
    let simple = !s.is_empty()
        && s.bytes()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == b'_')
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
    if simple && !is_keyword(s) {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// A role as GRANT, REVOKE and CREATE POLICY take it: `public` is the keyword `PUBLIC`,
/// any other role an identifier.
pub fn quote_role(r: &str) -> String {
    if r == "public" {
        "PUBLIC".to_string()
    } else {
        quote_ident(r)
    }
}

/// Quotes a string literal: `'it''s'`; a text holding a backslash as `E'a\\b'`, so that it
/// reads the same whether `standard_conforming_strings` is on or off.
pub fn quote_literal(s: &str) -> String {
    crate::sql::fragment::escape_string(s)
}

/// A dollar-quote tag (`$schemac$`, `$schemac1$`, …) that occurs in none of `texts`, so a
/// block quoted with it cannot be closed by what it holds. The texts are what is pasted
/// into the block; quoting adds no `$`, so a tag absent from them is absent from the block.
pub fn dollar_tag<'a>(base: &str, texts: impl IntoIterator<Item = &'a str> + Clone) -> String {
    let mut tag = format!("${base}$");
    let mut n = 0u32;
    while texts
        .clone()
        .into_iter()
        .any(|t| t.contains(&tag[..tag.len() - 1]))
    {
        n += 1;
        tag = format!("${base}{n}$");
    }
    tag
}

/// `s` made safe to follow `--` in a comment line: a line break (PostgreSQL and psql end a
/// `--` comment at `\n` and at `\r`) or any other control character is written as an escape
/// (`\n`, `\u{1b}`), so a name or file name cannot turn the rest of its line into SQL.
pub fn comment_text(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        assert!(super::KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        for k in super::KEYWORDS {
            assert!(super::is_keyword(k), "{k}");
            assert!(!super::is_keyword(&format!("{k}x")), "{k}x");
            assert!(
                !super::is_keyword(&k[..k.len() - 1])
                    || super::KEYWORDS.contains(&&k[..k.len() - 1])
            );
        }
        assert!(!super::is_keyword("") && !super::is_keyword("_x") && !super::is_keyword("zz"));
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("goals"), "goals");
        assert_eq!(quote_ident("Order"), "\"Order\"");
        assert_eq!(quote_ident("user name"), "\"user name\"");
        assert_eq!(quote_ident("select"), "\"select\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_ident("a$b"), "\"a$b\"");
        assert_eq!(quote_literal("a\\'b"), "E'a\\\\''b'");
    }

    #[test]
    fn comment_text_stays_on_its_line() {
        assert_eq!(comment_text("a.yaml"), "a.yaml");
        assert_eq!(
            comment_text("x\nDROP TABLE v;\r\u{1b}"),
            "x\\nDROP TABLE v;\\r\\u{1b}"
        );
    }

    #[test]
    fn dollar_tags_avoid_the_content() {
        assert_eq!(dollar_tag("schemac", ["x"]), "$schemac$");
        assert_eq!(dollar_tag("schemac", ["x $schemac$ y"]), "$schemac1$");
        // A prefix of the tag at the end of a text could meet the tag's `$`: avoided too.
        assert_eq!(dollar_tag("schemac", ["x", "$schemac"]), "$schemac1$");
        assert_eq!(
            dollar_tag("schemac", ["$schemac$", "$schemac1$"]),
            "$schemac2$"
        );
    }
}
