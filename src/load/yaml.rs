//! The only module that parses YAML (with its helpers `super::events` and `super::fastyaml`).
//!
//! serde_yaml turns a file into the raw structs of [`super::raw`] and positions its own errors
//! (unknown key, wrong type) precisely, but it cannot say where a *valid* node sits, and a map
//! key repeated in one mapping silently keeps the last value. So each file is walked once as a
//! stream of marked events ([`scan`]), which yields a [`PosIndex`]: the position of every key
//! and value by path, plus every repeated key with both positions. The events are yaml-rust2's;
//! `super::fastyaml` produces the very same ones, much faster, for the YAML subset projects
//! are written in, and yaml-rust2 reads whatever it gives up on. The same pass
//! keeps the node events, and [`deserialize`] builds the raw structs from them; only when that
//! fails (an error to report, or input it leaves alone) does serde_yaml parse the file, so
//! valid files are parsed once and every error is still serde_yaml's. Later stages ask the
//! index for positions; nothing outside this module knows either YAML library.
//!
//! The same pass guards the parsers' cost. libyaml (behind serde_yaml) and yaml-rust2 spend
//! time proportional to the nesting depth on every token, and yaml-rust2 loads documents
//! recursively, so a file of nothing but `[` took minutes (and `- - - …` overflowed the
//! stack); aliases can make serde_yaml replay a large node many times. So the scan refuses a
//! collection nested deeper than [`MAX_NESTING`] and aliases that would add more than
//! [`MAX_ALIAS_NODES`] nodes as soon as it meets them, and such a file never reaches
//! serde_yaml ([`YamlError::limit`]). Nor does a file where yaml-rust2 stops at a syntax
//! error with more openings than that limit after it ([`YamlError::last_word`]): serde_yaml
//! would read on into text no one has measured.

use super::events::Ev;
pub use super::events::Events;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

/// A 1-based position with the length of the token found there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

/// One step in a path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A 64-bit hash of a path, built segment by segment. Paths are only ever looked up by
/// hash: with a few hundred thousand nodes per project the chance of a collision is below
/// 1e-9, and hashing avoids allocating and comparing a `Vec<Seg>` per node (the index was the
/// hottest part of loading).
pub type PathHash = u64;

const ROOT: PathHash = 0x9e37_79b9_7f4a_7c15;

fn fnv(tag: u8, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::iter::once(&tag).chain(bytes) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn combine(parent: PathHash, seg: u64) -> PathHash {
    (parent.rotate_left(5) ^ seg).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The hash of `parent` extended by `seg`.
pub fn extend(parent: PathHash, seg: &Seg) -> PathHash {
    match seg {
        Seg::Key(k) => extend_key(parent, k),
        Seg::Index(i) => extend_index(parent, *i),
    }
}

/// The hash of `parent` extended by the mapping key `key` (no [`Seg`] needed).
pub fn extend_key(parent: PathHash, key: &str) -> PathHash {
    combine(parent, key_seg(key))
}

/// The hash of the segment of mapping key `key`, before it is combined with a parent.
fn key_seg(key: &str) -> u64 {
    fnv(b'k', key.as_bytes())
}

/// The hash of `parent` extended by the sequence index `i`.
pub fn extend_index(parent: PathHash, i: usize) -> PathHash {
    combine(parent, fnv(b'i', &i.to_le_bytes()))
}

/// The hash of a whole path.
pub fn path_hash(path: &[Seg]) -> PathHash {
    path.iter().fold(ROOT, extend)
}

/// A hasher for keys that are already hashes.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type HashIndex = HashMap<PathHash, Pos, std::hash::BuildHasherDefault<IdentityHasher>>;

/// Positions of the nodes of one file, by path from the document root.
#[derive(Debug, Default)]
#[cfg_attr(test, derive(PartialEq))]
pub struct PosIndex {
    /// For a mapping entry: where its key is written.
    keys: HashIndex,
    /// Where a node's value starts.
    values: HashIndex,
    /// Keys that appear twice in one mapping: path of the entry, first and second position.
    pub duplicates: Vec<(Vec<Seg>, Pos, Pos)>,
    /// True when the document holds no node at all (empty file or only comments).
    pub empty: bool,
}

impl PosIndex {
    /// Position of the key of the entry at `path`, falling back to its value.
    pub fn key(&self, path: &[Seg]) -> Option<Pos> {
        self.key_at(path_hash(path))
    }

    /// Position of the value at `path`, falling back to its key.
    pub fn value(&self, path: &[Seg]) -> Option<Pos> {
        self.value_at(path_hash(path))
    }

    /// [`PosIndex::key`] for a precomputed hash.
    pub fn key_at(&self, h: PathHash) -> Option<Pos> {
        self.keys.get(&h).or_else(|| self.values.get(&h)).copied()
    }

    /// [`PosIndex::value`] for a precomputed hash.
    pub fn value_at(&self, h: PathHash) -> Option<Pos> {
        self.values.get(&h).or_else(|| self.keys.get(&h)).copied()
    }
}

/// How deeply collections may nest (the document's root collection is level 1). Project
/// files need fewer than 10 levels (a column's settings are at level 5).
pub const MAX_NESTING: usize = 64;

/// How many nodes aliases may add to a document once expanded: serde_yaml replays an anchored
/// node for every alias to it, so a few lines can stand for billions of nodes.
pub const MAX_ALIAS_NODES: u64 = 100_000;

/// A YAML error with its 1-based position, when known.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub message: String,
    pub pos: Option<Pos>,
    /// Set when the file crosses one of the scan's limits ([`MAX_NESTING`],
    /// [`MAX_ALIAS_NODES`]): the hint to show. The file is refused as it is.
    pub limit: Option<&'static str>,
    /// True when this error is the last word on the file: serde_yaml must not be asked to
    /// read it for a better message (a crossed limit, or a syntax error that more than
    /// [`MAX_NESTING`] openings follow, which yaml-rust2 never read).
    pub last_word: bool,
}

impl YamlError {
    fn limit(message: String, pos: Pos, hint: &'static str) -> Self {
        YamlError {
            message,
            pos: Some(pos),
            limit: Some(hint),
            last_word: true,
        }
    }
}

const DEEP_HINT: &str = "project files need a few levels (a column's settings are 5 deep): \
    look for an unclosed `[` or `{`; deeper input is refused because YAML parsers slow down \
    with every level";
const ALIAS_HINT: &str = "write the repeated parts out, or anchor smaller nodes: aliases are \
    expanded when the file is read, so the nodes they add are limited";

/// Deserializes `text` into `T` with serde_yaml.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(|e| {
        let pos = e.location().map(|l| Pos {
            line: l.line() as u32,
            col: l.column() as u32,
            len: 1,
        });
        YamlError {
            message: clean_message(&e.to_string()),
            pos,
            limit: None,
            last_word: false,
        }
    })
}

/// serde_yaml appends " at line X column Y" to its messages; the position is reported
/// separately, so it is cut from the text.
fn clean_message(msg: &str) -> String {
    let msg = match msg.find(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    };
    // Internal type names (`struct RawTable`) mean nothing to users.
    let mut out = String::new();
    let mut rest = msg;
    while let Some(i) = rest.find("struct Raw") {
        out.push_str(&rest[..i]);
        out.push_str("a mapping");
        rest = rest[i + "struct Raw".len()..].trim_start_matches(|c: char| c.is_alphanumeric());
    }
    out.push_str(rest);
    out.replace("u32", "an integer")
}

/// Walks `text` as marked events and builds its [`PosIndex`].
pub fn index(text: &str) -> Result<PosIndex, YamlError> {
    scan(text).map(|(index, _)| index)
}

/// Walks `text` as marked events once: builds its [`PosIndex`] and keeps the node events,
/// so that [`deserialize`] need not parse the file again. Refuses nesting deeper than
/// [`MAX_NESTING`] and aliases expanding to more than [`MAX_ALIAS_NODES`] nodes.
pub fn scan(text: &str) -> Result<(PosIndex, Events), YamlError> {
    // Most files stay inside the YAML subset the fast scanner knows; it gives the Builder the
    // very events yaml-rust2 would. When it gives up, its Builder is dropped and yaml-rust2
    // reads the file into a fresh one, so nothing it did remains — except a crossed limit:
    // the events up to it were yaml-rust2's, so the file is refused without reading further.
    let mut builder = Builder::new(text);
    let fast = super::fastyaml::parse(text, &mut builder);
    if let Some(e) = builder.refusal() {
        return Err(e);
    }
    if fast.is_ok() {
        return finish(builder);
    }
    scan_slow(text)
}

/// The index and events, or an error for a NUL character in a scalar.
fn finish(builder: Builder) -> Result<(PosIndex, Events), YamlError> {
    if let Some(pos) = builder.nul {
        return Err(YamlError {
            message: "a NUL character (\\0) cannot be part of a name, text or SQL fragment".into(),
            pos: Some(pos),
            limit: None,
            last_word: false,
        });
    }
    Ok((builder.index, builder.events))
}

/// [`scan`] with yaml-rust2 only.
///
/// The events are pulled one at a time (what `Parser::load(recv, false)` does, without its
/// recursion, which overflows the stack on deep input), so that the scan stops at the first
/// crossed limit. The documents after the first are read too, for their depth only: serde_yaml
/// reads the second one to report it.
pub(super) fn scan_slow(text: &str) -> Result<(PosIndex, Events), YamlError> {
    let mut builder = Builder::new(text);
    let mut parser = Parser::new_from_str(text);
    // The next event; an error after a crossed limit is the limit's.
    let mut next = |builder: &mut Builder| {
        parser
            .next_token()
            .map_err(|e| builder.refusal().unwrap_or_else(|| syntax_error(text, &e)))
    };
    // StreamStart, then StreamEnd or a document.
    let (ev, mark) = next(&mut builder)?;
    builder.on_event(ev, mark);
    let (ev, mark) = next(&mut builder)?;
    if ev == Event::StreamEnd {
        builder.on_event(ev, mark);
        return Ok((builder.index, builder.events));
    }
    builder.on_event(ev, mark);
    // The document's root node, event by event, until its last collection closes.
    let mut open = 0usize;
    loop {
        let (ev, mark) = next(&mut builder)?;
        match ev {
            Event::SequenceStart(..) | Event::MappingStart(..) => open += 1,
            Event::SequenceEnd | Event::MappingEnd => open = open.saturating_sub(1),
            _ => {}
        }
        builder.on_event(ev, mark);
        if builder.refused.is_some() {
            break;
        }
        if open == 0 {
            break;
        }
    }
    if let Some(e) = builder.refusal() {
        return Err(e);
    }
    let (ev, mark) = next(&mut builder)?;
    builder.on_event(ev, mark);
    // Anything but the end of the stream is serde_yaml's error to report ("more than one
    // document"), once it is known to be cheap for it to read.
    let mut depth = 0usize;
    loop {
        match next(&mut builder) {
            Ok((Event::StreamEnd, _)) => break,
            Ok((ev, mark)) => {
                builder.events.supported = false;
                match ev {
                    Event::SequenceStart(..) | Event::MappingStart(..) => depth += 1,
                    Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
                    _ => {}
                }
                if depth > MAX_NESTING {
                    return Err(too_deep(builder.pos(mark.line(), mark.col(), 1), depth));
                }
            }
            Err(e) if e.last_word => return Err(e),
            Err(_) => {
                builder.events.supported = false;
                break;
            }
        }
    }
    finish(builder)
}

/// The nesting refusal for a collection at `pos`, `depth` levels deep.
fn too_deep(pos: Pos, depth: impl std::fmt::Display) -> YamlError {
    let message = format!(
        "this collection is nested {depth} levels deep; files may nest at most {MAX_NESTING}"
    );
    YamlError::limit(message, pos, DEEP_HINT)
}

/// A yaml-rust2 error as a [`YamlError`]. yaml-rust2 stops at 255 nested flow collections,
/// which is a nesting refusal; otherwise, serde_yaml (asked next for its message) would read
/// on past the error, so the error is final when more than [`MAX_NESTING`] `[`/`{` follow it.
fn syntax_error(text: &str, e: &ScanError) -> YamlError {
    let m = e.marker();
    let pos = Pos {
        line: m.line() as u32,
        col: m.col() as u32 + 1,
        len: 1,
    };
    if e.info() == "recursion limit exceeded" {
        return too_deep(pos, "more than 255");
    }
    let at = text
        .char_indices()
        .nth(m.index())
        .map_or(text.len(), |(i, _)| i);
    let openings = text.as_bytes()[at..]
        .iter()
        .filter(|&&c| c == b'[' || c == b'{')
        .count();
    YamlError {
        message: e.info().to_string(),
        pos: Some(pos),
        limit: None,
        last_word: openings > MAX_NESTING,
    }
}

/// Deserializes `T` from the events [`scan`] kept when it can, else from `text` with
/// serde_yaml (which also gives every error its message and position).
pub fn deserialize<T: DeserializeOwned>(
    text: &str,
    events: Option<Events>,
) -> Result<T, YamlError> {
    if let Some(events) = events {
        if let Ok(value) = super::events::deserialize(events) {
            return Ok(value);
        }
    }
    from_str(text)
}

enum Frame {
    Map {
        /// Where this mapping's keys start in [`Builder::seen`].
        start: usize,
        /// The same keys by hash, once there are more than [`SMALL_MAP`] of them.
        big: Option<HashIndex>,
        /// The key whose value comes next, with the hash of its path; None when a key
        /// comes next.
        pending: Option<(Step, PathHash)>,
    },
    Seq {
        next: usize,
    },
}

/// Mappings with at most this many keys look for a repeated key by scanning them: most
/// mappings are a handful of keys, and a hash map each cost more than the scan.
const SMALL_MAP: usize = 16;

/// A step of the path being built, cheap to copy: a mapping key is the index of its scalar
/// event in [`Events::evs`] (its text is needed only to report a repeated key), or `None`
/// for a key that is not a scalar.
#[derive(Debug, Clone, Copy)]
enum Step {
    Key(Option<usize>),
    Index(usize),
}

struct Builder<'a> {
    text_lines: Vec<&'a str>,
    /// A line number and its length in characters ([`Builder::line_chars`]).
    counted: (usize, usize),
    stack: Vec<Frame>,
    index: PosIndex,
    /// Path of the node being built (the parent path plus its own segment while inside).
    path: Vec<Step>,
    /// The keys read so far in each open mapping, innermost last, by their segment hash
    /// ([`key_seg`]) with their position; a mapping's keys are the tail from its `start`.
    seen: Vec<(u64, Pos)>,
    /// `path_hash` of every prefix of `path` (the last is the current collection's).
    hashes: Vec<PathHash>,
    /// The node events, for deserializing without a second parser.
    events: Events,
    /// Where the first scalar holding a NUL character is: no SQL may contain one (the
    /// protocol and psql end the text there), so the project is refused.
    nul: Option<Pos>,
    /// The first crossed limit, once met; a block mapping's waits for its first key (see
    /// [`Builder::refusal`]).
    refused: Option<YamlError>,
    /// A block mapping that crosses [`MAX_NESTING`]: its mark and depth, until its first key.
    deep: Option<(Pos, usize)>,
    /// Nodes read so far, each alias counted as the nodes of the node it stands for.
    nodes: u64,
    /// How many of those nodes aliases added.
    alias_nodes: u64,
    /// The expanded size of every anchored node by anchor id; [`OPEN`] while it is read.
    anchors: Vec<u64>,
    /// Anchored collections being read: anchor id, depth and [`Builder::nodes`] before them.
    open_anchors: Vec<(usize, usize, u64)>,
}

/// The size of an anchored collection that is still being read.
const OPEN: u64 = u64::MAX;

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Self {
        Builder {
            text_lines: text.split('\n').collect(),
            counted: (usize::MAX, 0),
            stack: Vec::new(),
            // About one node per 16 bytes of YAML and one event per 7 in dense flow style: sized
            // up front, the maps rarely rehash and the event list rarely moves.
            index: PosIndex {
                empty: true,
                keys: HashIndex::with_capacity_and_hasher(text.len() / 16, Default::default()),
                values: HashIndex::with_capacity_and_hasher(text.len() / 16, Default::default()),
                ..PosIndex::default()
            },
            path: Vec::new(),
            seen: Vec::new(),
            nul: None,
            hashes: vec![ROOT],
            events: Events {
                evs: Vec::with_capacity(text.len() / 6),
                supported: true,
            },
            refused: None,
            deep: None,
            nodes: 0,
            alias_nodes: 0,
            anchors: Vec::new(),
            open_anchors: Vec::new(),
        }
    }
}

impl Builder<'_> {
    /// A position from yaml-rust2's 1-based line and 0-based column (in characters).
    fn pos(&self, line: usize, col: usize, len: usize) -> Pos {
        Pos {
            line: line as u32,
            col: col as u32 + 1,
            len: len.max(1) as u32,
        }
    }

    /// The crossed limit, if any. A block mapping's mark is the `:` of its first key (yaml-rust2
    /// sees the mapping there); the refusal points at the key itself when it comes first.
    fn refusal(&mut self) -> Option<YamlError> {
        if let Some((pos, depth)) = self.deep.take() {
            self.refuse(too_deep(pos, depth));
        }
        self.refused.take()
    }

    /// Records `e` unless a limit was crossed before.
    fn refuse(&mut self, e: YamlError) {
        if self.refused.is_none() {
            self.refused = Some(e);
        }
    }

    /// Counts one node of the document, `anchor` its anchor id (0 for none). A collection's
    /// expanded size is known when it ends ([`Builder::end_anchor`]).
    fn count(&mut self, anchor: usize, collection: bool) {
        if anchor > 0 {
            if self.anchors.len() <= anchor {
                self.anchors.resize(anchor + 1, 1);
            }
            if collection {
                self.anchors[anchor] = OPEN;
                self.open_anchors
                    .push((anchor, self.stack.len() + 1, self.nodes));
            } else {
                self.anchors[anchor] = 1;
            }
        }
        self.nodes += 1;
    }

    /// Closes the anchored collection ending at the current depth, if it is one.
    fn end_anchor(&mut self) {
        if let Some(&(id, depth, start)) = self.open_anchors.last() {
            if depth == self.stack.len() {
                self.open_anchors.pop();
                self.anchors[id] = self.nodes - start;
            }
        }
    }

    /// Counts an alias to anchor `id` at `pos`: the nodes it stands for.
    fn alias(&mut self, id: usize, pos: Pos) {
        let size = self.anchors.get(id).copied().unwrap_or(1);
        if size == OPEN {
            self.refuse(YamlError::limit(
                "this alias is inside the node it refers to, which would repeat it forever".into(),
                pos,
                ALIAS_HINT,
            ));
            return;
        }
        self.nodes = self.nodes.saturating_add(size);
        self.alias_nodes = self.alias_nodes.saturating_add(size - 1);
        if self.alias_nodes > MAX_ALIAS_NODES {
            let message = format!(
                "aliases up to here add {} nodes to the document; at most {MAX_ALIAS_NODES} may be \
                 added",
                self.alias_nodes
            );
            self.refuse(YamlError::limit(message, pos, ALIAS_HINT));
        }
    }

    /// The number of characters of line `line` (1-based). The last answer is kept: the
    /// scalars of a flow collection share a line, and counting it again for each of them
    /// was a tenth of the scan.
    fn line_chars(&mut self, line: usize) -> usize {
        if self.counted.0 != line {
            let text = self
                .text_lines
                .get(line.saturating_sub(1))
                .copied()
                .unwrap_or("");
            self.counted = (line, text.chars().count());
        }
        self.counted.1
    }

    /// Length of a scalar as written on its first line.
    fn scalar_len(&mut self, line: usize, col: usize, value: &str, style: TScalarStyle) -> usize {
        let rest: usize = self.line_chars(line).saturating_sub(col);
        let want = match style {
            TScalarStyle::Plain => value.chars().count(),
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => value.chars().count() + 2,
            _ => 1,
        };
        want.min(rest.max(1))
    }

    /// Called when a node (scalar or collection start) begins; a scalar's event is the next
    /// one pushed to the event list. Returns the step it sits at with the hash of its path,
    /// or None when it is a mapping key.
    fn begin_node(&mut self, pos: Pos, key_text: Option<&str>) -> Option<(Step, PathHash)> {
        self.index.empty = false;
        let parent = *self.hashes.last().unwrap_or(&ROOT);
        match self.stack.last_mut() {
            None => {
                self.index.values.insert(ROOT, pos);
                Some((Step::Index(usize::MAX), ROOT))
            }
            Some(Frame::Seq { next }) => {
                let h = extend_index(parent, *next);
                let step = Step::Index(*next);
                *next += 1;
                self.index.values.insert(h, pos);
                Some((step, h))
            }
            Some(Frame::Map {
                start,
                big,
                pending,
            }) => match pending.take() {
                None => {
                    // This node is a key.
                    let kh = key_seg(key_text.unwrap_or(COMPLEX_KEY));
                    let h = combine(parent, kh);
                    let keys = &self.seen[*start..];
                    let first = match big {
                        Some(map) => map.get(&kh).copied(),
                        None => keys.iter().find(|(k, _)| *k == kh).map(|(_, p)| *p),
                    };
                    let step = Step::Key(key_text.map(|_| self.events.evs.len()));
                    if let Some(first) = first {
                        let evs = &self.events.evs;
                        let mut p: Vec<Seg> =
                            self.path.iter().map(|s| seg_of(*s, None, evs)).collect();
                        p.push(seg_of(step, key_text, evs));
                        self.index.duplicates.push((p, first, pos));
                    } else {
                        match big {
                            Some(map) => {
                                map.insert(kh, pos);
                            }
                            None if keys.len() >= SMALL_MAP => {
                                let mut map: HashIndex = keys.iter().copied().collect();
                                map.insert(kh, pos);
                                *big = Some(map);
                            }
                            None => self.seen.push((kh, pos)),
                        }
                        self.index.keys.insert(h, pos);
                    }
                    *pending = Some((step, h));
                    None
                }
                Some((step, h)) => {
                    self.index.values.entry(h).or_insert(pos);
                    Some((step, h))
                }
            },
        }
    }

    /// Enters the collection at `step`, whose path hash is `h`.
    fn push(&mut self, step: Step, h: PathHash) {
        self.hashes.push(h);
        self.path.push(step);
    }
}

/// The path segment of a key that is not a scalar (a collection or an alias).
const COMPLEX_KEY: &str = "<complex key>";

/// Keys longer than this many characters are cut in the paths of repeated keys: those paths
/// are only shown, and a path is built for every repetition, so a long key above many
/// repeated ones would otherwise be copied (and printed) once per repetition.
const SHOWN_KEY: usize = 64;

/// The segment `step` stands for; `text` is a key's text when its event is not in `evs` yet.
fn seg_of(step: Step, text: Option<&str>, evs: &[Ev]) -> Seg {
    match step {
        Step::Index(i) => Seg::Index(i),
        Step::Key(i) => {
            let pushed = i.and_then(|i| match evs.get(i) {
                Some(Ev::Scalar { value, .. }) => Some(value.as_str()),
                _ => None,
            });
            let key = text.or(pushed).unwrap_or(COMPLEX_KEY);
            Seg::Key(match key.char_indices().nth(SHOWN_KEY) {
                Some((cut, _)) => format!("{}…", &key[..cut]),
                None => key.to_string(),
            })
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        self.event(ev, mark.line(), mark.col());
    }
}

impl super::fastyaml::Sink for Builder<'_> {
    fn event(&mut self, ev: Event, line: usize, col: usize) {
        Builder::event(self, ev, line, col);
    }
}

impl Builder<'_> {
    /// One event at yaml-rust2's `line` (1-based) and `col` (0-based, in characters). Taking
    /// the mark apart lets events come from a scanner other than yaml-rust2's, which cannot
    /// build a `Marker`.
    fn event(&mut self, ev: Event, line: usize, col: usize) {
        if let Some((start, depth)) = self.deep.take() {
            // A block mapping's mark is after its first key: point at the key.
            let next = self.pos(line, col, 1);
            let at = if (next.line, next.col) < (start.line, start.col) {
                next
            } else {
                start
            };
            self.refuse(too_deep(at, depth));
        }
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let len = self.scalar_len(line, col, &value, style);
                let pos = self.pos(line, col, len);
                if self.nul.is_none() && value.contains('\0') {
                    self.nul = Some(pos);
                }
                self.count(anchor, false);
                self.begin_node(pos, Some(&value));
                if tag.is_some() {
                    self.events.supported = false;
                }
                self.events.evs.push(Ev::Scalar {
                    value,
                    plain: style == TScalarStyle::Plain,
                });
            }
            Event::Alias(id) => {
                let pos = self.pos(line, col, 1);
                self.alias(id, pos);
                self.begin_node(pos, None);
                self.events.supported = false;
            }
            Event::MappingStart(anchor, ref tag) | Event::SequenceStart(anchor, ref tag) => {
                if tag.is_some() {
                    self.events.supported = false;
                }
                self.count(anchor, true);
                self.events
                    .evs
                    .push(if matches!(ev, Event::MappingStart(..)) {
                        Ev::MapStart
                    } else {
                        Ev::SeqStart
                    });
                let pos = self.pos(line, col, 1);
                let step = self.begin_node(pos, None);
                let is_root = matches!(step, Some((Step::Index(usize::MAX), _)));
                match step {
                    Some((step, h)) if !is_root => self.push(step, h),
                    Some(_) => {}
                    // A collection used as a mapping key: give it a segment so that the
                    // matching end event pops the right one.
                    None => {
                        let parent = *self.hashes.last().unwrap_or(&ROOT);
                        self.push(Step::Key(None), extend_key(parent, COMPLEX_KEY));
                    }
                }
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map {
                        start: self.seen.len(),
                        big: None,
                        pending: None,
                    }
                } else {
                    Frame::Seq { next: 0 }
                });
                let depth = self.stack.len();
                if depth > MAX_NESTING && self.refused.is_none() && self.deep.is_none() {
                    if matches!(ev, Event::MappingStart(..)) {
                        self.deep = Some((pos, depth));
                    } else {
                        self.refuse(too_deep(pos, depth));
                    }
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.events.evs.push(if matches!(ev, Event::MappingEnd) {
                    Ev::MapEnd
                } else {
                    Ev::SeqEnd
                });
                self.end_anchor();
                if let Some(Frame::Map { start, .. }) = self.stack.pop() {
                    self.seen.truncate(start);
                }
                if !self.stack.is_empty() {
                    self.path.pop();
                    self.hashes.pop();
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Seg {
        Seg::Key(s.to_string())
    }

    #[test]
    fn positions_of_keys_and_values() {
        let idx = index("tables:\n  goals:\n    columns:\n      id: { type: uuid }\n").unwrap();
        let p = vec![k("tables"), k("goals"), k("columns"), k("id"), k("type")];
        assert_eq!(
            idx.key(&p),
            Some(Pos {
                line: 4,
                col: 13,
                len: 4
            })
        );
        assert_eq!(
            idx.value(&p),
            Some(Pos {
                line: 4,
                col: 19,
                len: 4
            })
        );
        assert_eq!(
            idx.key(&[k("tables"), k("goals")]),
            Some(Pos {
                line: 2,
                col: 3,
                len: 5
            })
        );
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_positions() {
        let idx = index("tables:\n  a: {}\n  b: {}\n  a: {}\n").unwrap();
        assert_eq!(idx.duplicates.len(), 1);
        let (path, first, second) = &idx.duplicates[0];
        assert_eq!(path, &vec![k("tables"), k("a")]);
        assert_eq!((first.line, second.line), (2, 4));
    }

    /// Large mappings switch from scanning their keys to a map; nested mappings keep their
    /// own keys, so a child key may repeat its parent's.
    #[test]
    fn repeated_keys_in_large_and_nested_mappings() {
        let mut text = String::from("tables:\n");
        for i in 0..40 {
            text.push_str(&format!("  t{i}: {{ t{i}: {{ tables: 1 }}, a: 1 }}\n"));
        }
        text.push_str("  t3: {}\n  t39: { a: 1, b: 2, a: 3 }\n");
        let idx = index(&text).unwrap();
        let found: Vec<(Vec<Seg>, u32, u32)> = idx
            .duplicates
            .iter()
            .map(|(p, a, b)| (p.clone(), a.line, b.line))
            .collect();
        assert_eq!(
            found,
            vec![
                (vec![k("tables"), k("t3")], 5, 42),
                (vec![k("tables"), k("t39")], 41, 43),
                (vec![k("tables"), k("t39"), k("a")], 43, 43),
            ]
        );
    }

    #[test]
    fn sequences_are_indexed() {
        let idx = index("indexes:\n  - { columns: [a] }\n  - { columns: [b] }\n").unwrap();
        let p = vec![k("indexes"), Seg::Index(1), k("columns"), Seg::Index(0)];
        assert_eq!(idx.value(&p).map(|p| (p.line, p.col)), Some((3, 17)));
    }

    #[test]
    fn empty_document() {
        assert!(index("# only a comment\n").unwrap().empty);
        assert!(!index("a: 1\n").unwrap().empty);
    }

    /// The refusal of `text` by [`scan`]: line, column and message.
    fn refused(text: &str) -> (u32, u32, String) {
        let e = scan(text).expect_err("refused");
        assert!(e.last_word, "{}", e.message);
        let p = e.pos.expect("position");
        (p.line, p.col, e.message)
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_at_the_crossing_collection() {
        let deep = |open: &str, n: usize| format!("a: {}\n", open.repeat(n));
        // The root mapping is level 1: 63 more levels are accepted, 64 are not.
        for (open, close) in [("[", "]"), ("{a: ", "}")] {
            let ok = format!("a: {}x{}\n", open.repeat(63), close.repeat(63));
            assert!(scan(&ok).is_ok(), "{ok}");
            assert!(scan_slow(&ok).is_ok(), "{ok}");
        }
        let (line, col, msg) = refused(&deep("[", 200_000));
        assert_eq!((line, col), (1, 4 + 63));
        assert!(msg.contains("65 levels"), "{msg}");
        let (line, col, _) = refused(&deep("{a: ", 50_000));
        assert_eq!((line, col), (1, 4 + 4 * 63));
        // Block mappings: at the first key of the crossing one, not at its `:`.
        let block: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert_eq!(refused(&format!("{block}x\n")).0, 65);
        assert_eq!(refused(&format!("{block}x\n")).1, 65);
        // Sequences on one line (`- - -`), which yaml-rust2's recursive loader overflowed on.
        let (line, col, _) = refused(&format!("{}x\n", "- ".repeat(100_000)));
        assert_eq!((line, col), (1, 129));
        // Block nesting then flow nesting: 31 mappings, then `[` at levels 32, 34, … and `{`
        // at 33, 35, … 65.
        let block: String = (0..30)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let mixed = format!("{block}{}k: {}\n", " ".repeat(30), "[{a: ".repeat(10_000));
        assert_eq!(refused(&mixed).0, 31);
        assert_eq!(refused(&mixed).1, 34 + 16 * 5 + 1);
    }

    #[test]
    fn nesting_is_refused_where_only_yaml_rust2_reads() {
        // An anchor sends the file to yaml-rust2, which stops at 255 flow levels.
        let (line, col, msg) = refused(&format!("a: &x {}\n", "[".repeat(100_000)));
        assert_eq!((line, col), (1, 7 + 255));
        assert!(msg.contains("more than 255"), "{msg}");
        // Flow collections over several lines, which the fast scanner leaves to yaml-rust2.
        let multi = format!("a:\n{}  x\n", "  [\n".repeat(100));
        assert_eq!(refused(&multi).0, 1 + 64);
        // A later document (serde_yaml reads the second one to report it).
        let (line, _, _) = refused(&format!("a: b\n---\n{}\n", "[".repeat(100_000)));
        assert_eq!(line, 3);
        let later = format!("a: b\n---\n{}x\n", "- ".repeat(1000));
        assert!(refused(&later).2.contains("65 levels"));
    }

    /// serde_yaml reads a file on past the syntax error yaml-rust2 reports (here a tab after
    /// `:`, which libyaml accepts): when many openings follow, it is not asked.
    #[test]
    fn a_syntax_error_before_deep_nesting_is_final() {
        let e = scan(&format!("a:\tb\nc: {}\n", "[".repeat(100_000))).expect_err("error");
        assert!(e.last_word && e.limit.is_none(), "{e:?}");
        assert_eq!(e.pos.map(|p| p.line), Some(1));
        let e = scan(&format!("a:\tb\nc: {}\n", "[".repeat(10))).expect_err("error");
        assert!(!e.last_word, "{e:?}");
    }

    #[test]
    fn alias_expansion_is_bounded() {
        // Nine levels of ten aliases each: 10^9 nodes.
        let mut lol = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            lol.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let (line, _, msg) = refused(&lol);
        assert_eq!(line, 5, "{msg}");
        assert!(msg.contains("at most 100000"), "{msg}");
        // An alias inside the collection it names.
        let (line, col, msg) = refused("a: &x\n  b: [1, *x]\n");
        assert_eq!((line, col), (2, 10));
        assert!(msg.contains("inside the node it refers to"), "{msg}");
        // Ordinary reuse is fine, and a scalar anchor counts one node.
        let reuse: String =
            std::iter::once("c: &c {type: uuid, nullable: false}\ns: &s x\n".to_string())
                .chain((0..1000).map(|i| format!("t{i}: [*c, *s]\n")))
                .collect();
        assert!(scan(&reuse).is_ok());
    }

    /// Long keys are cut in the paths of repeated keys, which are built once per repetition.
    #[test]
    fn long_keys_are_cut_in_repeated_key_paths() {
        let long = "k".repeat(10_000);
        let idx = index(&format!("? {long}\n:\n  a: 1\n  a: 2\n")).unwrap();
        let (path, _, _) = &idx.duplicates[0];
        assert_eq!(path, &vec![k(&format!("{}…", "k".repeat(64))), k("a")]);
    }
}
