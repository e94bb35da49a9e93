//! Comparing the constraints, indexes, triggers and policies of two databases without
//! deparsing them.
//!
//! Why: in a diff of two databases, most of each server's time went to its deparsers
//! (`pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_triggerdef`, `pg_get_expr`); those of
//! checks and policies open every table to build its relation cache entry. Yet two identical
//! databases need no text at all: it is enough to know that the texts would be equal.
//!
//! PostgreSQL stores each expression as a tree (`pg_node_tree`), and its text is a function
//! of that tree, of the names of what the tree points at by number, and of the search path
//! and server version the deparser runs with. A *form* is the tree with those numbers
//! replaced by what the text would show: the source positions dropped, columns named by the
//! table's `attnum`s, functions that are not PostgreSQL's own by their `regprocedure`, the
//! whole prefixed with the server's major version and search path ([`Context`]). Keys,
//! foreign keys, plain indexes and triggers get forms of their parts the same way (columns
//! by name, the referenced table as the deparser names it, actions, operator classes,
//! collations, the trigger's function, arguments and condition). Equal forms give equal
//! texts, beside an otherwise equal catalog (whether an index's text names its operator
//! class depends on the column's type, which is compared as the column's). So a diff of two
//! databases reads the trees and parts ([`crate::catalog::Scope::by_form`]), compares the
//! forms, and only when something differs deparses them ([`resolve`]) and compares again;
//! a clean comparison deparses none of them. A form is long and repeats from table to
//! table: each is kept once ([`crate::catalog::FormTable`]), and a tree stored the same way
//! on many tables is read once (`Context::template`).
//!
//! The forms are conservative. A tree that names anything a form cannot carry (another
//! relation, a type, operator or collation that is not PostgreSQL's own, a `reg*` constant,
//! a column that was not read) gets no form: its text is a placeholder that [`resolve`]
//! deparses before any comparison. A form can fail to show that two texts are the same; it
//! never shows two different texts the same. `tests/it/forms.rs` builds pairs of databases
//! that differ in one way a form must see.

use crate::catalog::{Catalog, Name};
use crate::pg::Reads;
use std::collections::HashMap;
use std::fmt::Write as _;

/// A tree's template: its key in the form table, and the column numbers it names in order.
type Template = (String, Vec<i64>);

/// What a form depends on besides its tree, read once per database (`queries/forms.sql`).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The major version and the search path, as every form's prefix.
    prefix: String,
    /// Functions that are not built in (oid ≥ 12 000): oid → `regprocedure`.
    functions: HashMap<i64, String>,
    /// Where the forms are kept ([`crate::catalog::FormTable`]).
    table: Option<std::sync::Arc<crate::catalog::FormTable>>,
    /// The templates of the trees met so far, by the tree's text: the same policy or check
    /// on many tables is stored as the same text, and is read once.
    templates: std::cell::RefCell<foldhash::HashMap<String, Option<Template>>>,
}

impl Context {
    /// The key of a tree's template (its number in the form table) and the column numbers
    /// the tree names, in order.
    fn template(&self, tree: &str) -> Option<Template> {
        if let Some(known) = self.templates.borrow().get(tree) {
            return known.clone();
        }
        let t = template(tree, self).map(|(t, attnums)| (self.intern(t), attnums));
        self.templates
            .borrow_mut()
            .insert(tree.to_string(), t.clone());
        t
    }

    /// The text a catalog holds for `form`.
    fn intern(&self, form: String) -> String {
        match &self.table {
            Some(t) => t.intern(form),
            None => form,
        }
    }

    /// From the row of `queries/forms.sql`, the forms kept in `table`.
    pub fn from_row(
        r: &postgres::Row,
        table: std::sync::Arc<crate::catalog::FormTable>,
    ) -> Context {
        let major: i32 = r.get("major");
        let path: Vec<String> = r.get("search_path");
        let oids: Vec<i64> = r.get("function_oids");
        let names: Vec<String> = r.get("function_names");
        let mut prefix = format!("\0form v{major} path");
        for p in &path {
            let _ = write!(prefix, " {}:{p}", p.len());
        }
        Context {
            prefix,
            functions: oids.into_iter().zip(names).collect(),
            table: Some(table),
            templates: Default::default(),
        }
    }
}

/// Oids below this (`FirstUnpinnedObjectId`) are PostgreSQL's own and the same in every
/// database of a major version: those below 10 000 are written in its catalog data, those
/// from 10 000 are given in that data's order when the catalogs are generated (genbki.pl;
/// `uuid_ops` is 10 065 in PostgreSQL 15). Those above are made by initdb (the collations of
/// the operating system, among others) or by users, and differ.
const FIXED_OIDS: i64 = 12_000;

/// The `reg*` types and their arrays: a constant of one holds an oid that names an object,
/// and the deparser prints the name.
const REG_TYPES: [i64; 22] = [
    24, 1008, 2202, 2207, 2203, 2208, 2204, 2209, 2205, 2210, 2206, 2211, 3734, 3735, 3769, 3770,
    4089, 4090, 4096, 4097, 4191, 4192,
];

/// The tokens of a `pg_node_tree` text, as PostgreSQL's `pg_strtok` splits it: `(`, `)`,
/// `{` and `}` alone, other tokens up to whitespace or one of those, `\` escaping the next
/// character.
fn tokens(tree: &str) -> impl Iterator<Item = &str> {
    let b = tree.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\t') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        let start = i;
        if matches!(b[i], b'(' | b')' | b'{' | b'}') {
            i += 1;
        } else {
            while i < b.len() && !matches!(b[i], b' ' | b'\n' | b'\t' | b'(' | b')' | b'{' | b'}') {
                i += if b[i] == b'\\' && i + 1 < b.len() {
                    2
                } else {
                    1
                };
            }
            // An escape may end on a multi-byte character: move to its end.
            while i < b.len() && !tree.is_char_boundary(i) {
                i += 1;
            }
        }
        tree.get(start..i)
    })
}

/// [`form`], as a catalog holds it.
pub fn tree_form<'c>(
    tree: &str,
    cx: &Context,
    column: impl Fn(i64) -> Option<&'c str>,
) -> Option<String> {
    form(tree, cx, column).map(|f| cx.intern(f))
}

/// The form of one stored expression tree of a table whose column `attnum` is named
/// `column(attnum)`, or None when the tree names something a form cannot carry: its
/// template's key (`Context::template`) and the names of the columns it names, in order.
pub fn form<'c>(
    tree: &str,
    cx: &Context,
    column: impl Fn(i64) -> Option<&'c str>,
) -> Option<String> {
    let (key, attnums) = cx.template(tree)?;
    let mut out = key;
    for n in attnums {
        let name = column(n)?;
        let _ = write!(out, " @{}:{name}", name.len());
    }
    Some(out)
}

/// The template of a tree's form: the tree without its positions, its columns' numbers
/// replaced by `@column` and their numbers returned in order, functions that are not
/// PostgreSQL's own named; None when the tree names something a form cannot carry.
fn template(tree: &str, cx: &Context) -> Option<Template> {
    let mut attnums = Vec::new();
    let mut out = String::with_capacity(tree.len());
    out.push_str(&cx.prefix);
    // The node each brace opened (None for a list's parenthesis).
    let mut nodes: Vec<&str> = Vec::new();
    let mut field = "";
    let mut opened = false;
    let mut skip = false;
    for t in tokens(tree) {
        let b0 = t.as_bytes().first().copied().unwrap_or(b' ');
        let value = if b0.is_ascii_digit() || b0 == b'-' {
            t.parse::<i64>().ok()
        } else {
            None
        };
        if skip {
            // A position is a number; anything else means the text is not read right.
            value?;
            skip = false;
            continue;
        }
        if opened {
            opened = false;
            if t == "RANGETBLENTRY" {
                // A subquery over a relation: its columns are not the table's.
                return None;
            }
            nodes.push(t);
        }
        match b0 {
            b'{' => opened = true,
            b'}' if t.len() == 1 => {
                nodes.pop();
            }
            b':' => {
                let name = &t[1..];
                if matches!(name, "location" | "stmt_location" | "stmt_len") {
                    skip = true;
                    continue;
                }
                field = name;
                out.push(' ');
                out.push_str(t);
                continue;
            }
            _ => {}
        }
        let mut piece = std::borrow::Cow::Borrowed(t);
        if let Some(n) = value {
            let node = nodes.last().copied().unwrap_or("");
            match (node, field) {
                ("VAR", "varno" | "varnosyn") if n != 1 => return None,
                ("VAR", "varattno" | "varattnosyn") if n > 0 => {
                    attnums.push(n);
                    piece = "@column".into();
                }
                ("FUNCEXPR", "funcid") if n >= FIXED_OIDS => {
                    let sig = cx.functions.get(&n)?;
                    piece = format!("@{}:{sig}", sig.len()).into();
                }
                (_, "consttype") if REG_TYPES.contains(&n) => return None,
                // Type modifiers and lengths are numbers, not oids: numeric(12,2) is 786 438.
                (_, "vartypmod" | "consttypmod" | "typeMod" | "resulttypmod" | "typmod")
                | (_, "constlen") => {}
                _ if n >= FIXED_OIDS => return None,
                _ => {}
            }
        }
        out.push(' ');
        out.push_str(&piece);
        // A field has one value, or a list or node that follows; either way the next bare
        // token after it is not its value any more.
        if !matches!(b0, b'{' | b'(') {
            field = "";
        }
    }
    Some((out, attnums))
}

/// The columns of the tables read, by table oid and number: what the forms name them by.
#[derive(Debug, Default)]
pub struct Columns {
    by_oid: HashMap<i64, Vec<(i16, String)>>,
    oids: HashMap<Name, i64>,
    /// The table of the column added last.
    last: Option<i64>,
}

impl Columns {
    /// Column `attnum` of the table `relid`, named `table()`; the columns of a table come
    /// one after the other.
    pub fn add(&mut self, relid: i64, attnum: i16, name: String, table: impl Fn() -> Name) {
        if self.last != Some(relid) {
            self.last = Some(relid);
            self.oids.entry(table()).or_insert(relid);
        }
        self.by_oid.entry(relid).or_default().push((attnum, name));
    }

    /// The columns foreign keys reference outside the schemas read, from the row of
    /// `queries/forms.sql`.
    pub fn add_referenced(&mut self, r: &postgres::Row) {
        let relids: Vec<i64> = r.get("referenced_relids");
        let attnums: Vec<i16> = r.get("referenced_attnums");
        let names: Vec<String> = r.get("referenced_names");
        for ((relid, attnum), name) in relids.into_iter().zip(attnums).zip(names) {
            self.by_oid.entry(relid).or_default().push((attnum, name));
        }
    }

    /// Column `n` of the table `relid`.
    pub fn named(&self, relid: i64, n: i64) -> Option<&str> {
        self.by_oid
            .get(&relid)?
            .iter()
            .find(|(a, _)| i64::from(*a) == n)
            .map(|(_, name)| name.as_str())
    }

    /// The oid of a table read.
    pub fn oid(&self, table: &Name) -> Option<i64> {
        self.oids.get(table).copied()
    }

    /// `(a, b)` of the columns `attnums` of the table `relid`, each as `@len:name`.
    fn list(&self, relid: i64, attnums: &[i16]) -> Option<String> {
        let mut s = String::from("(");
        for &n in attnums {
            let name = self.named(relid, i64::from(n))?;
            let _ = write!(s, " @{}:{name}", name.len());
        }
        s.push_str(" )");
        Some(s)
    }
}

/// The text of a constraint read by form (its row of `queries/constraints.sql` has no
/// definition) until [`resolve`], and whether it is a form; None when the row has its
/// definition. A check is its tree's form; a primary key its columns; a foreign key its
/// columns, the referenced table as the deparser names it, its columns, and its actions.
/// The flags follow as in PostgreSQL's text, ` NOT VALID` last. Without a form, a
/// placeholder unique to the constraint, which must be deparsed before any comparison.
pub fn constraint_text(
    cx: &Context,
    cols: &Columns,
    table: &Name,
    kind: crate::catalog::ConstraintKind,
    r: &postgres::Row,
) -> Option<(String, bool)> {
    use crate::catalog::ConstraintKind as K;
    if r.get::<_, Option<&str>>("definition").is_some() {
        return None;
    }
    let oid: i64 = r.get("oid");
    let relid = cols.oid(table);
    let keys = |col: &str| -> Option<String> {
        let nums: Vec<i16> = r.get::<_, Option<Vec<i16>>>(col)?;
        cols.list(relid?, &nums)
    };
    let form = match kind {
        K::Check => r
            .get::<_, Option<&str>>("tree")
            .and_then(|tree| form(tree, cx, |n| cols.named(relid?, n))),
        K::PrimaryKey => keys("columns").map(|k| format!("{} primary key {k}", cx.prefix)),
        K::ForeignKey => (|| {
            let to: &str = r.get::<_, Option<&str>>("refers_to")?;
            let to_oid: i64 = r.get("refers_to_oid");
            let nums: Vec<i16> = r.get::<_, Option<Vec<i16>>>("referenced")?;
            let referenced = cols.list(to_oid, &nums)?;
            let (upd, del, matching): (&str, &str, &str) =
                (r.get("on_update"), r.get("on_delete"), r.get("matching"));
            Some(format!(
                "{} foreign key {} references @{}:{to} {referenced} update {upd} delete {del} match {matching}",
                cx.prefix,
                keys("columns")?,
                to.len()
            ))
        })(),
        K::Unique | K::Exclusion => None,
    }
    .map(|f| cx.intern(f));
    let formed = form.is_some();
    let flags = Flags {
        no_inherit: r.get("no_inherit"),
        deferrable: r.get("deferrable"),
        deferred: r.get("deferred"),
        validated: r.get("validated"),
    };
    Some((flags.text(form, oid), formed))
}

/// What PostgreSQL's text of a constraint says after its definition.
struct Flags {
    no_inherit: bool,
    deferrable: bool,
    deferred: bool,
    validated: bool,
}

impl Flags {
    /// The text a constraint read by form carries until [`resolve`]: its form (or, without
    /// one, a placeholder unique to the constraint, which equals nothing of the other
    /// database's) and its flags, ` NOT VALID` last as in PostgreSQL's text.
    fn text(&self, form: Option<String>, oid: i64) -> String {
        let mut s = form.unwrap_or_else(|| format!("\0placeholder {oid}"));
        for (on, flag) in [
            (self.no_inherit, " NO INHERIT"),
            (self.deferrable, " DEFERRABLE"),
            (self.deferred, " INITIALLY DEFERRED"),
            (!self.validated, " NOT VALID"),
        ] {
            if on {
                s.push_str(flag);
            }
        }
        s
    }
}

/// The texts of a policy's two conditions read by form: (USING, WITH CHECK, whether both are
/// forms). A condition without a form is a placeholder, as in `row_text`.
pub fn policy_texts(
    using: Option<Option<String>>,
    check: Option<Option<String>>,
    oid: i64,
) -> (Option<String>, Option<String>, bool) {
    let mut formed = true;
    let mut text = |t: Option<Option<String>>, which: &str| {
        t.map(|f| {
            f.unwrap_or_else(|| {
                formed = false;
                format!("\0placeholder {oid} {which}")
            })
        })
    };
    let u = text(using, "using");
    let c = text(check, "check");
    (u, c, formed)
}

const DEPARSE: &str = include_str!("queries/deparse.sql");

/// Replaces the texts of `cat`'s objects read by form with PostgreSQL's own (one query):
/// all of them, or with `placeholders_only` those without a form. Runs on a connection of
/// the same snapshot the catalog was read in, where every one of them still exists.
pub fn resolve(
    client: &mut impl Reads,
    cat: &mut Catalog,
    placeholders_only: bool,
) -> Result<(), postgres::Error> {
    let pick = |formed: bool| !placeholders_only || !formed;
    let oids = |l: &[(Name, String, i64, bool)]| -> Vec<i64> {
        l.iter().filter(|o| pick(o.3)).map(|o| o.2).collect()
    };
    let d = &cat.deferred;
    let lists = [
        oids(&d.constraints),
        oids(&d.policies),
        oids(&d.indexes),
        oids(&d.triggers),
    ];
    if lists.iter().all(Vec::is_empty) {
        return Ok(());
    }
    let [cons, pols, idxs, trgs] = &lists;
    let mut texts: HashMap<(String, i64), (Option<String>, Option<String>)> = HashMap::new();
    for r in client.rows(DEPARSE, &[cons, pols, idxs, trgs])? {
        texts.insert((r.get(0), r.get(1)), (r.get(2), r.get(3)));
    }
    let deferred = std::mem::take(&mut cat.deferred);
    let mut kept = crate::catalog::Deferred::default();
    for (kind, list, kept_list) in [
        ("c", deferred.constraints, &mut kept.constraints),
        ("p", deferred.policies, &mut kept.policies),
        ("i", deferred.indexes, &mut kept.indexes),
        ("t", deferred.triggers, &mut kept.triggers),
    ] {
        for (table, name, oid, formed) in list {
            if !pick(formed) {
                kept_list.push((table, name, oid, formed));
                continue;
            }
            let Some((a, b)) = texts.remove(&(kind.to_string(), oid)) else {
                continue;
            };
            let Some(t) = cat.tables.get_mut(&table) else {
                continue;
            };
            match kind {
                "c" => {
                    if let (Some(c), Some(def)) = (t.constraints.get_mut(&name), a) {
                        c.definition = def;
                    }
                }
                "p" => {
                    if let Some(p) = t.policies.get_mut(&name) {
                        p.using = a;
                        p.with_check = b;
                    }
                }
                "i" => {
                    if let (Some(i), Some(def)) = (t.indexes.get_mut(&name), a) {
                        *i = def;
                    }
                }
                _ => {
                    if let (Some(tr), Some(def)) = (t.triggers.get_mut(&name), a) {
                        *tr = def;
                    }
                }
            }
        }
    }
    cat.deferred = kept;
    Ok(())
}

/// The text of a trigger read by form (its row of `queries/triggers.sql` has no definition)
/// until [`resolve`], and whether it is a form; None when the row has its definition. The
/// form is its timing and events (`tgtype`), its function's signature, arguments, columns
/// (`UPDATE OF`), condition (the form of its tree), transition tables and flags.
pub fn trigger_text(cx: &Context, cols: &Columns, r: &postgres::Row) -> Option<(String, bool)> {
    row_text(cx, r, || {
        let relid: i64 = r.get("relid");
        let function: i64 = r.get("function");
        let sig = if function >= FIXED_OIDS {
            cx.functions.get(&function)?.clone()
        } else {
            function.to_string()
        };
        let columns: Vec<i16> = r.get("columns");
        let when = match r.get::<_, Option<&str>>("tree") {
            Some(tree) => form(tree, cx, |n| cols.named(relid, n))?,
            None => String::new(),
        };
        let args: &[u8] = r.get("args");
        let (old, new): (Option<&str>, Option<&str>) = (r.get("old_table"), r.get("new_table"));
        let name = |n: Option<&str>| n.map(|n| format!("@{}:{n}", n.len())).unwrap_or_default();
        Some(format!(
            "{} trigger type {} function @{}:{sig} args {:?} columns {} when @{}:{when} \
             deferrable {} deferred {} old {} new {}",
            cx.prefix,
            r.get::<_, i32>("type"),
            sig.len(),
            args,
            cols.list(relid, &columns)?,
            when.len(),
            r.get::<_, bool>("deferrable"),
            r.get::<_, bool>("deferred"),
            name(old),
            name(new),
        ))
    })
}

/// The text of an object of a row read by form (one without a definition) until
/// [`resolve`]: its form made by `make`, as a catalog holds it, or without one a
/// placeholder unique to the object, which equals nothing of the other database's; and
/// whether it is a form. None when the row has its definition.
fn row_text(
    cx: &Context,
    r: &postgres::Row,
    make: impl FnOnce() -> Option<String>,
) -> Option<(String, bool)> {
    if r.get::<_, Option<&str>>("definition").is_some() {
        return None;
    }
    let oid: i64 = r.get("oid");
    Some(match make() {
        Some(form) => (cx.intern(form), true),
        None => (format!("\0placeholder {oid}"), false),
    })
}

/// The text of an index read by form (its row of `queries/indexes.sql` has no definition)
/// until [`resolve`], and whether it is a form; None when the row has its definition. The
/// form of a plain index (columns only, no INCLUDE, WITH, WHERE or NULLS NOT DISTINCT) is
/// its uniqueness, access method, and each column's name, operator class, collation and
/// options. It stands for the text only beside the rest of the catalog: whether the text
/// names an operator class or a collation depends on the column's type and collation,
/// which are compared as the column's.
pub fn index_text(cx: &Context, cols: &Columns, r: &postgres::Row) -> Option<(String, bool)> {
    row_text(cx, r, || {
        let relid: i64 = r.get("relid");
        let am: i64 = r.get("am");
        let keys: Vec<i16> = r.get::<_, Option<Vec<i16>>>("keys")?;
        let classes: Vec<i64> = r.get::<_, Option<Vec<i64>>>("classes")?;
        let collations: Vec<i64> = r.get::<_, Option<Vec<i64>>>("collations")?;
        let options: Vec<i16> = r.get::<_, Option<Vec<i16>>>("options")?;
        if am >= FIXED_OIDS || keys.len() != classes.len() {
            return None;
        }
        let mut s = format!(
            "{} index unique {} am {am} (",
            cx.prefix,
            r.get::<_, bool>("is_unique")
        );
        for (((&k, &class), &coll), &opt) in
            keys.iter().zip(&classes).zip(&collations).zip(&options)
        {
            let name = cols.named(relid, i64::from(k))?;
            if class >= FIXED_OIDS || coll >= FIXED_OIDS {
                return None;
            }
            let _ = write!(s, " @{}:{name} {class} {coll} {opt}", name.len());
        }
        s.push_str(" )");
        Some(s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context {
        Context {
            prefix: "\0form v15 path 10:pg_catalog".into(),
            table: None,
            templates: Default::default(),
            functions: [(59564, "auth.uid()".to_string())].into_iter().collect(),
        }
    }

    fn cols(n: i64) -> Option<&'static str> {
        ["id", "user_id", "amount"]
            .get(usize::try_from(n - 1).ok()?)
            .copied()
    }

    const POLICY: &str = "{OPEXPR :opno 2972 :opfuncid 2956 :opresulttype 16 :opretset false :opcollid 0 :inputcollid 0 :args ({VAR :varno 1 :varattno 2 :vartype 2950 :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 1 :varattnosyn 2 :location 246} {SUBLINK :subLinkType 4 :subLinkId 0 :testexpr <> :operName <> :subselect {QUERY :commandType 1 :rtable <> :jointree {FROMEXPR :fromlist <> :quals <>} :targetList ({TARGETENTRY :expr {FUNCEXPR :funcid 59564 :funcresulttype 2950 :funcretset false :funcvariadic false :funcformat 0 :funccollid 0 :inputcollid 0 :args <> :location 264} :resno 1 :resname uid :ressortgroupref 0 :resorigtbl 0 :resorigcol 0 :resjunk false}) :stmt_location 0 :stmt_len 0} :location 256}) :location 254}";

    #[test]
    fn positions_do_not_count_and_columns_are_named() {
        let a = form(POLICY, &cx(), cols).expect("a form");
        let moved = POLICY.replace(":location 246", ":location 12");
        assert_eq!(form(&moved, &cx(), cols), Some(a.clone()));
        assert!(
            a.contains(":varattno @column") && a.ends_with(" @7:user_id @7:user_id"),
            "{a}"
        );
        assert!(a.contains(":funcid @10:auth.uid()"), "{a}");
        assert!(!a.contains("location"), "{a}");
        // Another column at the same number is another form.
        let other = |n: i64| if n == 2 { Some("owner_id") } else { cols(n) };
        assert_ne!(form(POLICY, &cx(), other), Some(a.clone()));
        // Another function is another form, an unknown one none.
        let mut other_function = cx();
        other_function
            .functions
            .insert(59564, "public.uid()".into());
        assert_ne!(form(POLICY, &other_function, cols), Some(a));
        let mut no_function = cx();
        no_function.functions.clear();
        assert_eq!(form(POLICY, &no_function, cols), None);
    }

    #[test]
    fn what_a_form_cannot_carry_gets_none() {
        let user_type = POLICY.replace(":vartype 2950", ":vartype 16390");
        assert_eq!(form(&user_type, &cx(), cols), None);
        let other_rel = POLICY.replace(":varno 1 :varattno 2", ":varno 2 :varattno 2");
        assert_eq!(form(&other_rel, &cx(), cols), None);
        let rte = POLICY.replace(":rtable <>", ":rtable ({RANGETBLENTRY :relid 1259})");
        assert_eq!(form(&rte, &cx(), cols), None);
        let unknown_column = POLICY.replace(":varattno 2", ":varattno 9");
        assert_eq!(form(&unknown_column, &cx(), cols), None);
        // A type modifier is no oid.
        let typmod = POLICY.replace(":vartypmod -1", ":vartypmod 786438");
        assert!(form(&typmod, &cx(), cols).is_some());
        let unknown_column = POLICY.replace(":varattno 2", ":varattno 9");
        assert_eq!(form(&unknown_column, &cx(), cols), None);
        let regclass = "{CONST :consttype 2205 :consttypmod -1 :constcollid 0 :constlen 4 :constbyval true :constisnull false :location 3 :constvalue 4 [ 1 64 0 0 0 0 0 0 ]}";
        assert_eq!(form(regclass, &cx(), cols), None);
    }

    #[test]
    fn escaped_tokens_stay_whole() {
        let t: Vec<&str> = tokens(r"{A :x a\ b :y \{c\} :z ()}").collect();
        assert_eq!(
            t,
            ["{", "A", ":x", r"a\ b", ":y", r"\{c\}", ":z", "(", ")", "}"]
        );
        let t: Vec<&str> = tokens("{A :s é\\ ü}").collect();
        assert_eq!(t, ["{", "A", ":s", "é\\ ü", "}"]);
    }

    #[test]
    fn forms_are_kept_once_and_match_only_in_their_table() {
        let (t, u) = (
            crate::catalog::FormTable::new(),
            crate::catalog::FormTable::new(),
        );
        assert_eq!(t.intern("a".into()), t.intern("a".into()));
        assert_ne!(t.intern("a".into()), t.intern("b".into()));
        assert_ne!(t.intern("a".into()), u.intern("a".into()));
    }

    #[test]
    fn a_constraint_keeps_its_flags() {
        let flags = |no_inherit, deferrable, deferred, validated| Flags {
            no_inherit,
            deferrable,
            deferred,
            validated,
        };
        let f = flags(true, false, false, false);
        assert_eq!(f.text(Some("f".into()), 1), "f NO INHERIT NOT VALID");
        let f = flags(false, true, true, true);
        assert_eq!(
            f.text(Some("f".into()), 1),
            "f DEFERRABLE INITIALLY DEFERRED"
        );
        let f = flags(false, false, false, true);
        assert_ne!(f.text(None, 1), f.text(None, 2));
    }
}
