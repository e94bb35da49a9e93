//! A fast scanner for the YAML that schemac projects are written in.
//!
//! Every file is walked once as a stream of marked events ([`super::yaml::scan`]). yaml-rust2
//! does that at about 50 MB/s — a fifth of a whole `schemac gen` on a big project — because it
//! is a general YAML parser that reads one `char` at a time through a lookahead buffer and a
//! token queue. Project files use a small part of YAML: block mappings and sequences, one-line
//! flow collections, one-line plain and quoted scalars, literal and folded block scalars and
//! comments. This module reads exactly that subset, a line and a byte run at a time.
//!
//! The contract with its only caller, `super::yaml::scan`: [`parse`] either hands the sink
//! EXACTLY the events yaml-rust2's `Parser::load(recv, false)` would hand a receiver — the same
//! `Event` values, in the same order, at the same line and column as yaml-rust2's `Marker`
//! (1-based line, 0-based column counted in characters) — and returns `Ok`, or it returns
//! [`GiveUp`] and the caller throws away everything the sink received and runs yaml-rust2.
//! It gives up on anything outside the subset or that it is unsure of (tabs, `\r`, NUL,
//! anchors, aliases, tags, directives, document markers, complex keys, multi-line plain,
//! quoted or flow nodes, block scalar indentation indicators, a missing final newline, …)
//! and on every malformed input, so yaml-rust2 still reports every syntax error itself.
//! Marks follow yaml-rust2's token rules, not intuition: a block mapping starts at the `:`
//! of its first key, an empty value sits where the next token starts, an indentless
//! sequence starts after its first `- `. The tests compare both parsers on every YAML file
//! of the repository, on the synthetic benchmark project and on generated documents.

use yaml_rust2::parser::Event;
use yaml_rust2::scanner::TScalarStyle;

/// Receives the events, with yaml-rust2's line (1-based) and column (0-based, in characters).
pub(super) trait Sink {
    fn event(&mut self, ev: Event, line: usize, col: usize);
}

/// The input leaves the supported subset (or is not valid YAML): ask yaml-rust2.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct GiveUp;

type R<T> = Result<T, GiveUp>;

/// Deeper nesting is left to yaml-rust2 (and keeps recursion here shallow). One level more
/// than the loader accepts, so that the sink sees the collection that crosses its limit
/// ([`super::yaml::MAX_NESTING`]) and refuses the file without yaml-rust2.
const MAX_DEPTH: usize = super::yaml::MAX_NESTING + 1;

/// yaml-rust2 forgets a possible simple key 1024 characters after it starts; keys that long
/// are left to it.
const MAX_KEY: usize = 1000;

/// Parses `text`, sending its events to `sink`; on `Err` the sink's state must be discarded.
pub(super) fn parse<S: Sink>(text: &str, sink: &mut S) -> R<()> {
    if text.is_empty() {
        sink.event(Event::StreamStart, 1, 0);
        sink.event(Event::StreamEnd, 1, 0);
        return Ok(());
    }
    // The final newline keeps every line scan in bounds and makes the end-of-stream mark
    // simply "the line after the last one, column 0". A BOM is an ordinary character to
    // yaml-rust2; not worth following.
    if !text.ends_with('\n') || text.starts_with('\u{feff}') {
        return Err(GiveUp);
    }
    let mut p = Scanner {
        text,
        b: text.as_bytes(),
        pos: 0,
        line: 1,
        ls: 0,
        wide: false,
        counted: std::cell::Cell::new((0, 0)),
        doc: false,
        depth: 0,
        sink,
    };
    p.document()
}

/// A scalar read on one line, with the mark of its first character.
struct Scalar {
    value: String,
    style: TScalarStyle,
    line: usize,
    col: usize,
}

impl Scalar {
    fn event(self) -> (Event, usize, usize) {
        (
            Event::Scalar(self.value, self.style, 0, None),
            self.line,
            self.col,
        )
    }
}

/// Byte classes for the plain-scalar loops.
const ORD: u8 = 0;
const SPACE: u8 = 1;
const COLON: u8 = 2;
const FLOW: u8 = 3;
const HIGH: u8 = 4;
const BAD: u8 = 5;
const NL: u8 = 6;

const fn classes() -> [u8; 256] {
    let mut t = [ORD; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if i >= 0x80 {
            HIGH
        } else if i < 0x20 {
            BAD
        } else {
            ORD
        };
        i += 1;
    }
    t[b'\n' as usize] = NL;
    t[b' ' as usize] = SPACE;
    t[b':' as usize] = COLON;
    t[b',' as usize] = FLOW;
    t[b'[' as usize] = FLOW;
    t[b']' as usize] = FLOW;
    t[b'{' as usize] = FLOW;
    t[b'}' as usize] = FLOW;
    t
}

static CLASS: [u8; 256] = classes();

fn is_flow(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

/// Characters that cannot start a plain scalar here (or whose meaning is not followed).
fn bad_plain_start(c: u8) -> bool {
    c < 0x20
        || matches!(
            c,
            b' ' | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b','
                | b'?'
                | b':'
        )
}

struct Scanner<'a, S> {
    text: &'a str,
    b: &'a [u8],
    /// The cursor (a byte offset).
    pos: usize,
    /// The 1-based line of the cursor.
    line: usize,
    /// Byte offset where the cursor's line starts.
    ls: usize,
    /// Whether non-ASCII text may sit between `ls` and the cursor (columns are characters).
    wide: bool,
    /// The last column counted on a wide line: a byte offset and its column.
    counted: std::cell::Cell<(usize, usize)>,
    /// Whether DocumentStart was sent (it comes with the first node's mark).
    doc: bool,
    depth: usize,
    sink: &'a mut S,
}

impl<S: Sink> Scanner<'_, S> {
    // ----- positions and events -----

    /// The 0-based character column of byte `p` on the cursor's line.
    fn col(&self, p: usize) -> usize {
        if !self.wide {
            return p - self.ls;
        }
        // Count on from the last column asked on this line: a long line of short flow
        // scalars asks for one column per scalar, and counting each from the line's start
        // was quadratic in the line's length.
        let (from, col) = match self.counted.get() {
            (at, col) if at >= self.ls && at <= p => (at, col),
            _ => (self.ls, 0),
        };
        let col = col + self.text[from..p].chars().count();
        self.counted.set((p, col));
        col
    }

    fn emit(&mut self, ev: Event, line: usize, col: usize) {
        if !self.doc {
            self.doc = true;
            self.sink.event(Event::DocumentStart, line, col);
        }
        self.sink.event(ev, line, col);
    }

    /// Sends `ev` with the mark of byte `p` on the cursor's line.
    fn emit_at(&mut self, ev: Event, p: usize) {
        let col = self.col(p);
        self.emit(ev, self.line, col);
    }

    fn emit_scalar(&mut self, s: Scalar) {
        let (ev, line, col) = s.event();
        self.emit(ev, line, col);
    }

    fn empty_scalar() -> Event {
        Event::Scalar(String::new(), TScalarStyle::Plain, 0, None)
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(GiveUp);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ----- lines -----

    /// Moves the cursor past the newline at `nl`.
    fn newline(&mut self, nl: usize) {
        self.pos = nl + 1;
        self.ls = self.pos;
        self.line += 1;
        self.wide = false;
    }

    /// The newline ending the comment that starts at `p`.
    fn comment_end(&mut self, p: usize) -> R<usize> {
        let n = self.text[p..].find('\n').ok_or(GiveUp)?;
        let comment = &self.b[p..p + n];
        // yaml-rust2 ends a comment at `\r` (a line break to it) and the stream at NUL.
        if comment.iter().any(|&c| c == b'\r' || c == 0) {
            return Err(GiveUp);
        }
        self.wide = true;
        Ok(p + n)
    }

    /// With the cursor at the start of a line: skips blank and comment lines and leaves the
    /// cursor on the first character of the next line with content. Returns that line's
    /// indentation, or -1 at the end of the text (the cursor is then on the line after the
    /// last, column 0: yaml-rust2's end-of-stream mark).
    fn content_line(&mut self) -> R<isize> {
        loop {
            if self.pos >= self.b.len() {
                return Ok(-1);
            }
            let mut p = self.pos;
            while self.b[p] == b' ' {
                p += 1;
            }
            match self.b[p] {
                b'\n' => self.newline(p),
                b'#' => {
                    let nl = self.comment_end(p)?;
                    self.newline(nl);
                }
                c if c < 0x20 => return Err(GiveUp),
                _ => {
                    if p == self.ls
                        && (self.b[p..].starts_with(b"---") || self.b[p..].starts_with(b"..."))
                    {
                        return Err(GiveUp);
                    }
                    self.pos = p;
                    return Ok((p - self.ls) as isize);
                }
            }
        }
    }

    /// After a node: the rest of the line may hold spaces and a comment (after a space).
    /// Moves to the next line with content and returns its indentation (see
    /// [`Self::content_line`]).
    fn finish_line(&mut self) -> R<isize> {
        let mut p = self.pos;
        while self.b[p] == b' ' {
            p += 1;
        }
        let nl = match self.b[p] {
            b'\n' => p,
            b'#' if p > self.pos => self.comment_end(p)?,
            _ => return Err(GiveUp),
        };
        self.newline(nl);
        self.content_line()
    }

    fn skip_spaces(&self, mut p: usize) -> usize {
        while self.b[p] == b' ' {
            p += 1;
        }
        p
    }

    /// Whether a block sequence entry (`-` then a space or the line's end) starts at `p`.
    fn is_entry(&self, p: usize) -> bool {
        self.b[p] == b'-' && matches!(self.b[p + 1], b' ' | b'\n')
    }

    /// yaml-rust2's mark of the entry token of the `- ` at `p`: after the dash, its spaces
    /// and a comment that ends the line.
    fn entry_mark(&self, p: usize) -> (usize, usize) {
        let mut q = self.skip_spaces(p + 1);
        if self.b[q] == b'#' {
            q += self.text[q..].find('\n').unwrap_or(0);
            return (self.line, self.text[self.ls..q].chars().count());
        }
        (self.line, self.col(q))
    }

    // ----- document and block nodes -----

    fn document(&mut self) -> R<()> {
        self.sink.event(Event::StreamStart, 1, 0);
        let m = self.content_line()?;
        if m < 0 {
            self.sink.event(Event::StreamEnd, self.line, 0);
            return Ok(());
        }
        // A document of one scalar or flow collection is not something schemac reads.
        let next = self.block_collection(m as usize)?;
        if next >= 0 {
            return Err(GiveUp);
        }
        self.sink.event(Event::DocumentEnd, self.line, 0);
        Ok(())
    }

    /// The block collection whose first line is the cursor's, indented by `m`.
    fn block_collection(&mut self, m: usize) -> R<isize> {
        if self.is_entry(self.pos) {
            self.block_seq(m, false)
        } else {
            self.block_map(m, None)
        }
    }

    /// A block mapping indented by `n`: the cursor is on its first key, unless that key
    /// was already read (`first`, with the byte offset of its `:`).
    fn block_map(&mut self, n: usize, first: Option<(Scalar, usize)>) -> R<isize> {
        self.enter()?;
        let (mut key, mut colon) = match first {
            Some(k) => k,
            None => self.key()?,
        };
        // A block mapping's mark is the `:` of its first key.
        self.emit_at(Event::MappingStart(0, None), colon);
        let next = loop {
            self.emit_scalar(key);
            self.pos = colon + 1;
            let next = self.map_value(n)?;
            if next != n as isize {
                if next > n as isize {
                    return Err(GiveUp);
                }
                break next;
            }
            (key, colon) = self.key()?;
        };
        self.emit_at(Event::MappingEnd, self.pos);
        self.leave();
        Ok(next)
    }

    /// A mapping key at the cursor: the scalar and the offset of its `:`.
    fn key(&mut self) -> R<(Scalar, usize)> {
        let start = self.pos;
        let (s, colon) = self.block_scalar_token()?;
        match colon {
            Some(c) if c - start < MAX_KEY => Ok((s, c)),
            _ => Err(GiveUp),
        }
    }

    /// The value of a block mapping entry indented by `n`; the cursor is just after the `:`
    /// (followed by a space or the line's end). Returns the next line's indentation.
    fn map_value(&mut self, n: usize) -> R<isize> {
        let p = self.skip_spaces(self.pos);
        if !matches!(self.b[p], b'\n' | b'#') {
            self.pos = p;
            return self.inline_value(n);
        }
        let m = self.finish_line()?;
        if m > n as isize {
            self.block_collection(m as usize)
        } else if m == n as isize && self.is_entry(self.pos) {
            self.block_seq(n, true)
        } else {
            // An empty value sits where the next token starts.
            self.emit_at(Self::empty_scalar(), self.pos);
            Ok(m)
        }
    }

    /// A block sequence indented by `n`, the cursor on its first `-`. An indentless
    /// sequence (a mapping value at the mapping's own indentation) starts where its first
    /// entry's content does, and ends at a line of the mapping.
    fn block_seq(&mut self, n: usize, indentless: bool) -> R<isize> {
        self.enter()?;
        if indentless {
            let (line, col) = self.entry_mark(self.pos);
            self.emit(Event::SequenceStart(0, None), line, col);
        } else {
            self.emit_at(Event::SequenceStart(0, None), self.pos);
        }
        let next = loop {
            let next = self.entry(n)?;
            if next == n as isize {
                if self.is_entry(self.pos) {
                    continue;
                }
                if indentless {
                    break next;
                }
                return Err(GiveUp);
            }
            if next > n as isize {
                return Err(GiveUp);
            }
            break next;
        };
        self.emit_at(Event::SequenceEnd, self.pos);
        self.leave();
        Ok(next)
    }

    /// One entry of a block sequence indented by `n`, the cursor on its `-`.
    fn entry(&mut self, n: usize) -> R<isize> {
        let p = self.skip_spaces(self.pos + 1);
        match self.b[p] {
            b'\n' | b'#' => {
                self.pos += 1;
                let m = self.finish_line()?;
                if m > n as isize {
                    return self.block_collection(m as usize);
                }
                // An empty entry sits where the next token starts: the next entry's token
                // is after its `- `.
                let (line, col) = if m == n as isize && self.is_entry(self.pos) {
                    self.entry_mark(self.pos)
                } else {
                    (self.line, self.col(self.pos))
                };
                self.emit(Self::empty_scalar(), line, col);
                Ok(m)
            }
            b'[' | b'{' | b'|' | b'>' => {
                self.pos = p;
                self.inline_value(n)
            }
            _ => {
                // `- - x` (a sequence in a sequence on one line) is left to yaml-rust2.
                if self.is_entry(p) {
                    return Err(GiveUp);
                }
                self.pos = p;
                let (s, colon) = self.block_scalar_token()?;
                match colon {
                    // `- key: value`: a mapping indented to its first key.
                    Some(c) if c - p < MAX_KEY => {
                        let indent = s.col;
                        self.block_map(indent, Some((s, c)))
                    }
                    Some(_) => Err(GiveUp),
                    None => {
                        self.emit_scalar(s);
                        self.finish_line()
                    }
                }
            }
        }
    }

    /// A value written on the line of its key or `-`, inside a block collection indented
    /// by `n`. Returns the next line's indentation.
    fn inline_value(&mut self, n: usize) -> R<isize> {
        match self.b[self.pos] {
            b'[' | b'{' => {
                self.flow_node()?;
                self.finish_line()
            }
            b'|' | b'>' => self.block_scalar(n),
            _ => {
                // A `- ` here would be a sequence as a mapping value on one line: an error.
                if self.is_entry(self.pos) {
                    return Err(GiveUp);
                }
                let (s, colon) = self.block_scalar_token()?;
                if colon.is_some() {
                    return Err(GiveUp);
                }
                self.emit_scalar(s);
                self.finish_line()
            }
        }
    }

    /// A plain or quoted scalar in block context at the cursor, and the offset of the `:`
    /// that follows it when it is a key. Otherwise the cursor is left just after it.
    fn block_scalar_token(&mut self) -> R<(Scalar, Option<usize>)> {
        let start = self.pos;
        let line = self.line;
        let col = self.col(start);
        match self.b[start] {
            q @ (b'\'' | b'"') => {
                let value = self.quoted(q)?;
                let style = if q == b'\'' {
                    TScalarStyle::SingleQuoted
                } else {
                    TScalarStyle::DoubleQuoted
                };
                let s = Scalar {
                    value,
                    style,
                    line,
                    col,
                };
                let p = self.skip_spaces(self.pos);
                if self.b[p] == b':' {
                    if !matches!(self.b[p + 1], b' ' | b'\n') {
                        return Err(GiveUp);
                    }
                    return Ok((s, Some(p)));
                }
                Ok((s, None))
            }
            _ => {
                let (value, colon) = self.plain_block()?;
                let s = Scalar {
                    value,
                    style: TScalarStyle::Plain,
                    line,
                    col,
                };
                Ok((s, colon))
            }
        }
    }

    /// A one-line plain scalar in block context. Stops at the line's end, at ` #` and at a
    /// `:` followed by a space or the line's end (returned: the scalar is a key); trailing
    /// spaces are not part of it. The cursor is left at its end.
    fn plain_block(&mut self) -> R<(String, Option<usize>)> {
        let b = self.b;
        let start = self.pos;
        if bad_plain_start(b[start]) || (b[start] == b'-' && matches!(b[start + 1], b' ' | b'\n')) {
            return Err(GiveUp);
        }
        let mut i = start;
        let mut end = start;
        let mut colon = None;
        loop {
            match CLASS[b[i] as usize] {
                ORD | FLOW => {
                    i += 1;
                    end = i;
                }
                HIGH => {
                    self.wide = true;
                    i += 1;
                    end = i;
                }
                COLON => {
                    if matches!(b[i + 1], b' ' | b'\n') {
                        colon = Some(i);
                        break;
                    }
                    i += 1;
                    end = i;
                }
                SPACE => {
                    let j = self.skip_spaces(i);
                    match b[j] {
                        b'\n' | b'#' => break,
                        b':' if matches!(b[j + 1], b' ' | b'\n') => {
                            colon = Some(j);
                            break;
                        }
                        _ => i = j,
                    }
                }
                NL => break,
                _ => return Err(GiveUp),
            }
        }
        self.pos = end;
        Ok((self.text[start..end].to_owned(), colon))
    }

    /// A one-line quoted scalar at the cursor (its opening quote `q`); the cursor is left
    /// after the closing quote.
    fn quoted(&mut self, q: u8) -> R<String> {
        let b = self.b;
        let start = self.pos + 1;
        let mut i = start;
        // Unescaped runs are copied in one go; `out` exists once an escape was met.
        let mut out: Option<String> = None;
        let mut run = start;
        loop {
            let c = b[i];
            if c == q {
                if q == b'\'' && b[i + 1] == b'\'' {
                    let s = out.get_or_insert_with(String::new);
                    s.push_str(&self.text[run..=i]);
                    i += 2;
                    run = i;
                    continue;
                }
                break;
            }
            if c < 0x20 {
                // A line break (a multi-line scalar), a tab, `\r`, NUL…
                return Err(GiveUp);
            }
            if c >= 0x80 {
                self.wide = true;
            } else if c == b'\\' && q == b'"' {
                let s = out.get_or_insert_with(String::new);
                s.push_str(&self.text[run..i]);
                i = self.escape(i, s)?;
                run = i;
                continue;
            }
            i += 1;
        }
        let value = match out {
            None => self.text[start..i].to_owned(),
            Some(mut s) => {
                s.push_str(&self.text[run..i]);
                s
            }
        };
        self.pos = i + 1;
        Ok(value)
    }

    /// The escape sequence at `i` (a backslash in a double-quoted scalar), appended to
    /// `out`; returns the offset after it.
    fn escape(&self, i: usize, out: &mut String) -> R<usize> {
        let b = self.b;
        let simple = match b[i + 1] {
            b'0' => '\0',
            b'a' => '\x07',
            b'b' => '\x08',
            b't' => '\t',
            b'n' => '\n',
            b'v' => '\x0b',
            b'f' => '\x0c',
            b'r' => '\r',
            b'e' => '\x1b',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' | b'u' | b'U' => {
                let len = match b[i + 1] {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                for k in 0..len {
                    let d = (b[i + 2 + k] as char).to_digit(16).ok_or(GiveUp)?;
                    v = (v << 4) | d;
                }
                out.push(char::from_u32(v).ok_or(GiveUp)?);
                return Ok(i + 2 + len);
            }
            // Unknown escapes are errors; an escaped line break continues the scalar on the
            // next line.
            _ => return Err(GiveUp),
        };
        out.push(simple);
        Ok(i + 2)
    }

    // ----- block scalars -----

    /// A literal or folded block scalar whose header is at the cursor, the value of an entry
    /// of a block collection indented by `n`. Returns the next line's indentation.
    fn block_scalar(&mut self, n: usize) -> R<isize> {
        let b = self.b;
        let literal = b[self.pos] == b'|';
        let mut p = self.pos + 1;
        // Chomping: Some(false) strips the final line break, Some(true) keeps trailing
        // empty lines, None clips.
        let keep = match b[p] {
            b'-' => {
                p += 1;
                Some(false)
            }
            b'+' => {
                p += 1;
                Some(true)
            }
            _ => None,
        };
        // The header's rest: spaces and a comment after a space (no indentation indicator).
        let q = self.skip_spaces(p);
        let nl = match b[q] {
            b'\n' => q,
            b'#' if q > p => self.comment_end(q)?,
            _ => return Err(GiveUp),
        };
        self.newline(nl);

        // Leading empty lines, then the first content line fixes the indentation: the most
        // spaces seen on those lines, and at least one more than the collection's.
        let mut value = String::new();
        let mut max_spaces = 0;
        let indent = loop {
            if self.pos >= b.len() {
                return Err(GiveUp);
            }
            let sp = self.skip_spaces(self.pos) - self.ls;
            max_spaces = max_spaces.max(sp);
            if b[self.ls + sp] == b'\n' {
                value.push('\n');
                self.newline(self.ls + sp);
                continue;
            }
            let indent = max_spaces.max(n + 1);
            // Less indented content ends an empty scalar; more spaces on an empty line
            // than on the first content line is an error.
            if sp != indent {
                return Err(GiveUp);
            }
            break indent;
        };
        let (line, col) = (self.line, indent);

        // `breaks` counts line breaks not yet added (after a content line, then those of the
        // empty lines that follow it); `blank_before` says the last content line started
        // with a space.
        let mut breaks = 0usize;
        let mut after_content = false;
        let mut blank_before = false;
        let next_indent = loop {
            // The cursor's line is a content line, indented by at least `indent`.
            let start = self.ls + indent;
            let rel = self.text[start..].find('\n').ok_or(GiveUp)?;
            let end = start + rel;
            let content = &b[start..end];
            if content.iter().any(|&c| c == b'\r' || c == 0) {
                return Err(GiveUp);
            }
            let lead = content.iter().take_while(|&&c| c == b' ' || c == b'\t');
            if lead.clone().any(|&c| c == b'\t') {
                return Err(GiveUp);
            }
            let blank = content.first() == Some(&b' ');
            if !literal && after_content && !blank_before && !blank {
                // Folding: a single line break becomes a space; more keep all but one.
                if breaks == 1 {
                    value.push(' ');
                } else {
                    push_breaks(&mut value, breaks - 1);
                }
            } else {
                push_breaks(&mut value, breaks);
            }
            blank_before = blank;
            value.push_str(&self.text[start..end]);
            after_content = true;
            breaks = 1;
            self.newline(end);
            if let Some(next) = self.block_scalar_gap(indent, &mut breaks)? {
                break next;
            }
        };
        // Chomping: clip keeps one final break, keep keeps them all, strip none.
        match keep {
            Some(false) => {}
            None => push_breaks(&mut value, breaks.min(1)),
            Some(true) => push_breaks(&mut value, breaks),
        }
        let style = if literal {
            TScalarStyle::Literal
        } else {
            TScalarStyle::Folded
        };
        self.emit(Event::Scalar(value, style, 0, None), line, col);
        Ok(next_indent)
    }

    /// After a content line of a block scalar indented by `indent`: counts the empty lines
    /// (up to `indent` spaces) into `breaks`. Returns None when a content line follows,
    /// else the indentation of the next line with content (-1 at the end), read as usual.
    fn block_scalar_gap(&mut self, indent: usize, breaks: &mut usize) -> R<Option<isize>> {
        let b = self.b;
        loop {
            if self.pos >= b.len() {
                return Ok(Some(-1));
            }
            let mut q = self.pos;
            while q < self.ls + indent && b[q] == b' ' {
                q += 1;
            }
            if b[q] == b'\n' {
                *breaks += 1;
                self.newline(q);
                continue;
            }
            if q < self.ls + indent {
                // Content (or a comment, or a tab) indented less than the scalar.
                return self.content_line().map(Some);
            }
            return Ok(None);
        }
    }

    // ----- flow collections (on one line) -----

    /// Skips spaces inside a flow collection; it must go on on the same line.
    fn flow_space(&mut self) -> R<()> {
        self.pos = self.skip_spaces(self.pos);
        match self.b[self.pos] {
            b'\n' | b'#' => Err(GiveUp),
            c if c < 0x20 => Err(GiveUp),
            _ => Ok(()),
        }
    }

    /// A node inside a flow collection (or the collection that starts one), at the cursor;
    /// the cursor is left after it.
    fn flow_node(&mut self) -> R<()> {
        match self.b[self.pos] {
            b'[' => self.flow_seq(),
            b'{' => self.flow_map(),
            _ => {
                let s = self.flow_scalar()?;
                self.emit_scalar(s);
                Ok(())
            }
        }
    }

    fn flow_scalar(&mut self) -> R<Scalar> {
        let start = self.pos;
        let line = self.line;
        let col = self.col(start);
        let (value, style) = match self.b[start] {
            b'\'' => (self.quoted(b'\'')?, TScalarStyle::SingleQuoted),
            b'"' => (self.quoted(b'"')?, TScalarStyle::DoubleQuoted),
            _ => (self.plain_flow()?, TScalarStyle::Plain),
        };
        Ok(Scalar {
            value,
            style,
            line,
            col,
        })
    }

    fn flow_seq(&mut self) -> R<()> {
        self.enter()?;
        self.emit_at(Event::SequenceStart(0, None), self.pos);
        self.pos += 1;
        self.flow_space()?;
        loop {
            match self.b[self.pos] {
                b']' => break,
                b',' => return Err(GiveUp),
                _ => {}
            }
            self.flow_node()?;
            self.flow_space()?;
            match self.b[self.pos] {
                b',' => {
                    self.pos += 1;
                    self.flow_space()?;
                }
                b']' => {}
                // `[a: b]` (a pair) and everything else.
                _ => return Err(GiveUp),
            }
        }
        self.emit_at(Event::SequenceEnd, self.pos);
        self.pos += 1;
        self.leave();
        Ok(())
    }

    fn flow_map(&mut self) -> R<()> {
        self.enter()?;
        self.emit_at(Event::MappingStart(0, None), self.pos);
        self.pos += 1;
        self.flow_space()?;
        // yaml-rust2 marks the end of `{a: b,}` at its last comma.
        let mut end = None;
        loop {
            match self.b[self.pos] {
                b'}' => break,
                b',' | b'[' | b'{' => return Err(GiveUp),
                _ => {}
            }
            let key = self.flow_scalar()?;
            self.flow_space()?;
            let colon = self.pos;
            if self.b[colon] != b':' {
                return Err(GiveUp);
            }
            self.pos += 1;
            match self.b[self.pos] {
                b' ' => self.flow_space()?,
                b',' | b'}' => {}
                _ => return Err(GiveUp),
            }
            self.emit_scalar(key);
            if matches!(self.b[self.pos], b',' | b'}') {
                // `{ a: }`: the empty value is marked at the `:`.
                self.emit_at(Self::empty_scalar(), colon);
            } else {
                self.flow_node()?;
                self.flow_space()?;
            }
            match self.b[self.pos] {
                b',' => {
                    end = Some(self.pos);
                    self.pos += 1;
                    self.flow_space()?;
                }
                b'}' => end = None,
                _ => return Err(GiveUp),
            }
        }
        self.emit_at(Event::MappingEnd, end.unwrap_or(self.pos));
        self.pos += 1;
        self.leave();
        Ok(())
    }

    /// A one-line plain scalar inside a flow collection: it ends at `,[]{}`, at a `:` followed
    /// by a space or one of those, and before trailing spaces. The cursor is left at its end.
    fn plain_flow(&mut self) -> R<String> {
        let b = self.b;
        let start = self.pos;
        let c = b[start];
        if bad_plain_start(c)
            || (c == b'-' && (matches!(b[start + 1], b' ' | b'\n') || is_flow(b[start + 1])))
        {
            return Err(GiveUp);
        }
        let mut i = start;
        let mut end = start;
        loop {
            match CLASS[b[i] as usize] {
                ORD => {
                    i += 1;
                    end = i;
                }
                HIGH => {
                    self.wide = true;
                    i += 1;
                    end = i;
                }
                FLOW => break,
                COLON => {
                    let n = b[i + 1];
                    if n == b' ' || n == b'\n' || is_flow(n) {
                        break;
                    }
                    i += 1;
                    end = i;
                }
                SPACE => {
                    let j = self.skip_spaces(i);
                    match b[j] {
                        // A comment or line break inside a flow collection: multi-line.
                        b'\n' | b'#' => return Err(GiveUp),
                        c if is_flow(c) => break,
                        b':' if b[j + 1] == b' ' || b[j + 1] == b'\n' || is_flow(b[j + 1]) => break,
                        // yaml-rust2 rejects `-` followed by a flow indicator after a space.
                        b'-' if is_flow(b[j + 1]) => return Err(GiveUp),
                        _ => i = j,
                    }
                }
                _ => return Err(GiveUp),
            }
        }
        self.pos = end;
        Ok(self.text[start..end].to_owned())
    }
}

fn push_breaks(s: &mut String, n: usize) {
    for _ in 0..n {
        s.push('\n');
    }
}

/// The synthetic benchmark project (`examples/common`), for the tests.
#[cfg(test)]
#[path = "../../examples/common/mod.rs"]
mod synthetic;

#[cfg(test)]
mod tests {
    use super::synthetic;
    use super::{parse, Sink};
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::Marker;

    type Evs = Vec<(Event, usize, usize)>;

    impl Sink for Evs {
        fn event(&mut self, ev: Event, line: usize, col: usize) {
            self.push((ev, line, col));
        }
    }

    struct Rec(Evs);

    impl MarkedEventReceiver for Rec {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            self.0.push((ev, mark.line(), mark.col()));
        }
    }

    /// What yaml-rust2 hands `scan`'s receiver, and whether the stream ends after that
    /// document; None when it reports an error.
    fn slow(text: &str) -> Option<(Evs, bool)> {
        let mut rec = Rec(Vec::new());
        let mut parser = Parser::new_from_str(text);
        parser.load(&mut rec, false).ok()?;
        let single = matches!(parser.peek(), Ok((Event::StreamEnd, _)));
        Some((rec.0, single))
    }

    fn fast(text: &str) -> Option<Evs> {
        let mut evs = Vec::new();
        parse(text, &mut evs).ok().map(|()| evs)
    }

    /// The contract on one text: when the fast path accepts it, yaml-rust2 accepts it too,
    /// as one document, with the same events at the same marks, and `scan` builds the same
    /// index and events both ways. Returns whether the fast path took it.
    fn check(text: &str) -> bool {
        let Some(f) = fast(text) else {
            return false;
        };
        let Some((s, single)) = slow(text) else {
            panic!("the fast path accepts what yaml-rust2 rejects:\n{text}");
        };
        assert!(single, "the fast path accepts several documents:\n{text}");
        if f != s {
            let diff = f
                .iter()
                .zip(&s)
                .position(|(a, b)| a != b)
                .unwrap_or(f.len().min(s.len()));
            panic!(
                "events differ at #{diff}:\nfast: {:?}\nslow: {:?}\n--- text:\n{text}",
                &f[diff..(diff + 4).min(f.len())],
                &s[diff..(diff + 4).min(s.len())]
            );
        }
        match (
            super::super::yaml::scan(text),
            super::super::yaml::scan_slow(text),
        ) {
            (Ok((fi, fe)), Ok((si, se))) => {
                assert!(fi == si, "position index differs:\n{text}");
                assert!(fe == se, "events differ:\n{text}");
            }
            // A NUL in a scalar is refused the same way by both.
            (Err(a), Err(b)) => assert_eq!(
                (a.message, a.pos.map(|p| (p.line, p.col))),
                (b.message, b.pos.map(|p| (p.line, p.col))),
                "{text}"
            ),
            (a, b) => panic!("scan {:?} but scan_slow {:?}:\n{text}", a.err(), b.err()),
        }
        true
    }

    fn gives_up(text: &str) {
        assert!(
            fast(text).is_none(),
            "the fast path should give up on {text:?}"
        );
    }

    /// Every YAML file of the repository (projects, fixtures, broken inputs, CI config).
    #[test]
    fn agrees_with_yaml_rust2_on_every_repository_file() {
        let files = crate::load::repository_yaml();
        let mut readable = 0;
        let mut taken = 0;
        let mut left: Vec<String> = Vec::new();
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            readable += 1;
            if check(&text) {
                taken += 1;
            } else {
                left.push(f.display().to_string());
            }
        }
        eprintln!(
            "{taken} of {readable} readable YAML files took the fast path; left to yaml-rust2:\n  {}",
            left.join("\n  ")
        );
        assert!(readable > 300, "only {readable} YAML files found");
        assert!(
            taken * 100 >= readable * 85,
            "only {taken} of {readable} files took the fast path"
        );
    }

    /// The synthetic benchmark project must take the fast path, file by file.
    #[test]
    fn synthetic_project_takes_the_fast_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        synthetic::write_project(dir.path(), 300).expect("write");
        let mut files = vec![
            dir.path().join("schemac.yaml"),
            dir.path().join("functions.yaml"),
        ];
        for e in std::fs::read_dir(dir.path().join("tables")).expect("tables") {
            files.push(e.expect("entry").path());
        }
        assert_eq!(files.len(), 8);
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read");
            assert!(check(&text), "{} left the fast path", f.display());
        }
    }

    #[test]
    fn supported_constructs() {
        let texts = [
            "",
            "\n",
            "# only a comment\n\n",
            "a: b\n",
            "a: b\nc:\n  d: e\nf:\n- g\n- h\ni:\n  - j: k\n    l: m\n  -\n  - x\n",
            "a:\nb: c\n",
            "a: { b: c, d: [x, y], e: }\n",
            "a: {b: c,}\nd: [x,]\ne: []\nf: {}\ng: { }\nh: [ ]\n",
            "id: { type: uuid, primary_key: true, default: gen_random_uuid() }\n",
            "check: amount >= 0\nref: auth.users(id)\nx: a::b\ny: it's\nz: a#b # c\n",
            "a:    spaced   value    \n'q k' : v\n\"d k\": v\nk l: m\n",
            "a: \"x\\ty\\u00e9\\x41\\\\\\\"\\/\"\nb: 'it''s'\nc: \"a: b # c\"\nd: ''\ne: \"\"\n",
            "a: |\n  x\n  y\nb: >-\n  p\n  q\n",
            "a: |\n\n  x\n\n   y\n  z\n\n\nb: >\n  p\n\n  q\n   r\n  s\nc: |+\n  k\n\n",
            "- a: |\n    body\n  b: c\n- |-\n  x\n",
            "a:\n- x\n-   # c\n-\nb: c\n",
            "- \"k\": v\n  'q' : w\n-\n",
            "- a\n-\n  - b\n  -\n",
            "a:\n  b:\nc:\n  - d:\n    e: f\n",
            "é: ü\nkey: [ä, ö]   # ß\nz: 1\n",
            // Columns on a line with wide characters are counted on from the last one, and
            // from the line's start when an earlier one is asked (the last comma of `{…,}`).
            "é: [ü, a, 日本, b, 'ö', c]\nk: {é: ü, 日: [x, ß], b: y,}\n",
            "  a: 1\n  b: 2\n",
            "a: -1\nb: ~\nc: 1.5\nd: null\ne: -x\n",
            "a:\n  # c\n  b: c # d\n# e\n",
        ];
        for t in texts {
            assert!(check(t), "left the fast path: {t:?}");
        }
        // yaml-rust2 reads block scalars indented by 14 or more with other code.
        let deep = "a:\n  b:\n    c:\n      d:\n        e:\n          f:\n            g:\n              h: |\n                deep\n\n                 deeper\n              i: >-\n                   x\n                   y\n";
        assert!(check(deep));
        // Keys are kept well below yaml-rust2's 1024-character limit on simple keys.
        assert!(check(&format!("{}: v\n", "k".repeat(900))));
        gives_up(&format!("{}: v\n", "k".repeat(1100)));
    }

    #[test]
    fn gives_up_outside_the_subset() {
        for t in [
            "a:\tb\n",
            "a:\n\tb: c\n",
            "a: b\t\n",
            "a: &x b\nc: *x\n",
            "a: !!str b\n",
            "a: !t b\n",
            "%YAML 1.2\n---\na: b\n",
            "---\na: b\n",
            "a: b\n...\n",
            "a: b\n---\nc: d\n",
            "? a\n: b\n",
            "a: multi\n  line\n",
            "a: 'multi\n  line'\n",
            "a: \"multi\n  line\"\n",
            "a: \"esc\\\n  aped\"\n",
            "a: [x,\n  y]\n",
            "a: {x: y,\n  z: w}\n",
            "a: |2\n   x\n",
            "a: |\n",
            "a: b\r\nc: d\r\n",
            "a: b",
            "\u{feff}a: b\n",
            "a: b\0\n",
            "- - x\n",
            "a: |\n  x\n\0\n",
            "[a, b]\n",
            "just a scalar\n",
            "a\n",
            "a: [x: y]\n",
            "a: {x}\n",
            "a: {\"x\":y}\n",
            "a: [{x: y}: z]\n",
        ] {
            gives_up(t);
        }
    }

    #[test]
    fn gives_up_on_malformed_input() {
        for t in [
            "a: b: c\n",
            "a: - b\n",
            "a:\n  - b\n  c: d\n",
            "a: b\n  c: d\n",
            "- a\n b: c\n",
            "a: 'x' y\n",
            "a: 'x'#c\n",
            "a: [x]#c\n",
            "a: \"\\q\"\n",
            "a: \"unterminated\n",
            "a: [x, y\n",
            "a: {x: y\n",
            "a: [x, , y]\n",
            "a: {x: y, , z: w}\n",
            "a: @x\n",
            "a: `x\n",
            "a: [a -]\n",
            "a: [- a]\n",
            "a: |x\n  b\n",
            "a: |#c\n  b\n",
            "a: b\n- c\n",
            "a: b\nc\n",
            "a:\n    x: 1\n  y: 2\n",
        ] {
            assert!(slow(t).is_none(), "yaml-rust2 accepts {t:?}");
            gives_up(t);
        }
    }

    /// A small deterministic generator (xorshift64*), no dependency needed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
    }

    const KEYS: &[&str] = &[
        "a",
        "id",
        "user_id",
        "type",
        "default",
        "k l",
        "'q k'",
        "\"d k\"",
        "é",
        "x-y",
        "-k",
        "k:v",
        "a#b",
        "1",
        "~",
        "'it''s'",
        "\"a\\tb\"",
        "true",
        "on_delete",
        "key.with.dots",
        "日本",
        "'🙂 x'",
    ];

    const SCALARS: &[&str] = &[
        "x",
        "gen_random_uuid()",
        "amount >= 0",
        "auth.users(id)",
        "a::b",
        "it's",
        "text[]",
        "\"numeric(12,2)\"",
        "\"'new'\"",
        "'it''s'",
        "\"a: b # c\"",
        "\"esc \\\" \\\\ \\n \\u00e9 \\x41\"",
        "''",
        "\"\"",
        "~",
        "-1",
        "1.5",
        "-x",
        "x#y",
        "x #c",
        "a b  c",
        "é ü",
        "null",
        "x:y",
        "now()",
        "日本語 テキスト",
        "\"🙂\"",
    ];

    /// Scalars yaml-rust2 rejects or reads as something else.
    const AWKWARD: &[&str] = &[
        "a: b",
        "- x",
        "&x y",
        "*x",
        "!t x",
        "? x",
        "@x",
        "%x",
        "`x",
        "'x'y",
        "\"unterminated",
        "x:",
        ":x",
        "?x",
        "\"\\q\"",
        "]",
        "}",
        ",x",
        "#",
        "|x",
        ">x",
    ];

    fn scalar(rng: &mut Rng) -> &'static str {
        if rng.chance(4) {
            rng.pick(AWKWARD)
        } else {
            rng.pick(SCALARS)
        }
    }

    const FLOW_ATOMS: &[&str] = &[
        "x", "a b", "'q'", "\"d\"", "-1", "é", "x:y", "f(x)", "''", "'a, b'", "\"a]\"", "x", "y z",
        "1", "~", "'a: b'", "-", "a -", "x #", "&a", "*a", "!t", "?", ":", "a:", "[]", "{}",
    ];

    fn flow(rng: &mut Rng, depth: usize) -> String {
        let seq = rng.chance(50);
        let n = rng.below(4);
        let mut items = Vec::new();
        for _ in 0..n {
            let v = if depth < 2 && rng.chance(20) {
                flow(rng, depth + 1)
            } else {
                rng.pick(FLOW_ATOMS).to_string()
            };
            if seq {
                items.push(v);
            } else {
                let k = rng.pick(&["a", "b c", "'k'", "\"k\"", "é", "x-y", "1"]);
                let sep = rng.pick(&[": ", ":  ", " : ", ":", ": "]);
                let v = if rng.chance(15) { String::new() } else { v };
                items.push(format!("{k}{sep}{v}"));
            }
        }
        let sep = rng.pick(&[", ", ",", " , ", ",  "]);
        let mut body = items.join(sep);
        if rng.chance(10) {
            body.push(',');
        }
        let pad = rng.pick(&["", " ", "  "]);
        if seq {
            format!("[{pad}{body}{pad}]")
        } else {
            format!("{{{pad}{body}{pad}}}")
        }
    }

    fn block_scalar(rng: &mut Rng, indent: usize, out: &mut String) {
        out.push_str(rng.pick(&["|", "|-", "|+", ">", ">-", ">+", "| # c", "|2", "|#c"]));
        out.push('\n');
        let inner = indent + rng.pick(&["1", "2", "2", "4"]).len().max(1) + rng.below(3);
        for _ in 0..rng.below(6) + usize::from(rng.chance(90)) {
            match rng.below(10) {
                0 => out.push('\n'),
                1 => {
                    out.push_str(&" ".repeat(rng.below(inner + 3)));
                    out.push('\n');
                }
                2 => {
                    out.push_str(&" ".repeat(inner + 1 + rng.below(3)));
                    out.push_str("more indented\n");
                }
                3 => {
                    out.push_str(&" ".repeat(inner));
                    out.push_str("# not a comment\n");
                }
                4 if rng.chance(20) => {
                    out.push_str(&" ".repeat(rng.below(inner + 1)));
                    out.push_str("less\n");
                }
                _ => {
                    out.push_str(&" ".repeat(inner));
                    out.push_str(rng.pick(&["SELECT 1;", "a: b", "x  ", "é", "- y", "'q'"]));
                    out.push('\n');
                }
            }
        }
    }

    fn value(rng: &mut Rng, indent: usize, depth: usize, out: &mut String) {
        match rng.below(12) {
            0 | 1 if depth < 4 => {
                out.push_str(rng.pick(&["\n", " # c\n", "  \n"]));
                if rng.chance(10) {
                    out.push('\n');
                }
                let step = rng.pick(&["  ", "  ", "    ", " "]).len();
                if rng.chance(50) {
                    mapping(rng, indent + step, depth + 1, out);
                } else {
                    sequence(rng, indent + step, depth + 1, out);
                }
            }
            2 if depth < 4 => {
                // An indentless sequence.
                out.push('\n');
                sequence(rng, indent, depth + 1, out);
            }
            3 => out.push('\n'),
            4 => {
                out.push(' ');
                block_scalar(rng, indent, out);
            }
            5 | 6 => {
                out.push(' ');
                out.push_str(&flow(rng, 0));
                out.push_str(rng.pick(&["\n", " # c\n", "  \n", "#c\n"]));
            }
            _ => {
                out.push_str(rng.pick(&[" ", " ", "  "]));
                out.push_str(scalar(rng));
                out.push_str(rng.pick(&["\n", "\n", " # c\n", "  \n", " #c\n"]));
            }
        }
    }

    fn mapping(rng: &mut Rng, indent: usize, depth: usize, out: &mut String) {
        for i in 0..1 + rng.below(4) {
            if i > 0 || !out.ends_with("- ") {
                out.push_str(&" ".repeat(indent));
            }
            out.push_str(rng.pick(KEYS));
            out.push_str(rng.pick(&[":", ":", ":", " :"]));
            value(rng, indent, depth, out);
            if rng.chance(5) {
                out.push_str(rng.pick(&["\n", "# comment\n", "   # indented comment\n"]));
            }
        }
    }

    fn sequence(rng: &mut Rng, indent: usize, depth: usize, out: &mut String) {
        for _ in 0..1 + rng.below(4) {
            out.push_str(&" ".repeat(indent));
            out.push('-');
            match rng.below(8) {
                0 if depth < 4 => {
                    // A compact mapping, indented to its first key.
                    let pad = rng.pick(&[" ", " ", "  "]);
                    out.push_str(pad);
                    out.push_str(rng.pick(KEYS));
                    out.push(':');
                    value(rng, indent + 1 + pad.len(), depth + 1, out);
                    if rng.chance(60) {
                        mapping(rng, indent + 1 + pad.len(), depth + 1, out);
                    }
                }
                1 => out.push_str(rng.pick(&["\n", "   \n", " # c\n"])),
                2 if depth < 4 => {
                    out.push('\n');
                    let step = rng.pick(&["  ", "  ", "    ", " "]).len();
                    if rng.chance(50) {
                        mapping(rng, indent + step, depth + 1, out);
                    } else {
                        sequence(rng, indent + step, depth + 1, out);
                    }
                }
                _ => value(rng, indent, depth + 1, out),
            }
        }
    }

    /// Random edits that make inputs awkward or broken.
    fn mutate(rng: &mut Rng, text: &mut String) {
        let bytes: Vec<char> = text.chars().collect();
        if bytes.is_empty() {
            return;
        }
        let at = rng.below(bytes.len());
        let mut chars = bytes;
        match rng.below(6) {
            0 => {
                chars.remove(at);
            }
            1 => {
                let c = rng.pick(&[
                    ":", " ", "#", "-", "'", "\"", "[", "]", "{", "}", ",", "\t", "|", ">", "\n",
                    "&", "*", "!", "?", "é", "\\", "\r",
                ]);
                for (k, ch) in c.chars().enumerate() {
                    chars.insert(at + k, ch);
                }
            }
            2 => {
                // Indent or dedent one line.
                let start = chars[..at]
                    .iter()
                    .rposition(|&c| c == '\n')
                    .map_or(0, |p| p + 1);
                if rng.chance(50) {
                    chars.insert(start, ' ');
                } else if chars.get(start) == Some(&' ') {
                    chars.remove(start);
                }
            }
            3 => {
                // Duplicate a line.
                let start = chars[..at]
                    .iter()
                    .rposition(|&c| c == '\n')
                    .map_or(0, |p| p + 1);
                let end = chars[at..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |p| at + p + 1);
                let line: Vec<char> = chars[start..end].to_vec();
                for (k, ch) in line.into_iter().enumerate() {
                    chars.insert(end + k, ch);
                }
            }
            4 => {
                let doc = rng.pick(&["---\n", "...\n", "%YAML 1.2\n", "--- x\n"]);
                let start = chars[..at]
                    .iter()
                    .rposition(|&c| c == '\n')
                    .map_or(0, |p| p + 1);
                for (k, ch) in doc.chars().enumerate() {
                    chars.insert(start + k, ch);
                }
            }
            _ => {
                // Trailing spaces.
                let end = chars[at..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |p| at + p);
                chars.insert(end, ' ');
            }
        }
        *text = chars.into_iter().collect();
    }

    /// Generated documents mixing the supported constructs with awkward and invalid ones:
    /// whenever the fast path accepts one, yaml-rust2 gives the same events (and whenever
    /// yaml-rust2 reports an error, the fast path gave up: `check` panics otherwise).
    #[test]
    fn agrees_with_yaml_rust2_on_generated_documents() {
        let rounds: usize = std::env::var("FASTYAML_FUZZ_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        let seed: u64 = std::env::var("FASTYAML_FUZZ_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0x5eed);
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let (mut taken, mut errors, mut declined) = (0, 0, 0);
        for _ in 0..rounds {
            let mut text = String::new();
            let indent = match rng.below(20) {
                0 => 2,
                1 => 14 + rng.below(5),
                _ => 0,
            };
            if rng.chance(70) {
                mapping(&mut rng, indent, 0, &mut text);
            } else {
                sequence(&mut rng, indent, 0, &mut text);
            }
            if rng.chance(25) {
                for _ in 0..1 + rng.below(2) {
                    mutate(&mut rng, &mut text);
                }
            }
            if rng.chance(3) {
                text.pop();
            }
            let took = check(&text);
            taken += usize::from(took);
            let slow = slow(&text);
            errors += usize::from(slow.is_none());
            if !took
                && slow.is_some_and(|(_, single)| single)
                && declined < 12
                && std::env::var("FASTYAML_FUZZ_SHOW").is_ok()
            {
                declined += 1;
                eprintln!("--- valid but declined:\n{text}");
            }
        }
        eprintln!("{taken} of {rounds} generated documents took the fast path, yaml-rust2 rejected {errors}");
        assert!(
            taken * 4 >= rounds,
            "only {taken} of {rounds} took the fast path"
        );
        assert!(
            errors * 20 >= rounds,
            "only {errors} of {rounds} were errors"
        );
    }
}
