//! Comparing the check constraints and policies of two databases without deparsing them.
//!
//! Why: in a diff of two databases, most of each server's time went to deparsing check
//! constraints and policy conditions (`pg_get_constraintdef`, `pg_get_expr`), because the
//! deparser opens every table and builds its relation cache entry. Yet two identical
//! databases need no text at all: it is enough to know that the texts would be equal.
//!
//! PostgreSQL stores each expression as a tree (`pg_node_tree`), and its text is a function
//! of that tree, of the names of what the tree points at by number, and of the search path
//! and server version the deparser runs with. A *form* is the tree with those numbers
//! replaced by what the text would show: the source positions dropped, columns named by the
//! table's `attnum`s, functions that are not built in by their `regprocedure`, the whole
//! prefixed with the server's major version and search path ([`Context`]). Equal forms give
//! equal texts. So a diff of two databases reads the trees ([`crate::catalog::Scope::by_form`]),
//! compares the forms, and only when something differs deparses them ([`resolve`]) and
//! compares again; a clean comparison never deparses a check or a policy.
//!
//! The forms are conservative. A tree that names anything a form cannot carry (another
//! relation, a type, operator or collation that is not built in, a `reg*` constant, a
//! column that was not read) gets no form: its text is a placeholder that [`resolve`]
//! deparses before any comparison. A form can fail to show that two texts are the same; it
//! never shows two different texts the same.

use crate::catalog::{Catalog, Name};
use crate::pg::Reads;
use std::collections::HashMap;
use std::fmt::Write as _;

/// What a form depends on besides its tree, read once per database (`queries/forms.sql`).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The major version and the search path, as every form's prefix.
    prefix: String,
    /// Functions that are not built in (oid ≥ 10 000): oid → `regprocedure`.
    functions: HashMap<i64, String>,
}

impl Context {
    /// From the row of `queries/forms.sql`.
    pub fn from_row(r: &postgres::Row) -> Context {
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
        }
    }
}

/// Oids below this are PostgreSQL's own, the same in every database of a major version
/// (`FirstGenbkiObjectId`); those above are made by initdb or by users and differ.
const FIXED_OIDS: i64 = 10_000;

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

/// The form of one stored expression tree of a table whose column `attnum` is named
/// `column(attnum)`, or None when the tree names something a form cannot carry.
pub fn form<'c>(
    tree: &str,
    cx: &Context,
    column: impl Fn(i64) -> Option<&'c str>,
) -> Option<String> {
    let mut out = String::with_capacity(tree.len());
    out.push_str(&cx.prefix);
    // The node each brace opened (None for a list's parenthesis).
    let mut nodes: Vec<&str> = Vec::new();
    let mut field = "";
    let mut opened = false;
    let mut skip = false;
    for t in tokens(tree) {
        if skip {
            // A position is a number; anything else means the text is not read right.
            t.parse::<i64>().ok()?;
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
        match t {
            "{" => opened = true,
            "}" => {
                nodes.pop();
            }
            _ => {}
        }
        if let Some(name) = t.strip_prefix(':') {
            if matches!(name, "location" | "stmt_location" | "stmt_len") {
                skip = true;
                continue;
            }
            field = name;
            out.push(' ');
            out.push_str(t);
            continue;
        }
        let node = nodes.last().copied().unwrap_or("");
        let value = t.parse::<i64>().ok();
        let mut piece = std::borrow::Cow::Borrowed(t);
        match (node, field, value) {
            ("VAR", "varno" | "varnosyn", Some(n)) if n != 1 => return None,
            ("VAR", "varattno" | "varattnosyn", Some(n)) if n > 0 => {
                let name = column(n)?;
                piece = format!("@{}:{name}", name.len()).into();
            }
            ("FUNCEXPR", "funcid", Some(n)) if n >= FIXED_OIDS => {
                let sig = cx.functions.get(&n)?;
                piece = format!("@{}:{sig}", sig.len()).into();
            }
            (_, "consttype", Some(n)) if REG_TYPES.contains(&n) => return None,
            // Type modifiers and lengths are numbers, not oids: numeric(12,2) is 786 438.
            (_, "vartypmod" | "consttypmod" | "typeMod" | "resulttypmod" | "typmod", _)
            | (_, "constlen", _) => {}
            (_, _, Some(n)) if n >= FIXED_OIDS => return None,
            _ => {}
        }
        out.push(' ');
        out.push_str(&piece);
        // A field has one value, or a list or node that follows; either way the next bare
        // token after it is not its value any more.
        if !matches!(t, "{" | "(") {
            field = "";
        }
    }
    Some(out)
}

/// The text a check constraint read by form carries until [`resolve`]: its form with its
/// flags, ` NOT VALID` last as in PostgreSQL's text; or a placeholder unique to the
/// constraint, which equals nothing of the other database's.
pub fn check_text(form: Option<String>, oid: i64, no_inherit: bool, validated: bool) -> String {
    let mut s = form.unwrap_or_else(|| format!("\0placeholder {oid}"));
    if no_inherit {
        s.push_str(" NO INHERIT");
    }
    if !validated {
        s.push_str(" NOT VALID");
    }
    s
}

/// The texts of a policy's two conditions read by form: (USING, WITH CHECK, whether both are
/// forms). A condition without a form is a placeholder, as in [`check_text`].
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
/// the same snapshot the catalog was read in.
pub fn resolve(
    client: &mut impl Reads,
    cat: &mut Catalog,
    placeholders_only: bool,
) -> Result<(), postgres::Error> {
    let pick = |formed: bool| !placeholders_only || !formed;
    let cons: Vec<i64> = cat
        .deferred
        .constraints
        .iter()
        .filter(|c| pick(c.3))
        .map(|c| c.2)
        .collect();
    let pols: Vec<i64> = cat
        .deferred
        .policies
        .iter()
        .filter(|p| pick(p.3))
        .map(|p| p.2)
        .collect();
    if cons.is_empty() && pols.is_empty() {
        return Ok(());
    }
    let mut texts: HashMap<(String, i64), (Option<String>, Option<String>)> = HashMap::new();
    for r in client.rows(DEPARSE, &[&cons, &pols])? {
        texts.insert((r.get(0), r.get(1)), (r.get(2), r.get(3)));
    }
    let deferred = std::mem::take(&mut cat.deferred);
    let mut kept = crate::catalog::Deferred::default();
    for (table, name, oid, formed) in deferred.constraints {
        let done = pick(formed);
        let text = texts.remove(&("c".to_string(), oid));
        match (done, text, constraint(cat, &table, &name)) {
            (true, Some((Some(def), _)), Some(c)) => c.definition = def,
            (true, _, _) => {}
            (false, ..) => kept.constraints.push((table, name, oid, formed)),
        }
    }
    for (table, name, oid, formed) in deferred.policies {
        let done = pick(formed);
        let text = texts.remove(&("p".to_string(), oid));
        let policy = cat
            .tables
            .get_mut(&table)
            .and_then(|t| t.policies.get_mut(&name));
        match (done, text, policy) {
            (true, Some((using, check)), Some(p)) => {
                p.using = using;
                p.with_check = check;
            }
            (true, _, _) => {}
            (false, ..) => kept.policies.push((table, name, oid, formed)),
        }
    }
    cat.deferred = kept;
    Ok(())
}

fn constraint<'a>(
    cat: &'a mut Catalog,
    table: &Name,
    name: &str,
) -> Option<&'a mut crate::catalog::Constraint> {
    cat.tables
        .get_mut(table)
        .and_then(|t| t.constraints.get_mut(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context {
        Context {
            prefix: "\0form v15 path 10:pg_catalog".into(),
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
        assert!(a.contains(":varattno @7:user_id"), "{a}");
        assert!(a.contains(":funcid @10:auth.uid()"), "{a}");
        assert!(!a.contains("location"), "{a}");
        // Another column at the same number is another form.
        let other = |n: i64| if n == 2 { Some("owner_id") } else { cols(n) };
        assert_ne!(form(POLICY, &cx(), other), Some(a.clone()));
        // Another function is another form, an unknown one none.
        let mut cx2 = cx();
        cx2.functions.insert(59564, "public.uid()".into());
        assert_ne!(form(POLICY, &cx2, cols), Some(a));
        cx2.functions.clear();
        assert_eq!(form(POLICY, &cx2, cols), None);
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
    fn a_check_keeps_its_flags() {
        assert_eq!(
            check_text(Some("f".into()), 1, true, false),
            "f NO INHERIT NOT VALID"
        );
        assert_ne!(
            check_text(None, 1, false, true),
            check_text(None, 2, false, true)
        );
    }
}
