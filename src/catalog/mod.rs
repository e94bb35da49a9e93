//! The Catalog: what PostgreSQL itself says a schema is.
//!
//! Both sides of every comparison become a `Catalog` — a live database by introspection, a
//! YAML project by applying gen's output to a shadow database and introspecting that — so
//! every definition is in PostgreSQL's own canonical spelling (`format_type`,
//! `pg_get_expr`, `pg_get_constraintdef`, …). No SQL is normalised by hand; that is what keeps
//! `schemac diff` free of false drift such as `(select auth.uid())` against
//! `( SELECT auth.uid() AS uid)`.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use crate::sql::name::Name;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Catalog {
    /// The scope's schemas that exist.
    pub schemas: BTreeSet<String>,
    pub extensions: BTreeMap<String, String>,
    pub enums: BTreeMap<Name, Vec<String>>,
    /// The comments of the enums that have one.
    pub enum_comments: BTreeMap<Name, String>,
    pub tables: BTreeMap<Name, Table>,
    pub views: BTreeMap<Name, View>,
    /// Keyed by (schema, name, identity arguments).
    pub functions: BTreeMap<(String, String, String), Function>,
    /// (schema, relation, grantee, privilege).
    pub grants: BTreeSet<(String, String, String, String)>,
    /// Column privileges: (schema, relation, column, grantee, privilege).
    pub column_grants: BTreeSet<(String, String, String, String, String)>,
    /// Which of the privileges of [`Catalog::grants`], [`Catalog::column_grants`] and
    /// [`Catalog::sequence_grants`] are held `WITH GRANT OPTION`: (schema, relation or
    /// sequence, column or empty, grantee, privilege).
    pub grant_options: BTreeSet<(String, String, String, String, String)>,
    /// Privileges a role other than the owner granted (its own held WITH GRANT OPTION):
    /// (schema, relation, sequence or function `name(args)`, column or empty, grantor,
    /// grantee, privilege). Revoking the grantor's privilege or grant option needs CASCADE,
    /// which takes these too.
    pub grants_passed_on: BTreeSet<PassedOn>,
    /// Every sequence of the schemas, with the (grantee, privilege) pairs held on it by
    /// roles other than its owner.
    pub sequence_grants: BTreeMap<Name, BTreeSet<(String, String)>>,
    /// Every function (keyed as [`Catalog::functions`]), with the (grantee, privilege) pairs
    /// held on it by roles other than its owner (`public` holds EXECUTE by default).
    pub function_grants: BTreeMap<(String, String, String), BTreeSet<(String, String)>>,
    /// Roles whose privileges on every table, sequence and function the desired side
    /// decides (a project's `api_roles` and `public`): diff compares all of theirs. Empty
    /// when nothing is decided that way; sequence and function privileges are then not
    /// compared.
    #[serde(skip)]
    pub managed_grantees: BTreeSet<String>,
    /// The owner of each table, view, materialized view, standalone sequence, function,
    /// type and domain, by (noun, schema, name; a function's with its identity arguments).
    /// A project's catalog holds only the owners it declares, and only those are compared.
    pub owners: BTreeMap<(String, String, String), String>,
    /// The role that read a live catalog (`current_user`), which owns what a plan applied
    /// with the same connection makes. Empty for a predicted catalog.
    #[serde(skip)]
    pub reader: String,
    /// Triggers and policies on external tables (only those two fields are filled).
    pub external: BTreeMap<Name, Table>,
    pub publications: BTreeMap<String, Publication>,
    pub buckets: BTreeMap<String, Bucket>,
    /// (schema, grantee, privilege) on schemas.
    pub schema_grants: BTreeSet<(String, String, String)>,
    /// Those of [`Catalog::schema_grants`] held `WITH GRANT OPTION`.
    pub schema_grant_options: BTreeSet<(String, String, String)>,
    /// (schema, object type `r`/`S`/`f`, grantee, privilege).
    pub default_privileges: BTreeSet<(String, String, String, String)>,
    pub domains: BTreeMap<Name, Domain>,
    pub materialized_views: BTreeMap<Name, MaterializedView>,
    /// The kinds that live in one module each ([`crate::kinds`]); in a project's diff,
    /// without the sequences of its serial columns ([`Scope::declared_sequences`]).
    pub kinds: crate::kinds::Objects,
    /// What depends on what, as PostgreSQL records it (`pg_depend`): the order of a plan.
    /// Read only for catalogs a plan is made from; empty for a predicted catalog.
    #[serde(skip)]
    pub deps: Deps,
    /// Constraints, indexes, triggers and policies read by form ([`Scope::by_form`]): their
    /// texts are forms, not SQL, until `introspect::forms::resolve` deparses them. Empty
    /// otherwise.
    #[serde(skip)]
    pub deferred: Deferred,
}

/// The objects of a catalog read by form ([`Scope::by_form`]), whose texts stand for the
/// stored expression trees and are compared as such; `introspect::forms::resolve` replaces
/// them with PostgreSQL's own text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deferred {
    /// (table, constraint name, the constraint's oid, whether its text is a form; if not, it
    /// is a placeholder that must be deparsed before anything is compared).
    pub constraints: Vec<(Name, String, i64, bool)>,
    /// (table, policy name, the policy's oid, whether its texts are forms), as above.
    pub policies: Vec<(Name, String, i64, bool)>,
    /// (table, index name, the index's oid, whether its text is a form), as above.
    pub indexes: Vec<(Name, String, i64, bool)>,
    /// (table, trigger name, the trigger's oid, whether its text is a form), as above.
    pub triggers: Vec<(Name, String, i64, bool)>,
}

impl Deferred {
    /// Whether some text is a placeholder, which must be deparsed before any comparison.
    pub fn has_placeholders(&self) -> bool {
        [
            &self.constraints,
            &self.policies,
            &self.indexes,
            &self.triggers,
        ]
        .iter()
        .any(|l| l.iter().any(|o| !o.3))
    }
}

/// The identity of an object as diff names it: kind (`table`, `column`, `function`…),
/// schema, the table it belongs to (columns, constraints, indexes, triggers, policies) and
/// name (a function's with its identity arguments: `f(x integer)`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjKey {
    pub kind: String,
    pub schema: String,
    pub table: Option<String>,
    pub name: String,
}

impl ObjKey {
    /// The table this object belongs to (a column's, a policy's…), if it belongs to one.
    pub fn table_key(&self) -> Option<ObjKey> {
        self.table.as_ref().map(|t| ObjKey {
            kind: "table".into(),
            schema: self.schema.clone(),
            table: None,
            name: t.clone(),
        })
    }
}

/// Dependency edges: (dependent, what it depends on).
pub type Deps = BTreeSet<(ObjKey, ObjKey)>;

/// A materialized view: its query (`pg_get_viewdef`), indexes and comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaterializedView {
    pub definition: String,
    /// Index name → `pg_get_indexdef`.
    pub indexes: BTreeMap<String, String>,
    pub comment: Option<String>,
}

/// A domain: a base type with a default, NOT NULL and CHECK constraints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    /// `format_type` of the base type.
    pub base: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// Constraint name → `pg_get_constraintdef`.
    pub checks: BTreeMap<String, String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Publication {
    /// insert, update, delete, truncate — in that order, those enabled.
    pub operations: Vec<String>,
    pub tables: BTreeSet<Name>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub public: bool,
    pub file_size_limit: Option<i64>,
    pub allowed_mime_types: Option<Vec<String>>,
}

/// What to read from a database besides the managed schemas.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The managed schemas.
    pub schemas: Vec<String>,
    /// External tables whose triggers and policies are read.
    pub external_tables: Vec<Name>,
    /// Schemas whose privileges and default privileges are read.
    pub privilege_schemas: Vec<String>,
    /// Whether to read storage.buckets.
    pub buckets: bool,
    /// In a project's diff, the sequences it declares: a sequence owned by a column is read
    /// only when it is one of them, the others being its serial columns' own (which the
    /// project spells as a column type, not as a sequence). None: every sequence, as
    /// database ↔ database diffs read them.
    pub declared_sequences: Option<BTreeSet<Name>>,
    /// Read check constraints, keys, plain indexes, triggers and policies as forms
    /// (`introspect::forms`) instead of having the server deparse them, each form kept once
    /// in this table. Two catalogs compare by form only when read with the same table; their
    /// texts are SQL again after `introspect::forms::resolve`.
    pub by_form: Option<std::sync::Arc<FormTable>>,
}

/// The forms of the catalogs read by form ([`Scope::by_form`]) with one table. A form is
/// long (a policy's tree is over a kilobyte) and repeats (the same policy on many tables):
/// the table keeps each distinct form once, and a catalog holds `\0form <table>#<number>`,
/// equal for equal forms and only for them. The table's own number makes the forms of two
/// tables unequal, so catalogs read with different tables never match by form.
#[derive(Debug)]
pub struct FormTable {
    id: u64,
    forms: std::sync::Mutex<foldhash::HashMap<String, usize>>,
}

impl FormTable {
    pub fn new() -> std::sync::Arc<FormTable> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        std::sync::Arc::new(FormTable {
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            forms: std::sync::Mutex::new(foldhash::HashMap::default()),
        })
    }

    /// The text a catalog holds for `form`.
    pub fn intern(&self, form: String) -> String {
        let mut forms = match self.forms.lock() {
            Ok(f) => f,
            // A thread that panicked while holding the table left it whole (an insert is
            // all or nothing): go on with it.
            Err(poisoned) => poisoned.into_inner(),
        };
        let next = forms.len();
        let n = *forms.entry(form).or_insert(next);
        format!("\0form {}#{n}", self.id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Table {
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// `UNLOGGED`: not written to the WAL, emptied after a crash, not replicated.
    pub unlogged: bool,
    pub comment: Option<String>,
    /// A partitioned table's key, as `pg_get_partkeydef` prints it: `RANGE (created_at)`.
    pub partition_by: Option<String>,
    /// A partition's parent and bound. A partition has no columns, constraints, indexes or
    /// triggers of its own here: those it inherits from its parent are the parent's, and
    /// are not read on it.
    pub partition_of: Option<Partition>,
    /// The parents of a table that is not a partition (`INHERITS`), in `inhseqno` order.
    /// The columns and check constraints it inherits from them are theirs, and are not read
    /// on it; one that is also its own (`attislocal`, `conislocal`: declared on it as well,
    /// or kept when it stopped inheriting) is read, and stays when the parent's goes.
    pub inherits: Vec<Name>,
    /// In attribute order (none on a partition: its columns are its parent's; on a child,
    /// its own only).
    pub columns: Vec<Column>,
    pub constraints: BTreeMap<String, Constraint>,
    pub indexes: BTreeMap<String, String>,
    pub policies: BTreeMap<String, Policy>,
    pub triggers: BTreeMap<String, String>,
    /// Comments on the table's constraints, indexes and triggers, by their names (an
    /// object without a comment is absent). A comment changes in place; an object made
    /// again gets its comment back.
    pub constraint_comments: BTreeMap<String, String>,
    pub index_comments: BTreeMap<String, String>,
    pub trigger_comments: BTreeMap<String, String>,
}

/// Where a partition belongs: its parent and its bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partition {
    pub parent: Name,
    /// `FOR VALUES …` or `DEFAULT`, as `pg_get_expr(relpartbound, oid)` prints it.
    pub bound: String,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl Catalog {
    /// Every column the table `key` has, its own and those it inherits from its parents
    /// (`INHERITS`, recursively; a partition has its parent's), its own first, each name
    /// once. Empty for a table not in the catalog.
    pub fn all_columns(&self, key: &Name) -> Vec<Column> {
        let mut out: Vec<Column> = Vec::new();
        for t in self.lineage(key) {
            for c in &t.columns {
                if !out.iter().any(|o| o.name == c.name) {
                    out.push(c.clone());
                }
            }
        }
        out
    }

    /// The table `key` and then its parents (partition parent and `INHERITS`, recursively,
    /// depth first in order), each once.
    fn lineage(&self, key: &Name) -> Vec<&Table> {
        let mut out = Vec::new();
        let mut todo = vec![key];
        let mut seen = BTreeSet::new();
        while let Some(k) = todo.pop() {
            if !seen.insert(k) {
                continue;
            }
            let Some(t) = self.tables.get(k) else {
                continue;
            };
            out.push(t);
            todo.extend(t.partition_of.iter().map(|p| &p.parent));
            todo.extend(t.inherits.iter().rev());
        }
        out
    }

    /// The check constraints the table `key` has, its own and its parents' (`INHERITS`,
    /// recursively; not a parent's `NO INHERIT` ones), by name (its own first).
    pub fn all_checks(&self, key: &Name) -> BTreeMap<String, Constraint> {
        let mut out = BTreeMap::new();
        for (i, t) in self.lineage(key).into_iter().enumerate() {
            for (n, c) in t
                .constraints
                .iter()
                .filter(|(_, c)| c.kind == ConstraintKind::Check)
            {
                if i > 0 && c.no_inherit() {
                    continue;
                }
                out.entry(n.clone()).or_insert_with(|| c.clone());
            }
        }
        out
    }

    /// The check constraints a child of the table `key` inherits from it: [`Catalog::all_checks`]
    /// but its `NO INHERIT` ones.
    pub fn heritable_checks(&self, key: &Name) -> BTreeMap<String, Constraint> {
        let mut out = self.all_checks(key);
        out.retain(|_, c| !c.no_inherit());
        out
    }

    /// The names of the check constraints the table `key` inherits from its parents.
    pub fn inherited_checks(&self, key: &Name) -> BTreeSet<String> {
        self.tables
            .get(key)
            .into_iter()
            .flat_map(|t| &t.inherits)
            .flat_map(|p| self.heritable_checks(p).into_keys())
            .collect()
    }

    /// The names of the columns the table `key` inherits from its parents (`INHERITS`),
    /// whether or not it also has them of its own.
    pub fn inherited_columns(&self, key: &Name) -> BTreeSet<String> {
        self.tables
            .get(key)
            .into_iter()
            .flat_map(|t| &t.inherits)
            .flat_map(|p| self.all_columns(p))
            .map(|c| c.name)
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    pub ty: String,
    /// `COLLATE`: a collation other than the type's, quoted (qualified unless it is in
    /// `pg_catalog`).
    pub collation: Option<String>,
    pub not_null: bool,
    pub default: Option<String>,
    pub generated: Option<String>,
    /// `a` (always), `d` (by default) or empty.
    pub identity: String,
    /// An identity column's sequence: its options are compared as
    /// [`crate::kinds::sequence::identity_clause`] spells them.
    pub identity_options: Option<crate::kinds::sequence::SequenceDef>,
    pub comment: Option<String>,
}

impl Column {
    /// A nullable column of type `ty` with nothing else: no default, collation, identity,
    /// generation or comment.
    pub fn plain(name: &str, ty: &str) -> Column {
        Column {
            name: name.to_string(),
            ty: ty.to_string(),
            ..Column::default()
        }
    }
}

/// What a constraint is (`pg_constraint.contype`; serialized as that letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ConstraintKind {
    #[serde(rename = "p")]
    PrimaryKey,
    #[serde(rename = "u")]
    Unique,
    #[serde(rename = "c")]
    Check,
    #[serde(rename = "f")]
    ForeignKey,
    #[serde(rename = "x")]
    Exclusion,
}

impl ConstraintKind {
    /// The kind of `pg_constraint.contype` (None for the kinds schemac does not read).
    pub fn from_contype(c: &str) -> Option<ConstraintKind> {
        Some(match c {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            "c" => ConstraintKind::Check,
            "f" => ConstraintKind::ForeignKey,
            "x" => ConstraintKind::Exclusion,
            _ => return None,
        })
    }

    /// A primary key or unique constraint: foreign keys may reference it.
    pub fn is_key(self) -> bool {
        matches!(self, ConstraintKind::PrimaryKey | ConstraintKind::Unique)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Constraint {
    pub kind: ConstraintKind,
    /// As `pg_get_constraintdef` prints it, with ` NOT VALID` last for a check or foreign
    /// key whose existing rows were not checked.
    pub definition: String,
}

/// An entry of [`Catalog::grants_passed_on`].
pub type PassedOn = (String, String, String, String, String, String);

impl Constraint {
    /// Whether PostgreSQL has checked the rows the table had when it was added
    /// (`convalidated`): not a `NOT VALID` one.
    pub fn validated(&self) -> bool {
        !self.definition.ends_with(" NOT VALID")
    }

    /// The definition without its ` NOT VALID`: what the constraint says about new rows.
    pub fn rule(&self) -> &str {
        self.definition
            .strip_suffix(" NOT VALID")
            .unwrap_or(&self.definition)
    }

    /// `NO INHERIT` (a check the table's children do not get).
    pub fn no_inherit(&self) -> bool {
        self.rule().ends_with(" NO INHERIT")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// `r` select, `a` insert, `w` update, `d` delete, `*` all.
    pub command: String,
    pub permissive: bool,
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    pub comment: Option<String>,
}

impl Policy {
    /// Whether the two are the same policy, whatever their comments: a comment changes in
    /// place, anything else makes the policy again.
    pub fn same_rule(&self, other: &Policy) -> bool {
        // Every field but the comment (a destructuring, so that a new field is not forgotten).
        let Policy {
            command,
            permissive,
            roles,
            using,
            with_check,
            comment: _,
        } = self;
        *command == other.command
            && *permissive == other.permissive
            && *roles == other.roles
            && *using == other.using
            && *with_check == other.with_check
    }

    pub fn command_sql(&self) -> &'static str {
        match self.command.as_str() {
            "r" => "SELECT",
            "a" => "INSERT",
            "w" => "UPDATE",
            "d" => "DELETE",
            _ => "ALL",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct View {
    pub definition: String,
    pub options: String,
    pub comment: Option<String>,
    /// The output columns in order, `name type`: a new query whose columns start with the
    /// old ones replaces the view in place. Read from databases; empty when predicted.
    #[serde(skip)]
    pub columns: Vec<String>,
    /// Triggers on the view (`pg_get_triggerdef`) and their comments, by name, as
    /// [`Table::triggers`] and [`Table::trigger_comments`].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub trigger_comments: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Function {
    pub definition: String,
    pub comment: Option<String>,
}
