//! Diagnostics as data.
//!
//! Every problem schemac finds — a YAML syntax error, an unknown key, a duplicate table, a
//! policy that PostgreSQL would reject — becomes a [`Diagnostic`]: a stable code and name, a
//! severity, one or more positioned labels and a hint. Keeping them as plain data lets the
//! loader, the checks and (later) gen and diff share one reporting path, and lets the CLI
//! render the same findings as text, JSON or GitHub annotations without the library knowing
//! about stdout.

use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How serious a finding is. Errors fail `schemac check`; warnings only with `--deny-warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// A position in a source file: 1-based line and column (in characters), and the length of
/// the token that starts there (for underlining; at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

/// One source file, kept in memory so diagnostics can show snippets.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as it is shown to the user (the project directory as given, joined with the
    /// file's path inside the project).
    pub display: String,
    /// The path on disk.
    pub path: PathBuf,
    /// The text; empty when the file could not be read as UTF-8.
    pub text: String,
}

/// All files a project consists of, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Byte offset of each line's start, per file, so a snippet costs no scan of the file
    /// (a project with thousands of warnings prints thousands of snippets).
    line_starts: Vec<Vec<usize>>,
}

impl SourceMap {
    pub fn add(&mut self, display: String, path: &Path, text: String) -> FileId {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        self.line_starts.push(starts);
        self.files.push(SourceFile {
            display,
            path: path.to_path_buf(),
            text,
        });
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }

    /// The line `line` (1-based) of a file, without its line break.
    pub fn line_text(&self, file: FileId, line: u32) -> Option<&str> {
        let text = &self.get(file).text;
        let starts = self.line_starts.get(file.0)?;
        let i = line.checked_sub(1)? as usize;
        let start = *starts.get(i)?;
        let end = starts.get(i + 1).map_or(text.len(), |next| next - 1);
        let l = text.get(start..end)?;
        Some(l.strip_suffix('\r').unwrap_or(l))
    }
}

/// A positioned remark attached to a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub loc: Loc,
    pub message: String,
}

/// A finding: stable `code` (`SC101`) and `name` (`duplicate-table`), severity, message,
/// labels (the first is the primary location), an optional hint and notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub hint: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(
        code: &'static str,
        name: &'static str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            name,
            severity,
            message: message.into(),
            labels: Vec::new(),
            hint: None,
            notes: Vec::new(),
        }
    }

    pub fn label(mut self, loc: Loc, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            loc,
            message: message.into(),
        });
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The primary location, used for sorting and for one-line formats.
    pub fn primary(&self) -> Option<Loc> {
        self.labels.first().map(|l| l.loc)
    }
}

/// Sorts diagnostics into a stable order: by primary file, line, column, then code.
pub fn sort(diags: &mut [Diagnostic], sources: &SourceMap) {
    diags.sort_by(|a, b| {
        // Borrowed: the display path is compared, not copied, on every comparison.
        let key = |d: &Diagnostic| {
            d.primary()
                .map(|l| (sources.get(l.file).display.as_str(), l.line, l.col))
        };
        key(a)
            .cmp(&key(b))
            .then(a.code.cmp(b.code))
            .then(a.message.cmp(&b.message))
    });
}

/// Counts of errors and warnings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

pub fn summarize(diags: &[Diagnostic]) -> Summary {
    let mut s = Summary::default();
    for d in diags {
        match d.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
        }
    }
    s
}

/// Renders diagnostics as human-readable text with `file:line:col`, source snippets and hints.
pub fn render_text(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        render_one(&mut out, d, sources);
        out.push('\n');
    }
    out
}

fn render_one(out: &mut String, d: &Diagnostic, sources: &SourceMap) {
    let _ = writeln!(
        out,
        "{}[{} {}]: {}",
        d.severity.as_str(),
        d.code,
        d.name,
        elide(&d.message)
    );
    let width = d
        .labels
        .iter()
        .map(|l| l.loc.line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    for (i, label) in d.labels.iter().enumerate() {
        let file = sources.get(label.loc.file);
        let arrow = if i == 0 { "-->" } else { ":::" };
        let _ = writeln!(
            out,
            "{pad}{arrow} {}:{}:{}",
            file.display, label.loc.line, label.loc.col
        );
        match sources.line_text(label.loc.file, label.loc.line) {
            Some(line) if !file.text.is_empty() => {
                let start = label.loc.col.saturating_sub(1) as usize;
                let (shown, start, len) = window(
                    &line.replace('\t', " "),
                    start,
                    label.loc.len.max(1) as usize,
                );
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{:>width$} | {}", label.loc.line, shown.trim_end());
                let avail = shown.chars().count().saturating_sub(start).max(1);
                let len = len.min(avail);
                let marker = format!(
                    "{}{} {}",
                    " ".repeat(start),
                    "^".repeat(len),
                    elide(&label.message)
                );
                let _ = writeln!(out, "{pad} | {}", marker.trim_end());
            }
            _ => {
                if !label.message.is_empty() {
                    let _ = writeln!(out, "{pad} = {}", elide(&label.message));
                }
            }
        }
    }
    for note in &d.notes {
        let _ = writeln!(out, "{pad} = note: {}", elide(note));
    }
    if let Some(hint) = &d.hint {
        let _ = writeln!(out, "{pad} = hint: {}", elide(hint));
    }
}

/// The widest snippet line shown, in characters.
const SNIPPET_WIDTH: usize = 120;
/// Characters kept before the marked span when a long line is cut.
const SNIPPET_BEFORE: usize = 30;
/// The longest `quoted` text shown whole in a message, in characters; longer ones keep
/// their first [`QUOTED_KEPT`]. Real names are at most 63 bytes and hints quote short code,
/// so only hostile or broken input is cut.
const QUOTED_WIDTH: usize = 200;
/// Characters kept of a `quoted` text longer than [`QUOTED_WIDTH`].
const QUOTED_KEPT: usize = 100;

/// The part of `line` shown in a snippet, with the marked span's new start and length.
///
/// A line wider than [`SNIPPET_WIDTH`] (a minified file, a hostile 1 MB name) is cut to a
/// window that starts a little before the span, with `…` where text was left out, so one
/// diagnostic stays a few lines long whatever the input.
fn window(line: &str, start: usize, len: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line.trim_end().chars().collect();
    if chars.len() <= SNIPPET_WIDTH {
        return (line.to_string(), start, len);
    }
    let left = start.saturating_sub(SNIPPET_BEFORE).min(chars.len());
    let right = (left + SNIPPET_WIDTH).min(chars.len());
    let mut shown = String::new();
    let mut new_start = start - left;
    if left > 0 {
        shown.push('…');
        new_start += 1;
    }
    shown.extend(&chars[left..right]);
    if right < chars.len() {
        shown.push('…');
    }
    let len = len.min(right.saturating_sub(start)).max(1);
    (shown, new_start, len)
}

/// `text` with every `quoted` part, and every word outside quotes, longer than
/// [`QUOTED_WIDTH`] characters shortened to its start and `…`, so that a huge name in the
/// input does not make a huge message. Machine formats (JSON) keep the full text.
fn elide(text: &str) -> std::borrow::Cow<'_, str> {
    let long = |p: &str| p.chars().count() > QUOTED_WIDTH;
    if !long(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let parts: Vec<&str> = text.split('`').collect();
    // Only closed quotes (an odd number of backticks leaves the last part open).
    let closed = if parts.len() % 2 == 1 {
        parts.len()
    } else {
        parts.len() - 1
    };
    let cut = |out: &mut String, p: &str| {
        if long(p) {
            out.extend(p.chars().take(QUOTED_KEPT));
            out.push('…');
        } else {
            out.push_str(p);
        }
    };
    let mut out = String::with_capacity(text.len().min(4096));
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 && i < closed {
            cut(&mut out, p);
        } else {
            for (j, word) in p.split(' ').enumerate() {
                if j > 0 {
                    out.push(' ');
                }
                cut(&mut out, word);
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    labels: Vec<JsonLabel<'a>>,
    hint: Option<&'a str>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_column: u32,
    message: &'a str,
}

/// Renders diagnostics as JSON (format version 1, see the README for the fields).
pub fn render_json(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let report = JsonReport {
        version: 1,
        diagnostics: diags
            .iter()
            .map(|d| {
                let primary = d.primary();
                JsonDiagnostic {
                    code: d.code,
                    name: d.name,
                    severity: d.severity,
                    message: &d.message,
                    file: primary.map(|l| sources.get(l.file).display.as_str()),
                    line: primary.map(|l| l.line),
                    column: primary.map(|l| l.col),
                    labels: d
                        .labels
                        .iter()
                        .map(|l| JsonLabel {
                            file: sources.get(l.loc.file).display.as_str(),
                            line: l.loc.line,
                            column: l.loc.col,
                            end_column: l.loc.col + l.loc.len.max(1),
                            message: &l.message,
                        })
                        .collect(),
                    hint: d.hint.as_deref(),
                    notes: &d.notes,
                }
            })
            .collect(),
        summary: summarize(diags),
    };
    let mut s =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// Renders diagnostics as GitHub Actions workflow commands (`::error file=…::…`).
pub fn render_github(diags: &[Diagnostic], sources: &SourceMap) -> String {
    fn esc_data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn esc_prop(s: &str) -> String {
        esc_data(s).replace(':', "%3A").replace(',', "%2C")
    }
    let mut out = String::new();
    for d in diags {
        let mut body = d.message.clone();
        for l in d.labels.iter().skip(1) {
            let f = sources.get(l.loc.file);
            let _ = write!(
                body,
                "\n{}:{}:{}: {}",
                f.display, l.loc.line, l.loc.col, l.message
            );
        }
        if let Some(h) = &d.hint {
            let _ = write!(body, "\nhint: {h}");
        }
        let title = format!("{} {}", d.code, d.name);
        match d.primary() {
            Some(l) => {
                let f = sources.get(l.file);
                let _ = writeln!(
                    out,
                    "::{} file={},line={},col={},endColumn={},title={}::{}",
                    d.severity.as_str(),
                    esc_prop(&f.display),
                    l.line,
                    l.col,
                    l.col + l.len.max(1),
                    esc_prop(&title),
                    esc_data(&body)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "::{} title={}::{}",
                    d.severity.as_str(),
                    esc_prop(&title),
                    esc_data(&body)
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_shown_whole() {
        let (shown, start, len) = window("  id: {type: x}", 13, 1);
        assert_eq!((shown.as_str(), start, len), ("  id: {type: x}", 13, 1));
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}TARGET{}", "a".repeat(500), "b".repeat(500));
        let (shown, start, len) = window(&line, 500, 6);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(shown.chars().count(), SNIPPET_WIDTH + 2);
        let marked: String = shown.chars().skip(start).take(len).collect();
        assert_eq!(marked, "TARGET");
        // A span that runs past the window is marked up to its edge.
        let (shown, start, len) = window(&"x".repeat(10_000), 0, 10_000);
        assert_eq!((start, len), (0, SNIPPET_WIDTH));
        assert!(!shown.starts_with('…') && shown.ends_with('…'));
    }

    #[test]
    fn long_quoted_names_are_elided_in_text() {
        assert_eq!(elide("type `int` is fine"), "type `int` is fine");
        let name = "n".repeat(QUOTED_WIDTH);
        let whole = format!("`{name}` is long");
        assert_eq!(elide(&whole), whole.as_str());
        let long = "x".repeat(1000);
        let msg = format!("column `t.id` has type `{long}`, unknown");
        let e = elide(&msg);
        let want = format!(
            "column `t.id` has type `{}…`, unknown",
            "x".repeat(QUOTED_KEPT)
        );
        assert_eq!(e, want.as_str());
        // Long words outside quotes, and after an unclosed backtick, are cut too.
        let open = format!("lets {long} write, a ` {long}");
        let cut = format!("{}…", "x".repeat(QUOTED_KEPT));
        assert_eq!(
            elide(&open),
            format!("lets {cut} write, a ` {cut}").as_str()
        );
    }
}
