//! Column and argument types as values, not strings.
//!
//! Users write `int`, `int4` or `integer`, `timestamptz` or `timestamp with time zone`;
//! PostgreSQL stores one canonical spelling (what `format_type` prints). Parsing every type
//! into [`SqlType`] with that canonical name makes FK type comparisons exact, lets checks tell
//! an unknown type from a typo, and gives gen and diff a single spelling to emit and compare.

use super::names::{quote_ident, QualName};
use std::borrow::Cow;
use std::fmt;

/// A parsed type: a base, its modifiers (`255`, `5,2`) and array dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SqlType {
    pub base: BaseType,
    pub mods: Vec<String>,
    pub array_dims: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BaseType {
    /// A built-in type by its canonical name (`integer`, `timestamp with time zone`).
    Builtin(&'static str),
    /// Anything else: an enum, a domain, an extension's type (`vector`), an external type.
    Named(QualName),
}

/// Aliases and canonical names of PostgreSQL's built-in types, as `format_type` prints them.
/// `serial` types are not real types, but PostgreSQL accepts them in CREATE TABLE.
const BUILTINS: &[(&str, &str)] = &[
    ("smallint", "smallint"),
    ("int2", "smallint"),
    ("integer", "integer"),
    ("int", "integer"),
    ("int4", "integer"),
    ("bigint", "bigint"),
    ("int8", "bigint"),
    ("smallserial", "smallserial"),
    ("serial2", "smallserial"),
    ("serial", "serial"),
    ("serial4", "serial"),
    ("bigserial", "bigserial"),
    ("serial8", "bigserial"),
    ("numeric", "numeric"),
    ("decimal", "numeric"),
    ("real", "real"),
    ("float4", "real"),
    ("double precision", "double precision"),
    ("float8", "double precision"),
    ("float", "double precision"),
    ("money", "money"),
    ("text", "text"),
    ("character varying", "character varying"),
    ("varchar", "character varying"),
    ("character", "character"),
    ("char", "character"),
    ("bpchar", "character"),
    ("name", "name"),
    ("citext", "citext"),
    ("uuid", "uuid"),
    ("boolean", "boolean"),
    ("bool", "boolean"),
    ("bytea", "bytea"),
    ("date", "date"),
    ("time", "time without time zone"),
    ("time without time zone", "time without time zone"),
    ("time with time zone", "time with time zone"),
    ("timetz", "time with time zone"),
    ("timestamp", "timestamp without time zone"),
    ("timestamp without time zone", "timestamp without time zone"),
    ("timestamp with time zone", "timestamp with time zone"),
    ("timestamptz", "timestamp with time zone"),
    ("interval", "interval"),
    ("json", "json"),
    ("jsonb", "jsonb"),
    ("jsonpath", "jsonpath"),
    ("xml", "xml"),
    ("inet", "inet"),
    ("cidr", "cidr"),
    ("macaddr", "macaddr"),
    ("macaddr8", "macaddr8"),
    ("bit", "bit"),
    ("bit varying", "bit varying"),
    ("varbit", "bit varying"),
    ("tsvector", "tsvector"),
    ("tsquery", "tsquery"),
    ("point", "point"),
    ("line", "line"),
    ("lseg", "lseg"),
    ("box", "box"),
    ("path", "path"),
    ("polygon", "polygon"),
    ("circle", "circle"),
    ("oid", "oid"),
    ("regclass", "regclass"),
    ("regtype", "regtype"),
    ("regproc", "regproc"),
    ("regprocedure", "regprocedure"),
    ("regnamespace", "regnamespace"),
    ("regrole", "regrole"),
    ("pg_lsn", "pg_lsn"),
    ("pg_snapshot", "pg_snapshot"),
    ("int4range", "int4range"),
    ("int8range", "int8range"),
    ("numrange", "numrange"),
    ("tsrange", "tsrange"),
    ("tstzrange", "tstzrange"),
    ("daterange", "daterange"),
    ("int4multirange", "int4multirange"),
    ("int8multirange", "int8multirange"),
    ("nummultirange", "nummultirange"),
    ("tsmultirange", "tsmultirange"),
    ("tstzmultirange", "tstzmultirange"),
    ("datemultirange", "datemultirange"),
];

/// Pseudo-types allowed for function arguments and results, never for columns.
pub const PSEUDO: &[&str] = &[
    "trigger",
    "void",
    "record",
    "anyelement",
    "anyarray",
    "anynonarray",
    "anyenum",
    "anyrange",
    "anycompatible",
    "anycompatiblearray",
    "event_trigger",
    "internal",
    "cstring",
];

/// Types that come with an extension: (extension, type names).
pub const EXTENSION_TYPES: &[(&str, &[&str])] = &[
    ("vector", &["vector", "halfvec", "sparsevec"]),
    ("citext", &["citext"]),
    ("hstore", &["hstore"]),
    ("ltree", &["ltree", "lquery", "ltxtquery"]),
    ("postgis", &["geometry", "geography", "box2d", "box3d"]),
    ("cube", &["cube"]),
    ("seg", &["seg"]),
    (
        "isn",
        &[
            "isbn", "isbn13", "issn", "issn13", "ean13", "upc", "ismn", "ismn13",
        ],
    ),
];

/// Every spelling the format accepts for built-in types.
pub fn builtin_spellings() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|(a, _)| *a)
}

/// Why a type string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String, bool),
    Open,
    Close,
    Comma,
    LBracket,
    RBracket,
    Number(String),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, TypeError> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '[' => {
                out.push(Tok::LBracket);
                i += 1
            }
            ']' => {
                out.push(Tok::RBracket);
                i += 1
            }
            '"' => {
                let mut w = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(TypeError("unterminated quoted identifier".into())),
                        Some('"') if chars.get(i + 1) == Some(&'"') => {
                            w.push('"');
                            i += 2;
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            w.push(*c);
                            i += 1
                        }
                    }
                }
                // A quoted part may be followed by `.name`.
                out.push(Tok::Word(w, true));
            }
            '.' => {
                // Qualified names are joined to the previous word with a NUL separator.
                match out.last_mut() {
                    Some(Tok::Word(w, _)) => {
                        w.push('\u{0}');
                        i += 1;
                        continue_word(&chars, &mut i, w)?;
                    }
                    _ => return Err(TypeError("unexpected `.`".into())),
                }
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(Tok::Number(chars[start..i].iter().collect()));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
                {
                    i += 1;
                }
                let w: String = chars[start..i].iter().collect();
                out.push(Tok::Word(w.to_lowercase(), false));
            }
            other => return Err(TypeError(format!("unexpected character `{other}`"))),
        }
    }
    Ok(out)
}

fn continue_word(chars: &[char], i: &mut usize, w: &mut String) -> Result<(), TypeError> {
    if chars.get(*i) == Some(&'"') {
        *i += 1;
        loop {
            match chars.get(*i) {
                None => return Err(TypeError("unterminated quoted identifier".into())),
                Some('"') if chars.get(*i + 1) == Some(&'"') => {
                    w.push('"');
                    *i += 2;
                }
                Some('"') => {
                    *i += 1;
                    return Ok(());
                }
                Some(c) => {
                    w.push(*c);
                    *i += 1;
                }
            }
        }
    }
    let start = *i;
    while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_') {
        *i += 1;
    }
    if start == *i {
        return Err(TypeError("expected a name after `.`".into()));
    }
    w.push_str(&chars[start..*i].iter().collect::<String>().to_lowercase());
    Ok(())
}

impl SqlType {
    /// `serial`, `bigserial` or `smallserial` (not an array of them): a column whose default
    /// PostgreSQL manages, drawn from a sequence it creates.
    pub fn is_serial(&self) -> bool {
        self.array_dims == 0
            && matches!(
                self.base,
                BaseType::Builtin("serial" | "bigserial" | "smallserial")
            )
    }

    /// Parses a type as written in YAML (`varchar(255)`, `timestamptz`, `text[]`,
    /// `public.goal_status`, `"My Type"`).
    pub fn parse(s: &str) -> Result<SqlType, TypeError> {
        // Most columns are a built-in type written as one plain word (`uuid`, `text`,
        // `timestamptz`): found directly, without tokenizing.
        if !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            if let Some((_, canon)) = BUILTINS.iter().find(|(alias, _)| *alias == s) {
                return Ok(SqlType {
                    base: BaseType::Builtin(canon),
                    mods: Vec::new(),
                    array_dims: 0,
                });
            }
        }
        let toks = tokenize(s)?;
        if toks.is_empty() {
            return Err(TypeError("empty type".into()));
        }
        let mut i = 0;
        let mut words: Vec<(String, bool)> = Vec::new();
        let mut mods = Vec::new();
        let mut array_dims = 0u8;
        while let Some(Tok::Word(w, q)) = toks.get(i) {
            words.push((w.clone(), *q));
            i += 1;
        }
        if words.is_empty() {
            return Err(TypeError("expected a type name".into()));
        }
        if toks.get(i) == Some(&Tok::Open) {
            i += 1;
            loop {
                match toks.get(i) {
                    Some(Tok::Number(n)) => mods.push(n.clone()),
                    Some(Tok::Word(w, _)) => mods.push(w.clone()),
                    _ => return Err(TypeError("expected a number inside `( )`".into())),
                }
                i += 1;
                match toks.get(i) {
                    Some(Tok::Comma) => i += 1,
                    Some(Tok::Close) => {
                        i += 1;
                        break;
                    }
                    _ => return Err(TypeError("expected `,` or `)`".into())),
                }
            }
            // `timestamp(3) with time zone`
            while let Some(Tok::Word(w, q)) = toks.get(i) {
                words.push((w.clone(), *q));
                i += 1;
            }
        }
        while toks.get(i) == Some(&Tok::LBracket) {
            i += 1;
            if let Some(Tok::Number(_)) = toks.get(i) {
                i += 1;
            }
            if toks.get(i) != Some(&Tok::RBracket) {
                return Err(TypeError("expected `]`".into()));
            }
            i += 1;
            array_dims += 1;
        }
        if i != toks.len() {
            return Err(TypeError("unexpected text after the type".into()));
        }
        // SQL-standard `integer ARRAY` / `integer ARRAY[3]`.
        if words.len() > 1 && words.last().is_some_and(|(w, q)| !*q && w == "array") {
            words.pop();
            array_dims += 1;
        }
        let quoted = words.iter().any(|(_, q)| *q);
        let joined = words
            .iter()
            .map(|(w, _)| w.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let base = if !quoted && !joined.contains('\u{0}') {
            match BUILTINS.iter().find(|(alias, _)| *alias == joined) {
                Some((_, canon)) => BaseType::Builtin(canon),
                None if words.len() == 1 => BaseType::Named(QualName::new("public", &joined)),
                None => return Err(TypeError(format!("`{joined}` is not a type name"))),
            }
        } else {
            if words.len() != 1 {
                return Err(TypeError(format!("`{}` is not a type name", s.trim())));
            }
            let w = &words[0].0;
            match w.split_once('\u{0}') {
                Some((schema, name)) => BaseType::Named(QualName::new(schema, name)),
                None => BaseType::Named(QualName::new("public", w)),
            }
        };
        // PostgreSQL stores numeric(p) as numeric(p,0).
        if base == BaseType::Builtin("numeric") && mods.len() == 1 {
            mods.push("0".to_string());
        }
        Ok(SqlType {
            base,
            mods,
            array_dims,
        })
    }

    /// The type with arrays and modifiers removed: what an FK comparison looks at. Borrowed
    /// for built-in types, which is what almost every foreign key compares.
    pub fn family(&self) -> Cow<'static, str> {
        match &self.base {
            BaseType::Builtin(b) => Cow::Borrowed(match *b {
                "serial" => "integer",
                "bigserial" => "bigint",
                "smallserial" => "smallint",
                other => other,
            }),
            BaseType::Named(q) => Cow::Owned(q.to_string()),
        }
    }

    /// Whether a foreign key between columns of these two types is accepted by PostgreSQL
    /// (same type, or types of one category with a cross-type equality operator).
    pub fn fk_compatible(&self, other: &SqlType) -> bool {
        if self.array_dims != other.array_dims {
            return false;
        }
        let (a, b) = (self.family(), other.family());
        if a == b {
            return true;
        }
        let group = |t: &str| match t {
            "smallint" | "integer" | "bigint" => 1,
            "text" | "character varying" | "character" => 2,
            "timestamp with time zone" | "timestamp without time zone" | "date" => 3,
            "real" | "double precision" => 4,
            _ => 0,
        };
        group(&a) != 0 && group(&a) == group(&b)
    }

    /// The unqualified base name, for matching against enums and extension types.
    pub fn base_name(&self) -> &str {
        match &self.base {
            BaseType::Builtin(b) => b,
            BaseType::Named(q) => &q.name,
        }
    }
}

/// A function's result, as written after `RETURNS`: `[SETOF] type` or `TABLE (name type, …)`.
/// Parsed, never pasted: [`Returns::parse`] accepts only words, quoted names, numbers and
/// the punctuation of a type (`(`, `)`, `,`, `.`, `[`, `]`), and each type must be one
/// [`SqlType::parse`] reads (or a pseudo-type such as `trigger`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returns {
    /// `[SETOF] type`, with the type in its normalised written form.
    Type { setof: bool, ty: String },
    /// `TABLE (name type, …)`: each column's name and type.
    Table(Vec<(String, String)>),
}

impl Returns {
    /// Parses what a function `returns`.
    pub fn parse(text: &str) -> Result<Returns, TypeError> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("setof") {
            if rest.starts_with(char::is_whitespace) {
                return Ok(Returns::Type {
                    setof: true,
                    ty: type_text(&t[t.len() - rest.len()..])?,
                });
            }
        }
        if let Some(rest) = lower.strip_prefix("table") {
            if rest.trim_start().starts_with('(') {
                let inner = t[t.len() - rest.len()..].trim_start();
                let inner = inner
                    .strip_prefix('(')
                    .and_then(|i| i.strip_suffix(')'))
                    .ok_or_else(|| TypeError("expected `TABLE (name type, …)`".into()))?;
                let mut cols = Vec::new();
                for item in split_top_level(inner)? {
                    let item = item.trim();
                    let toks = crate::sql::lexer::tokenize(item)
                        .map_err(|e| TypeError(e.message.to_string()))?;
                    let name = toks.first().ok_or_else(|| {
                        TypeError("expected a column name and type in `TABLE (…)`".into())
                    })?;
                    let name_text = &item[name.start..name.end];
                    let name = match name.kind {
                        crate::sql::lexer::Kind::Word => name_text.to_lowercase(),
                        crate::sql::lexer::Kind::QuotedIdent if name_text.starts_with('"') => {
                            name_text[1..name_text.len() - 1].replace("\"\"", "\"")
                        }
                        _ => return Err(TypeError(format!("`{name_text}` is not a column name"))),
                    };
                    let ty = item[toks[0].end..].trim();
                    if ty.is_empty() {
                        return Err(TypeError(format!("column `{name}` has no type")));
                    }
                    cols.push((name, type_text(ty)?));
                }
                if cols.is_empty() {
                    return Err(TypeError("`TABLE ()` needs at least one column".into()));
                }
                return Ok(Returns::Table(cols));
            }
        }
        Ok(Returns::Type {
            setof: false,
            ty: type_text(t)?,
        })
    }
}

impl fmt::Display for Returns {
    /// The SQL after `RETURNS`.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Returns::Type { setof, ty } => {
                if *setof {
                    f.write_str("SETOF ")?;
                }
                f.write_str(ty)
            }
            Returns::Table(cols) => {
                f.write_str("TABLE(")?;
                for (i, (name, ty)) in cols.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} {ty}", quote_ident(name))?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Splits `a int, b numeric(5,2)` at the commas outside parentheses and quotes.
pub fn split_top_level(s: &str) -> Result<Vec<&str>, TypeError> {
    use crate::sql::lexer::{tokenize, Kind};
    let toks = tokenize(s).map_err(|e| TypeError(e.message.to_string()))?;
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for t in toks {
        match t.kind {
            Kind::Punct(b'(') => depth += 1,
            Kind::Punct(b')') => depth -= 1,
            Kind::Punct(b',') if depth == 0 => {
                parts.push(&s[start..t.start]);
                start = t.end;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    Ok(parts)
}

/// A type as written, checked: only the tokens a type can hold, read by [`SqlType::parse`]
/// (or a pseudo-type); returned with its whitespace collapsed.
fn type_text(t: &str) -> Result<String, TypeError> {
    use crate::sql::lexer::{tokenize, Kind};
    let t = t.trim();
    let toks = tokenize(t).map_err(|e| TypeError(e.message.to_string()))?;
    let mut out = String::with_capacity(t.len());
    for tok in &toks {
        let part = &t[tok.start..tok.end];
        match tok.kind {
            Kind::Space => out.push(' '),
            Kind::Word | Kind::QuotedIdent | Kind::Number => out.push_str(part),
            Kind::Punct(b'(' | b')' | b',' | b'.' | b'[' | b']') => out.push_str(part),
            _ => return Err(TypeError(format!("`{part}` cannot be part of a type"))),
        }
    }
    if PSEUDO.contains(&out.to_ascii_lowercase().as_str()) {
        return Ok(out.to_ascii_lowercase());
    }
    SqlType::parse(&out)?;
    Ok(out)
}

impl fmt::Display for SqlType {
    /// The canonical spelling, as `format_type` prints it (schema-qualified for named types).
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let mods = if self.mods.is_empty() {
            String::new()
        } else {
            format!("({})", self.mods.join(","))
        };
        match &self.base {
            BaseType::Builtin(b) => match b.split_once(' ') {
                Some((head @ ("timestamp" | "time"), tail)) if !mods.is_empty() => {
                    write!(f, "{head}{mods} {tail}")?
                }
                _ => write!(f, "{b}{mods}")?,
            },
            BaseType::Named(q) if q.schema.is_empty() => {
                write!(f, "{}{mods}", quote_ident(&q.name))?
            }
            BaseType::Named(q) => write!(
                f,
                "{}.{}{mods}",
                quote_ident(&q.schema),
                quote_ident(&q.name)
            )?,
        }
        for _ in 0..self.array_dims {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod returns_tests {
    use super::*;

    #[test]
    fn returns_are_parsed_not_pasted() {
        let ok = |t: &str| Returns::parse(t).unwrap().to_string();
        assert_eq!(ok("trigger"), "trigger");
        assert_eq!(ok("SETOF goals"), "SETOF goals");
        assert_eq!(ok("setof  public.goals"), "SETOF public.goals");
        assert_eq!(ok("numeric(10, 2)"), "numeric(10, 2)");
        assert_eq!(ok("text[]"), "text[]");
        assert_eq!(
            ok("table(id uuid, \"Name\" text, total numeric(5,2))"),
            "TABLE(id uuid, \"Name\" text, total numeric(5,2))"
        );
        for bad in [
            "int LANGUAGE sql AS $x$ SELECT 1 $x$; DROP TABLE victim; CREATE FUNCTION zz() RETURNS int",
            "int LANGUAGE sql IMMUTABLE",
            "int; DROP TABLE x",
            "text -- x",
            "table(id uuid) ; x",
            "table()",
            "'int'",
            "",
        ] {
            assert!(Returns::parse(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        SqlType::parse(s).unwrap().to_string()
    }

    #[test]
    fn aliases_become_canonical() {
        assert_eq!(canon("int"), "integer");
        assert_eq!(canon("INT4"), "integer");
        assert_eq!(canon("timestamptz"), "timestamp with time zone");
        assert_eq!(
            canon("TIMESTAMP WITH TIME ZONE"),
            "timestamp with time zone"
        );
        assert_eq!(
            canon("timestamp(3) with time zone"),
            "timestamp(3) with time zone"
        );
        assert_eq!(canon("varchar(255)"), "character varying(255)");
        assert_eq!(canon("numeric(5, 2)"), "numeric(5,2)");
        assert_eq!(canon("text[]"), "text[]");
        assert_eq!(canon("int[][]"), "integer[][]");
        assert_eq!(canon("integer array"), "integer[]");
        assert_eq!(canon("decimal(5)"), "numeric(5,0)");
        assert_eq!(canon("goal_status"), "public.goal_status");
        assert_eq!(canon("app.\"My Type\""), "app.\"My Type\"");
        assert_eq!(canon("vector(1536)"), "public.vector(1536)");
    }

    /// The one-word shortcut gives what the tokenizer gives (a leading space takes the
    /// tokenizer's path).
    #[test]
    fn one_word_shortcut_agrees_with_the_tokenizer() {
        for (alias, _) in BUILTINS {
            if !alias.contains(' ') {
                assert_eq!(
                    SqlType::parse(alias).unwrap(),
                    SqlType::parse(&format!(" {alias}")).unwrap(),
                    "{alias}"
                );
            }
        }
        for other in ["goal_status", "vector", "array", "int4x", "_t", "t1"] {
            assert_eq!(
                SqlType::parse(other).map(|t| t.to_string()),
                SqlType::parse(&format!(" {other}")).map(|t| t.to_string()),
                "{other}"
            );
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "",
            "varchar((",
            "text; drop table x",
            "double trouble",
            "int)",
            "text[",
            "a..b",
        ] {
            assert!(SqlType::parse(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn fk_compatibility() {
        let t = |s| SqlType::parse(s).unwrap();
        assert!(t("uuid").fk_compatible(&t("uuid")));
        assert!(!t("text").fk_compatible(&t("uuid")));
        assert!(t("serial").fk_compatible(&t("int")));
        assert!(t("varchar(10)").fk_compatible(&t("text")));
    }
}
