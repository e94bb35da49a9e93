//! Finding and reading a project's files.
//!
//! A project is a directory with `schemac.yaml` at its root and definition files below it.
//! This stage reads every file (sorted, so results never depend on directory order), parses
//! it into the raw structs of [`raw`] and records node positions ([`yaml::PosIndex`]). Any
//! failure here — missing directory, bad UTF-8, YAML syntax, unknown key, wrong type, empty
//! file, nesting or aliases past the limits that keep loading linear ([`yaml::MAX_NESTING`],
//! [`yaml::MAX_ALIAS_NODES`]) — is a [`Diagnostic`] with `file:line:col`, and nothing further
//! runs (exit code 2). Errors from all files are collected, so one run shows every broken
//! file. The "did you mean" hints of load and check are computed here ([`suggest`]).

mod events;
mod fastyaml;
pub mod raw;
pub mod yaml;

use crate::diagnostic::{Diagnostic, FileId, Loc, Severity, SourceMap};
use raw::{RawConfig, RawFile};
use std::path::{Path, PathBuf};
use yaml::PosIndex;

/// The name of the root file.
pub const CONFIG_FILE: &str = "schemac.yaml";

/// A parsed file with its position index.
#[derive(Debug)]
pub struct Parsed<T> {
    pub file: FileId,
    pub raw: T,
    pub index: PosIndex,
}

/// Every file of a project, parsed.
#[derive(Debug)]
pub struct Loaded {
    pub root: PathBuf,
    pub sources: SourceMap,
    pub config: Parsed<RawConfig>,
    pub files: Vec<Parsed<RawFile>>,
}

/// Loading failed: the diagnostics, and the sources they point into.
#[derive(Debug)]
pub struct LoadFailure {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

fn load_error(code: &'static str, name: &'static str, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, name, Severity::Error, msg)
}

/// Loads the project in `dir`. `display` is how the directory is shown in messages (usually
/// as the user typed it).
pub fn load_project(dir: &Path, display: &str) -> Result<Loaded, LoadFailure> {
    let mut files = Vec::new();
    let mut loaded = load_project_streaming(dir, display, &mut |_, f| files.push(f))?;
    files.append(&mut loaded.files);
    loaded.files = files;
    Ok(loaded)
}

/// [`load_project`] that hands each definition file to `on_file` (with the parsed config)
/// as soon as it is parsed, in the same order, instead of keeping them all: `model` types
/// a file while it is still in cache and frees its raw structs and positions before the next
/// one is read. Files met before the config are held until it is parsed. Once a file has
/// failed to load nothing more is handed over: the result is an error anyway. Files not
/// handed over are in the returned [`Loaded::files`].
pub fn load_project_streaming(
    dir: &Path,
    display: &str,
    on_file: &mut dyn FnMut(&Parsed<RawConfig>, Parsed<RawFile>),
) -> Result<Loaded, LoadFailure> {
    let mut sources = SourceMap::default();
    let fail = |sources: SourceMap, d: Diagnostic| LoadFailure {
        sources,
        diagnostics: vec![d],
    };
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(e) => {
            return Err(fail(
                sources,
                load_error(
                    "SC007",
                    "no-project",
                    format!(
                        "cannot open project directory `{display}`: {}",
                        io_reason(&e)
                    ),
                )
                .hint("pass the directory that holds schemac.yaml, e.g. `schemac check schema/`"),
            ))
        }
    };
    if !meta.is_dir() {
        return Err(fail(
            sources,
            load_error(
                "SC007",
                "no-project",
                format!("`{display}` is not a directory"),
            )
            .hint("pass the directory that holds schemac.yaml, not a file in it"),
        ));
    }
    let mut paths = Vec::new();
    let mut diags = Vec::new();
    walk(dir, dir, &mut paths, &mut diags, display);
    paths.sort();
    let config_rel = PathBuf::from(CONFIG_FILE);
    if !paths.contains(&config_rel) && diags.is_empty() {
        return Err(fail(
            sources,
            load_error(
                "SC007",
                "no-project",
                format!("`{}` not found", join_display(display, &config_rel)),
            )
            .hint("every project needs a schemac.yaml at its root; start with `schemac: 1`"),
        ));
    }

    let mut config: Option<Parsed<RawConfig>> = None;
    let mut files = Vec::new();
    for rel in &paths {
        let shown = join_display(display, rel);
        let full = dir.join(rel);
        let bytes = match std::fs::read(&full) {
            Ok(b) => b,
            Err(e) => {
                sources.add(shown.clone(), &full, String::new());
                diags.push(load_error(
                    "SC001",
                    "io-error",
                    format!("cannot read `{shown}`: {}", io_reason(&e)),
                ));
                continue;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let valid = String::from_utf8_lossy(valid).into_owned();
                let line = valid.matches('\n').count() as u32 + 1;
                let col = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
                // Keep the valid prefix (plus the rest, lossily) so the snippet can be shown.
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let id = sources.add(shown.clone(), &full, lossy);
                diags.push(
                    load_error(
                        "SC002",
                        "invalid-utf8",
                        format!("`{shown}` is not valid UTF-8"),
                    )
                    .label(
                        Loc {
                            file: id,
                            line,
                            col,
                            len: 1,
                        },
                        "invalid byte sequence here",
                    )
                    .hint("save the file as UTF-8"),
                );
                continue;
            }
        };
        let id = sources.add(shown.clone(), &full, text);
        let text = &sources.get(id).text;
        if rel == &config_rel {
            match parse_file::<RawConfig>(id, text, &shown) {
                Ok(p) => {
                    if diags.is_empty() {
                        for f in files.drain(..) {
                            on_file(&p, f);
                        }
                    }
                    config = Some(p);
                }
                Err(d) => diags.push(d),
            }
        } else {
            match parse_file::<RawFile>(id, text, &shown) {
                Ok(p) => match &config {
                    Some(c) if diags.is_empty() => on_file(c, p),
                    _ => files.push(p),
                },
                Err(d) => diags.push(d),
            }
        }
    }
    match config {
        Some(config) if diags.is_empty() => Ok(Loaded {
            root: dir.to_path_buf(),
            sources,
            config,
            files,
        }),
        _ => Err(LoadFailure {
            sources,
            diagnostics: diags,
        }),
    }
}

fn join_display(display: &str, rel: &Path) -> String {
    let rel = rel.to_string_lossy().replace('\\', "/");
    if display.is_empty() || display == "." {
        rel
    } else {
        format!("{}/{}", display.trim_end_matches('/'), rel)
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Collects `*.yaml`/`*.yml` paths below `dir`, relative to `root`. Hidden entries are
/// skipped; a directory named like a YAML file is an error.
fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<PathBuf>,
    diags: &mut Vec<Diagnostic>,
    display: &str,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            let rel = dir.strip_prefix(root).unwrap_or(dir);
            diags.push(load_error(
                "SC001",
                "io-error",
                format!(
                    "cannot read directory `{}`: {}",
                    join_display(display, rel),
                    io_reason(&e)
                ),
            ));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let is_yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        if path.is_dir() {
            if is_yaml {
                diags.push(
                    load_error(
                        "SC001",
                        "io-error",
                        format!(
                            "`{}` is a directory, not a YAML file",
                            join_display(display, &rel)
                        ),
                    )
                    .hint("rename the directory or move its contents"),
                );
            } else {
                walk(root, &path, out, diags, display);
            }
        } else if is_yaml {
            out.push(rel);
        }
    }
}

/// Parses one file into `T`, or returns the positioned reason it cannot be.
#[allow(clippy::result_large_err)] // built once per broken file, never on a hot path
fn parse_file<T: serde::de::DeserializeOwned>(
    id: FileId,
    text: &str,
    shown: &str,
) -> Result<Parsed<T>, Diagnostic> {
    let (index, events) = match yaml::scan(text) {
        Ok((index, events)) => (Ok(index), Some(events)),
        // A crossed limit, or input serde_yaml would be slow to read: reported as it is.
        Err(e) if e.last_word => {
            let syntax = e.limit.is_none();
            return Err(yaml_error(id, text, e, syntax));
        }
        Err(e) => (Err(e), None),
    };
    if let Ok(idx) = &index {
        if idx.empty {
            let what = if shown.ends_with(CONFIG_FILE) {
                "add at least `schemac: 1`"
            } else {
                "add definitions or delete the file"
            };
            return Err(
                load_error("SC005", "empty-file", format!("`{shown}` is empty"))
                    .label(
                        Loc {
                            file: id,
                            line: 1,
                            col: 1,
                            len: 1,
                        },
                        "no YAML content",
                    )
                    .hint(what),
            );
        }
    }
    match yaml::deserialize::<T>(text, events) {
        Ok(raw) => match index {
            Ok(index) => Ok(Parsed {
                file: id,
                raw,
                index,
            }),
            Err(e) => Err(yaml_error(id, text, e, true)),
        },
        Err(mut e) => {
            // serde reports a repeated struct key at the mapping; point at the repetition.
            if e.message.contains("duplicate field") {
                if let Ok(idx) = &index {
                    if let Some((_, _, second)) = idx.duplicates.first() {
                        e.pos = Some(*second);
                    }
                }
            }
            // Errors without a position (e.g. several YAML documents) point at the file.
            if e.pos.is_none() {
                e.pos = Some(yaml::Pos {
                    line: 1,
                    col: 1,
                    len: 1,
                });
            }
            Err(yaml_error(id, text, e, index.is_err()))
        }
    }
}

/// The innermost `{` or `[` (line, column, bracket) still open at the end of line
/// `upto` that was opened on an earlier line or left open at the end of its own, outside
/// quotes and comments. Project files keep flow collections on one line, so one that spans
/// lines is almost always a missing `}` or `]`.
fn unclosed_flow(text: &str, upto: u32) -> Option<(u32, u32, char)> {
    let mut stack: Vec<(u32, u32, char)> = Vec::new();
    for (i, line) in text.split('\n').take(upto as usize).enumerate() {
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        let mut chars = line.chars().enumerate().peekable();
        while let Some((c, ch)) = chars.next() {
            match quote {
                Some('\'') if ch == '\'' => {
                    // '' is an escaped quote inside single quotes.
                    if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                Some('"') if ch == '\\' => {
                    chars.next();
                }
                Some(q) if ch == q => quote = None,
                Some(_) => {}
                None => match ch {
                    '\'' | '"' => quote = Some(ch),
                    '#' if prev == ' ' || prev == '\t' || c == 0 => break,
                    '{' | '[' => stack.push((i as u32 + 1, c as u32 + 1, ch)),
                    '}' | ']' => {
                        stack.pop();
                    }
                    _ => {}
                },
            }
            prev = ch;
        }
    }
    stack.last().copied()
}

fn yaml_error(id: FileId, text: &str, e: yaml::YamlError, syntax: bool) -> Diagnostic {
    let (code, name, what) = if syntax {
        ("SC003", "yaml-syntax", "YAML syntax error")
    } else {
        ("SC004", "invalid-structure", "invalid definition")
    };
    let mut d = load_error(code, name, format!("{what}: {}", e.message));
    if let Some(h) = e.limit {
        d = d.hint(h);
    }
    if let Some(p) = e.pos {
        let line_text = text
            .split('\n')
            .nth(p.line.saturating_sub(1) as usize)
            .unwrap_or("");
        let len = token_len(line_text, p.col);
        d = d.label(
            Loc {
                file: id,
                line: p.line.max(1),
                col: p.col.max(1),
                len,
            },
            "",
        );
        if d.hint.is_none() && (line_text.contains('\t') || (syntax && text.contains('\t'))) {
            d = d.hint("YAML does not allow tabs for indentation; indent with spaces");
        }
        // A `{` or `[` left open reads the next lines into the collection, and the error
        // then shows up wherever that stops making sense: point at the opener (unless a
        // limit or tab hint already says what is wrong).
        let opener = d
            .hint
            .is_none()
            .then(|| unclosed_flow(text, p.line))
            .flatten();
        if let Some((line, col, open)) = opener {
            let close = if open == '{' { '}' } else { ']' };
            d = d.label(
                Loc {
                    file: id,
                    line,
                    col,
                    len: 1,
                },
                format!("this `{open}` is not closed on its line"),
            );
            d = d.hint(format!(
                "close it with `{close}` on the same line: an open flow collection goes on \
                 across the following lines, which then read as part of it"
            ));
        }
    }
    if d.hint.is_none() {
        if let Some(h) = unknown_field_hint(&e.message) {
            d = d.hint(h);
        } else if e.message.starts_with("a NUL character") {
            d = d.hint("remove the `\\0`: no SQL text may contain one");
        } else if syntax {
            d = d.hint("check indentation, quoting and `key: value` spacing around this point");
        }
    }
    d
}

fn token_len(line: &str, col: u32) -> u32 {
    let rest: String = line.chars().skip(col.saturating_sub(1) as usize).collect();
    let n = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ':' | ',' | '}' | ']' | '{' | '['))
        .count();
    n.max(1) as u32
}

/// For "unknown field `typ`, expected one of `type`, …" suggests the closest field.
fn unknown_field_hint(msg: &str) -> Option<String> {
    let rest = msg
        .split("unknown field `")
        .nth(1)
        .or_else(|| msg.split("unknown variant `").nth(1))?;
    let (bad, expected) = rest.split_once('`')?;
    let candidates = expected.split('`').skip(1).step_by(2);
    let within = if bad.len() > 4 { 3 } else { 2 };
    let best = suggest(bad, candidates, false, |_| within)?;
    Some(format!("did you mean `{best}`?"))
}

/// Names longer than this many characters get no "did you mean" hint. PostgreSQL names and
/// schemac's keys are far shorter, and the edit distance takes time proportional to the
/// product of the lengths: a megabyte-long name took seconds per hint.
pub const SUGGEST_MAX_CHARS: usize = 64;

/// The candidate closest to `name` by edit distance, for "did you mean" hints: the one with
/// the fewest edits (then the first in string order) among those at most `within(candidate)`
/// edits away, comparing lowercased text when `fold`. None when `name` is longer than
/// [`SUGGEST_MAX_CHARS`]; longer candidates are skipped. Every comparison is bounded by those
/// lengths, and candidates whose length alone rules them out cost no allocation.
pub fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    fold: bool,
    within: impl Fn(&str) -> usize,
) -> Option<&'a str> {
    let prepare = |s: &str, out: &mut Vec<char>| -> bool {
        out.clear();
        if fold {
            out.extend(
                s.chars()
                    .flat_map(char::to_lowercase)
                    .take(SUGGEST_MAX_CHARS + 1),
            );
        } else {
            out.extend(s.chars().take(SUGGEST_MAX_CHARS + 1));
        }
        out.len() <= SUGGEST_MAX_CHARS
    };
    let mut name_chars = Vec::new();
    if !prepare(name, &mut name_chars) {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    let (mut cand, mut prev, mut cur) = (Vec::new(), Vec::new(), Vec::new());
    for c in candidates {
        let max = within(c);
        // ASCII keeps its length when lowercased: rule it out before copying it.
        if c.is_ascii() && c.len().abs_diff(name_chars.len()) > max {
            continue;
        }
        if !prepare(c, &mut cand) {
            continue;
        }
        let Some(d) = distance_within(&name_chars, &cand, max, &mut prev, &mut cur) else {
            continue;
        };
        if best.is_none_or(|b| (d, c) < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The Levenshtein distance of `a` and `b` when it is at most `max`, else None (`prev` and
/// `cur` are scratch rows, reused between calls).
fn distance_within(
    a: &[char],
    b: &[char],
    max: usize,
    prev: &mut Vec<usize>,
    cur: &mut Vec<usize>,
) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    prev.clear();
    prev.extend(0..=b.len());
    cur.clear();
    cur.resize(b.len() + 1, 0);
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
            row_min = row_min.min(cur[j + 1]);
        }
        // Distances never shrink from one row to the next.
        if row_min > max {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= max)
}

/// Levenshtein distance. It takes time proportional to the product of the lengths: for
/// hints use [`suggest`], which bounds it.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Every YAML file of the repository (projects, fixtures, broken inputs), sorted: the inputs
/// the tests comparing the fast YAML paths with yaml-rust2 and serde_yaml run on.
#[cfg(test)]
pub(crate) fn repository_yaml() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    walk(&p, out);
                }
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &mut files);
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::{edit_distance, suggest, unclosed_flow, unknown_field_hint, SUGGEST_MAX_CHARS};

    #[test]
    fn an_open_flow_collection_is_found_outside_quotes_and_comments() {
        let text = "a: { b: 1\nc: 2\n";
        assert_eq!(unclosed_flow(text, 2), Some((1, 4, '{')));
        // Closed on its line, or inside quotes or a comment: nothing open.
        assert_eq!(unclosed_flow("a: { b: [1, 2] }\nc: 2\n", 2), None);
        assert_eq!(unclosed_flow("a: '{ it''s' # {\nb: \"[\\\"\"\n", 2), None);
        // The innermost opener wins.
        assert_eq!(unclosed_flow("a: { b: [1,\n", 1), Some((1, 9, '[')));
    }

    /// The hint before it was bounded: every candidate, the full distance.
    fn unbounded<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
        candidates
            .iter()
            .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), *c))
            .filter(|(d, c)| *d <= 2.max(c.len() / 4))
            .min()
            .map(|(_, c)| c)
    }

    #[test]
    fn suggestions_are_unchanged_for_names_of_ordinary_length() {
        let candidates = [
            "uuid",
            "text",
            "timestamptz",
            "integer",
            "user_id",
            "UserId",
            "Straße",
            "bigint",
            "é",
            "numeric",
            "int",
            "goals",
            "goal_items",
            "ÉCOLE",
        ];
        for name in [
            "uid",
            "txt",
            "timestamtz",
            "interger",
            "userid",
            "userId",
            "strasse",
            "STRAßE",
            "bigin",
            "e",
            "numerci",
            "in",
            "goal",
            "goalitems",
            "école",
            "zzzzzzzzzz",
            "",
        ] {
            assert_eq!(
                suggest(name, candidates, true, |c| 2.max(c.len() / 4)),
                unbounded(name, &candidates),
                "{name}"
            );
        }
        assert_eq!(
            unknown_field_hint("unknown field `typ`, expected one of `type`, `nullable`"),
            Some("did you mean `type`?".into())
        );
        assert_eq!(
            unknown_field_hint("unknown variant `casade`, expected one of `cascade`, `restrict`"),
            Some("did you mean `cascade`?".into())
        );
    }

    /// Long names get no hint, whatever their length: they cost no more than a short one.
    #[test]
    fn long_names_get_no_suggestion() {
        let at_limit = "a".repeat(SUGGEST_MAX_CHARS);
        let near = format!("{}b", "a".repeat(SUGGEST_MAX_CHARS - 1));
        assert_eq!(
            suggest(&at_limit, [near.as_str()], true, |_| 2),
            Some(near.as_str())
        );
        let over = "a".repeat(SUGGEST_MAX_CHARS + 1);
        assert_eq!(suggest(&over, [at_limit.as_str()], true, |_| 2), None);
        assert_eq!(suggest(&at_limit, [over.as_str()], true, |_| 2), None);
        let huge = "x".repeat(1 << 20);
        assert_eq!(suggest(&huge, ["text", "uuid"], true, |_| usize::MAX), None);
        let msg = format!("unknown field `{huge}`, expected one of `type`, `nullable`");
        assert_eq!(unknown_field_hint(&msg), None);
    }
}
