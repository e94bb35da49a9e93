//! A small YAML writer: the files `schemac import` writes, byte for byte the same each run.
//!
//! serde_yaml's serializer picks its own layout (no flow mappings for columns, its own
//! choice of quotes) and would make every imported project look machine-made. The format
//! is read back by schemac's own loader, and every name comes from a database that may hold
//! anything (`"a: b"`, `#x`, a newline, a leading space, `yes`, `1e3`), so quoting is decided
//! here, for each scalar and each context (block or flow), by one rule: a scalar is written
//! plain only when YAML reads it back as that very string; otherwise it is double-quoted
//! with escapes, which can say anything. Multi-line texts (function bodies, view queries) are
//! literal blocks (`|`) when a block can hold them exactly.

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A string, quoted when it needs to be.
    Str(String),
    /// A boolean or a number, written as is.
    Raw(String),
    /// A mapping, one key per line.
    Map(Vec<(String, Node)>),
    /// A sequence, one item per line.
    Seq(Vec<Node>),
    /// A mapping on one line: `{ a: 1, b: 2 }`.
    FlowMap(Vec<(String, Node)>),
    /// A sequence on one line: `[a, b]`.
    FlowSeq(Vec<Node>),
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    /// A value the loader reads as text whatever its YAML type (a storage parameter, a
    /// `set:` value): an integer or a boolean written bare (`70`, `true`) when the loader
    /// gives that exact text back, anything else as a string.
    pub fn scalar_text(s: impl Into<String>) -> Node {
        let s = s.into();
        let integer = !s.is_empty()
            && s.len() <= 18
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" || !s.starts_with('0'));
        if integer || s == "true" || s == "false" {
            Node::Raw(s)
        } else {
            Node::Str(s)
        }
    }

    pub fn bool(b: bool) -> Node {
        Node::Raw(if b { "true" } else { "false" }.into())
    }

    /// A flow sequence of strings.
    pub fn list<I, S>(items: I) -> Node
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Node::FlowSeq(items.into_iter().map(|s| Node::Str(s.into())).collect())
    }

    fn is_empty_collection(&self) -> bool {
        match self {
            Node::Map(m) | Node::FlowMap(m) => m.is_empty(),
            Node::Seq(s) | Node::FlowSeq(s) => s.is_empty(),
            _ => false,
        }
    }
}

/// Writes a document: a top-level mapping, after `header` comment lines.
pub fn document(header: &[&str], entries: &[(String, Node)]) -> String {
    let mut out = String::new();
    for line in header {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    write_map(&mut out, entries, 0);
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn write_map(out: &mut String, entries: &[(String, Node)], level: usize) {
    // Keys of one mapping are padded to a common width when their values are flow maps
    // (columns), so the column definitions line up as people write them.
    let pad = entries
        .iter()
        .filter(|(_, v)| matches!(v, Node::FlowMap(_) | Node::Str(_) | Node::Raw(_)))
        .map(|(k, _)| key(k, false).chars().count())
        .max()
        .unwrap_or(0);
    let align = entries.iter().any(|(_, v)| matches!(v, Node::FlowMap(_)));
    for (k, v) in entries {
        indent(out, level);
        let key_text = key(k, false);
        out.push_str(&key_text);
        out.push(':');
        match v {
            Node::Map(m) if !m.is_empty() => {
                out.push('\n');
                write_map(out, m, level + 2);
            }
            Node::Seq(s) if !s.is_empty() => {
                out.push('\n');
                write_seq(out, s, level + 2);
            }
            _ => {
                if align && !v.is_empty_collection() {
                    indent(out, pad.saturating_sub(key_text.chars().count()));
                }
                out.push(' ');
                write_inline(out, v, level);
                out.push('\n');
            }
        }
    }
}

fn write_seq(out: &mut String, items: &[Node], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Node::Map(m) if !m.is_empty() => {
                // The first key on the dash's line, the rest below it.
                out.push(' ');
                let mut inner = String::new();
                write_map(&mut inner, m, level + 2);
                out.push_str(inner.trim_start_matches(' '));
            }
            Node::Seq(s) if !s.is_empty() => {
                out.push('\n');
                write_seq(out, s, level + 2);
            }
            _ => {
                out.push(' ');
                write_inline(out, item, level);
                out.push('\n');
            }
        }
    }
}

/// A value after `key: ` or `- `: a scalar, a flow collection, or a literal block.
fn write_inline(out: &mut String, v: &Node, level: usize) {
    match v {
        Node::Str(s) => {
            if let Some(block) = literal_block(s, level + 2) {
                out.push_str(&block);
            } else {
                out.push_str(&scalar(s, false));
            }
        }
        Node::Raw(r) => out.push_str(r),
        Node::Map(m) | Node::FlowMap(m) => write_flow_map(out, m),
        Node::Seq(s) | Node::FlowSeq(s) => write_flow_seq(out, s),
    }
}

fn write_flow(out: &mut String, v: &Node) {
    match v {
        Node::Str(s) => out.push_str(&scalar(s, true)),
        Node::Raw(r) => out.push_str(r),
        Node::Map(m) | Node::FlowMap(m) => write_flow_map(out, m),
        Node::Seq(s) | Node::FlowSeq(s) => write_flow_seq(out, s),
    }
}

fn write_flow_map(out: &mut String, m: &[(String, Node)]) {
    if m.is_empty() {
        out.push_str("{}");
        return;
    }
    out.push_str("{ ");
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&key(k, true));
        out.push_str(": ");
        write_flow(out, v);
    }
    out.push_str(" }");
}

fn write_flow_seq(out: &mut String, s: &[Node]) {
    out.push('[');
    for (i, v) in s.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_flow(out, v);
    }
    out.push(']');
}

/// A mapping key: like a scalar, and never one YAML reads as something else (`<<`, `?`).
fn key(k: &str, flow: bool) -> String {
    scalar(k, flow)
}

/// `s` as a YAML scalar in block (`flow` false) or flow context: plain when YAML reads it
/// back as this string, else double-quoted.
pub fn scalar(s: &str, flow: bool) -> String {
    if plain_ok(s, flow) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// Whether `s` may be written without quotes and still be read as exactly this string.
fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with(' ') || s.ends_with(' ') || looks_typed(s) {
        return false;
    }
    // Indicators that start something else at the beginning of a scalar, and what starts a
    // number; a size such as `5MB` (a letter no number holds) may start with a digit.
    if "-?:,[]{}#&*!|>'\"%@`=<~+.".contains(first) {
        return false;
    }
    if first.is_ascii_digit()
        && !(s.bytes().all(|b| b.is_ascii_alphanumeric())
            && s.bytes()
                .any(|b| b.is_ascii_alphabetic() && !b"abcdefoxABCDEFOX".contains(&b)))
    {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains(":\t") {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}', ':']) {
        return false;
    }
    // Only printable characters without tabs or line breaks; no byte-order mark, no
    // Unicode line separators (YAML 1.1 readers break lines there).
    s.chars().all(|c| {
        !c.is_control()
            && c != '\u{feff}'
            && c != '\u{2028}'
            && c != '\u{2029}'
            && c != '\u{85}'
            && c != '\u{a0}'
    })
}

/// Whether a plain scalar would be read as a boolean or null (YAML 1.2's core schema, which
/// schemac's loader and serde_yaml follow: `on` and `yes` are strings there, as the
/// format's own `on:` key relies on). Numbers are excluded by their first character.
fn looks_typed(s: &str) -> bool {
    const WORDS: &[&str] = &["true", "false", "null", "~"];
    let lower = s.to_ascii_lowercase();
    WORDS.contains(&lower.as_str())
}

/// `"…"` with YAML's escapes: anything can be said this way.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control()
                || c == '\u{feff}'
                || c == '\u{2028}'
                || c == '\u{2029}'
                || c == '\u{a0}' =>
            {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A multi-line text as a literal block indented to `level`, when a block reads back as
/// exactly `s`: printable characters only, no tab or space at the start of a line where
/// YAML would take it for indentation it cannot tell apart, no carriage return.
fn literal_block(s: &str, level: usize) -> Option<String> {
    if !s.contains('\n') {
        return None;
    }
    let body = s.trim_end_matches('\n');
    if body.is_empty() {
        return None;
    }
    let ok = s.chars().all(|c| {
        c == '\n'
            || c == '\t'
            || (!c.is_control()
                && c != '\u{feff}'
                && c != '\u{2028}'
                && c != '\u{2029}'
                && c != '\u{85}')
    });
    // A line of spaces only would be read as an empty line (or, more indented than the
    // block, as content): only exact when there is none.
    if !ok
        || body
            .lines()
            .any(|l| !l.is_empty() && l.trim_matches(' ').is_empty())
    {
        return None;
    }
    let trailing = s.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    // YAML takes the block's indentation from its first non-empty line: when that line
    // starts with a space, the indentation is given explicitly.
    let first = body.lines().find(|l| !l.is_empty()).unwrap_or("");
    let indicator = if first.starts_with(' ') { "2" } else { "" };
    let mut out = format!("|{indicator}{chomp}\n");
    let lines: Vec<&str> = s[..s.len() - usize::from(trailing > 0)]
        .split('\n')
        .collect();
    for (i, line) in lines.iter().enumerate() {
        if !line.is_empty() {
            indent(&mut out, level);
            out.push_str(line);
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde_yaml reads back for `key: <value>`.
    fn read_back(doc: &str) -> serde_yaml::Value {
        serde_yaml::from_str(doc).unwrap_or_else(|e| panic!("{e}\n{doc}"))
    }

    const HOSTILE: &[&str] = &[
        "plain",
        "with space",
        "a: b",
        "a:b",
        "trailing:",
        "#hash",
        "a #b",
        "a#b",
        "\"quoted\"",
        "it's",
        "'single'",
        "new\nline",
        " leading",
        "trailing ",
        "tab\there",
        "ünïcödé ✓ 名前",
        "yes",
        "No",
        "on",
        "True",
        "NULL",
        "5MB",
        "12e5",
        "3_month",
        "0o17",
        "null",
        "~",
        "1e3",
        "0x1F",
        "1_000",
        ".inf",
        "-",
        "- item",
        "? key",
        "[x]",
        "{x}",
        "a, b",
        "&anchor",
        "*alias",
        "!tag",
        "|",
        ">",
        "%directive",
        "@at",
        "`tick",
        "=",
        "<<",
        "back\\slash",
        "nul\0byte",
        "bell\x07",
        "crlf\r\n",
        "\u{2028}sep",
        "",
        "  ",
        "\u{feff}bom",
        "x\u{a0}y",
        "CREATE TABLE x (a int);\nDROP TABLE y;",
    ];

    #[test]
    fn every_hostile_scalar_reads_back_exactly_as_key_and_value() {
        for s in HOSTILE {
            for flow in [false, true] {
                let doc = if flow {
                    document(
                        &[],
                        &[(
                            "m".into(),
                            Node::FlowMap(vec![(s.to_string(), Node::list([*s]))]),
                        )],
                    )
                } else {
                    document(&[], &[(s.to_string(), Node::str(*s))])
                };
                let v = read_back(&doc);
                let (k, val) = if flow {
                    let m = &v["m"];
                    let (k, val) = m
                        .as_mapping()
                        .and_then(|m| m.iter().next())
                        .unwrap_or_else(|| panic!("{doc}"));
                    (k.clone(), val[0].clone())
                } else {
                    let (k, val) = v
                        .as_mapping()
                        .and_then(|m| m.iter().next())
                        .unwrap_or_else(|| panic!("{doc}"));
                    (k.clone(), val.clone())
                };
                assert_eq!(k.as_str(), Some(*s), "key {s:?} in\n{doc}");
                assert_eq!(val.as_str(), Some(*s), "value {s:?} in\n{doc}");
            }
        }
    }

    #[test]
    fn multi_line_texts_are_literal_blocks_and_read_back() {
        for s in [
            "BEGIN\n  RETURN 1;\nEND;\n",
            "BEGIN\n  RETURN 1;\nEND;",
            "BEGIN\nEND;\n\n\n",
            "  indented first\nline\n",
            "\n  SELECT val * val;\n",
            "\n\n    BEGIN\n    END;\n",
            "a\n\nb\n",
            "with trailing  \nspaces\n",
            "tabs\n\tinside\n",
            "a: b\n# not a comment\n",
        ] {
            let doc = document(
                &[],
                &[("f".into(), Node::Map(vec![("body".into(), Node::str(s))]))],
            );
            assert!(doc.contains('|'), "{doc}");
            let v = read_back(&doc);
            assert_eq!(v["f"]["body"].as_str(), Some(s), "{s:?}\n{doc}");
        }
        // Lines of spaces only cannot be said in a block: quoted instead.
        let doc = document(&[], &[("b".into(), Node::str("a\n   \nb\n"))]);
        assert!(!doc.contains('|'), "{doc}");
        assert_eq!(read_back(&doc)["b"].as_str(), Some("a\n   \nb\n"));
    }

    #[test]
    fn layout_is_what_people_write() {
        let doc = document(
            &["header"],
            &[(
                "tables".into(),
                Node::Map(vec![(
                    "goals".into(),
                    Node::Map(vec![
                        (
                            "columns".into(),
                            Node::Map(vec![
                                (
                                    "id".into(),
                                    Node::FlowMap(vec![
                                        ("type".into(), Node::str("uuid")),
                                        ("primary_key".into(), Node::bool(true)),
                                    ]),
                                ),
                                ("title".into(), Node::str("text")),
                            ]),
                        ),
                        (
                            "indexes".into(),
                            Node::Seq(vec![Node::FlowMap(vec![(
                                "columns".into(),
                                Node::list(["title"]),
                            )])]),
                        ),
                    ]),
                )]),
            )],
        );
        assert_eq!(
            doc,
            "# header\ntables:\n  goals:\n    columns:\n      id:    { type: uuid, primary_key: true }\n      title: text\n    indexes:\n      - { columns: [title] }\n"
        );
    }
}
