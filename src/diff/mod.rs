//! Comparing two [`Catalog`]s into [`Change`]s.
//!
//! A change is a verb and an object (`AddColumn`, `ReplacePolicy`, `DropTable`…) with the
//! object's identity, both definitions as PostgreSQL prints them, whether it destroys data,
//! its hazards, and the SQL that reconciles it. Database ↔ database and project ↔ database
//! diffs are the same function: both sides are catalogs (a project's is predicted by
//! `crate::predict` or read from a shadow database).
//!
//! diff says what differs; it lists the changes in a fixed order of [`Phase`]s, and
//! `crate::plan` orders them by the dependencies PostgreSQL records (`pg_depend`) and
//! withholds the destructive ones. Kinds of `crate::kinds` are compared by their own module.

mod deps;
mod domains;
mod matviews;
pub mod partial;
pub mod raw;
pub mod renames;

use crate::catalog::{Catalog, Column, Policy, Table};
use crate::model::names::{quote_ident, quote_literal, quote_role};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What a change does, to what kind of object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    AddSchema,
    AddExtension,
    AddEnum,
    AddEnumValue,
    RemoveEnumValue,
    DropEnum,
    AddDomain,
    AlterDomain,
    ReplaceDomain,
    DropDomain,
    AddFunction,
    ReplaceFunction,
    DropFunction,
    AddTable,
    /// A table dropped and made again: it becomes partitioned, stops being, or its
    /// partition key changes (PostgreSQL changes none of these in place). Loses its rows.
    ReplaceTable,
    DropTable,
    /// A table becomes a partition (`ATTACH PARTITION`), stops being one (`DETACH
    /// PARTITION`), or its bound or parent changes (both): no row is lost.
    AttachPartition,
    DetachPartition,
    ReplacePartitionBound,
    /// A table starts inheriting from a parent (`INHERIT`, after adding the parent's columns
    /// it lacks) or stops (`NO INHERIT`, which keeps the parent's columns on it): no row is
    /// lost.
    Inherit,
    NoInherit,
    AddColumn,
    DropColumn,
    /// `DROP IDENTITY`, before the column's type, nullability or default change.
    DropColumnIdentity,
    AlterColumnType,
    AlterColumnNullability,
    AlterColumnDefault,
    /// `ADD GENERATED … AS IDENTITY`, `SET GENERATED …` or the sequence's options, after
    /// the column's type, nullability and default changes.
    AlterColumnIdentity,
    AlterColumnGenerated,
    AddConstraint,
    ReplaceConstraint,
    DropConstraint,
    /// `VALIDATE CONSTRAINT`: a `NOT VALID` check or foreign key is wanted validated (the
    /// rows already there are checked; fails on one that breaks it).
    ValidateConstraint,
    AddIndex,
    ReplaceIndex,
    DropIndex,
    AddView,
    ReplaceView,
    DropView,
    AddMaterializedView,
    DropMaterializedView,
    AddTrigger,
    ReplaceTrigger,
    DropTrigger,
    EnableRls,
    DisableRls,
    ForceRls,
    NoForceRls,
    AddPolicy,
    ReplacePolicy,
    DropPolicy,
    Grant,
    Revoke,
    SetComment,
    AddPublication,
    AlterPublication,
    AddPublicationTable,
    DropPublicationTable,
    AddBucket,
    ReplaceBucket,
    GrantSchema,
    RevokeSchema,
    GrantDefault,
    RevokeDefault,
    /// `ALTER … OWNER TO`.
    SetOwner,
    /// `ALTER TABLE … SET LOGGED | UNLOGGED` (rewrites the table; the rows stay).
    SetPersistence,
    /// A declared rename (`renamed_from:`): `from` is the old name, `to` the new one.
    RenameTable,
    RenameColumn,
    /// A constraint or index whose default name follows a renamed table or column.
    RenameConstraint,
    RenameIndex,
    /// A change to an object of a kind that lives in its own module ([`crate::kinds`]).
    #[serde(untagged)]
    Kind(KindChange),
}

/// What a change does to an object of a [`crate::kinds`] kind; shown as
/// `add_composite_type`, `replace_composite_type`….
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KindChange {
    pub verb: crate::kinds::Verb,
    pub noun: &'static str,
}

impl Serialize for KindChange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!(
            "{}_{}",
            self.verb.as_str(),
            self.noun.replace(' ', "_")
        ))
    }
}

impl ChangeKind {
    /// `+`, `-` or `~`.
    pub fn sign(self) -> char {
        use ChangeKind::*;
        match self {
            AddSchema | AddExtension | AddEnum | AddDomain | AddFunction | AddTable | AddColumn
            | AddConstraint | AddIndex | AddView | AddMaterializedView | AddTrigger | AddPolicy
            | Grant | AddPublication | AddPublicationTable | AddBucket | GrantSchema
            | GrantDefault => '+',
            RemoveEnumValue | DropEnum | DropDomain | DropFunction | DropTable | DropColumn
            | DropConstraint | DropIndex | DropView | DropMaterializedView | DropTrigger
            | DropPolicy | Revoke | DropPublicationTable | RevokeSchema | RevokeDefault => '-',
            Kind(k) => match k.verb {
                crate::kinds::Verb::Add => '+',
                crate::kinds::Verb::Drop => '-',
                _ => '~',
            },
            _ => '~',
        }
    }
}

/// Hazards of applying a change, shown to the DBA before `--sql` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hazard {
    /// Rows or columns are deleted.
    DataLoss,
    /// The table is rewritten (ALTER COLUMN TYPE): time and disk proportional to its size.
    TableRewrite,
    /// An ACCESS EXCLUSIVE lock is held while the statement runs (scans for NOT NULL/CHECK).
    Lock,
    /// Fails if existing rows violate it (NOT NULL, CHECK, UNIQUE, FK).
    MayFailOnData,
    /// Security: who may see which rows changes.
    Security,
    /// Dropped and made again because something it depends on is replaced.
    Rebuilt,
    /// Drops a trigger or policy outside the compared schemas that uses the object, and
    /// that the other side no longer has.
    DropsOutsideScope,
    /// Needs a destructive change to run first (it drops what a dropped column used, or
    /// takes the name of a dropped object): withheld with it unless destructive changes are
    /// allowed.
    AfterDestructive,
}

/// The identity of a changed object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Object {
    /// `table`, `column`, `constraint`, `index`, `policy`, `trigger`, `function`, `view`,
    /// `enum`, `extension`, `grant`, `comment`.
    pub kind: &'static str,
    pub schema: String,
    /// The table the object belongs to, for columns, constraints, indexes, policies, triggers.
    pub table: Option<String>,
    pub name: String,
}

impl Object {
    /// The object's identity as the dependency graph names it ([`crate::catalog::Deps`]).
    pub fn key(&self) -> crate::catalog::ObjKey {
        crate::catalog::ObjKey {
            kind: self.kind.to_string(),
            schema: self.schema.clone(),
            table: self.table.clone(),
            name: self.name.clone(),
        }
    }
}

impl std::fmt::Display for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match (&self.table, self.kind) {
            (Some(t), "column") => write!(f, "column {}.{}.{}", self.schema, t, self.name),
            (Some(t), "publication table") => {
                write!(f, "table {}.{t} in publication {}", self.schema, self.name)
            }
            (Some(t), k) => write!(f, "{k} {} on {}.{}", self.name, self.schema, t),
            (None, "schema" | "extension" | "publication" | "bucket") => {
                write!(f, "{} {}", self.kind, self.name)
            }
            (None, "schema grant") => write!(f, "grant {} on schema {}", self.name, self.schema),
            (None, "default privilege") => write!(
                f,
                "default privilege {} in schema {}",
                self.name, self.schema
            ),
            (None, k) => write!(f, "{k} {}.{}", self.schema, self.name),
        }
    }
}

/// Where a change goes in diff's order, by what it does: a migration drops what stands in
/// the way, makes types, functions, tables, constraints, indexes, views, triggers and
/// policies in that order, then privileges and comments, and drops what is left last.
/// Within those, the plan ([`crate::plan::order`]) moves changes by the dependencies
/// PostgreSQL records; this order is what stands where nothing is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Declared renames, before everything (the rest is computed on the renamed database).
    Renames,
    /// Policies, views and triggers dropped before what they use changes.
    DropDependents,
    /// Schemas and extensions.
    Schemas,
    /// Enums and their values, the kinds of `crate::kinds`; foreign keys dropped (before
    /// the keys they use).
    Types,
    /// Functions, inheritance, partition bounds; other constraints dropped.
    Functions,
    /// Tables and columns.
    Tables,
    /// Primary keys, unique, check and exclusion constraints.
    Constraints,
    ForeignKeys,
    Indexes,
    /// Views and materialized views.
    Views,
    Triggers,
    /// Row-level security switched on and off.
    Rls,
    /// Policies, and owners.
    Policies,
    /// Grants, comments, publications, buckets, schema and default privileges.
    Privileges,
    /// Columns and functions dropped.
    DropColumns,
    /// Tables and enums dropped.
    DropTables,
    /// Objects of the kinds of `crate::kinds` dropped.
    DropKinds,
}

/// One difference between the desired and the actual catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub object: Object,
    /// The definition in the actual database (None when it is missing there).
    pub from: Option<String>,
    /// The desired definition (None when it should not exist).
    pub to: Option<String>,
    pub destructive: bool,
    pub hazards: Vec<Hazard>,
    /// Statements that bring the actual database to the desired state.
    pub sql: Vec<String>,
    /// Where it goes in diff's order ([`Phase`]; the plan then moves it by dependencies).
    #[serde(skip)]
    pub phase: Phase,
    /// Order within the phase (views: after the views they read).
    #[serde(skip)]
    pub order: u32,
}

fn q(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

struct Ctx<'a> {
    out: Vec<Change>,
    desired: &'a Catalog,
    actual: &'a Catalog,
}

#[allow(clippy::too_many_arguments)]
impl Ctx<'_> {
    fn push(
        &mut self,
        kind: ChangeKind,
        object: Object,
        from: Option<String>,
        to: Option<String>,
        hazards: Vec<Hazard>,
        sql: Vec<String>,
        phase: Phase,
    ) {
        let destructive = hazards.contains(&Hazard::DataLoss);
        self.out.push(Change {
            kind,
            object,
            from,
            to,
            destructive,
            hazards,
            sql,
            phase,
            order: 0,
        });
    }
}

fn obj(kind: &'static str, schema: &str, table: Option<&str>, name: &str) -> Object {
    Object {
        kind,
        schema: schema.to_string(),
        table: table.map(str::to_string),
        name: name.to_string(),
    }
}

/// Options for [`diff`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Compare only the grantees the desired side grants something to, per relation (a
    /// project does not describe the platform's default privileges).
    pub declared_grantees_only: bool,
    /// Whether the desired side is a whole database (database ↔ database), so that a
    /// trigger or policy outside the compared schemas that it lacks is really gone, and may
    /// be dropped when it blocks a change. A project does not describe other people's
    /// triggers on auth.users, so its diffs never drop them. Its privileges on sequences
    /// and functions are compared for every role.
    pub whole_database: bool,
}

/// The changes that turn `actual` into `desired`, in dependency order.
pub fn diff(desired: &Catalog, actual: &Catalog, opts: Options) -> Vec<Change> {
    let mut cx = Ctx {
        out: Vec::new(),
        desired,
        actual,
    };
    schemas_and_extensions(&mut cx);
    enums(&mut cx);
    domains::domains(&mut cx);
    functions(&mut cx);
    tables(&mut cx);
    views(&mut cx);
    matviews::materialized_views(&mut cx);
    kinds(&mut cx);
    grants(&mut cx, opts);
    object_grants(&mut cx, opts.whole_database);
    external(&mut cx);
    publications(&mut cx);
    buckets(&mut cx);
    privileges(&mut cx, opts);
    deps::rebuild_dependents(&mut cx, opts);
    owners(&mut cx);
    let mut out = cx.out;
    let view_rank = view_order(desired);
    // Dropped views go readers first.
    let drop_rank = view_order(actual);
    let deepest = drop_rank.values().copied().max().unwrap_or(0);
    for c in out.iter_mut() {
        let key = (c.object.schema.clone(), c.object.name.clone());
        match c.kind {
            ChangeKind::AddView | ChangeKind::ReplaceView => {
                c.order = view_rank.get(&key).copied().unwrap_or(0);
            }
            ChangeKind::DropView => {
                c.order = deepest - drop_rank.get(&key).copied().unwrap_or(0);
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| {
        (a.phase, a.order, &a.object, a.kind).cmp(&(b.phase, b.order, &b.object, b.kind))
    });
    out
}

/// The kinds that live in their own module: made with the types (before the functions and
/// tables that may use them), dropped after the tables; the plan refines the order by the
/// dependencies PostgreSQL records.
fn kinds(cx: &mut Ctx) {
    use crate::kinds::Verb;
    for (noun, step) in crate::kinds::compare_all(&cx.desired.kinds, &cx.actual.kinds) {
        let mut hazards = Vec::new();
        if step.data_loss {
            hazards.push(Hazard::DataLoss);
        }
        if step.may_fail {
            hazards.push(Hazard::MayFailOnData);
        }
        cx.push(
            ChangeKind::Kind(KindChange {
                verb: step.verb,
                noun,
            }),
            obj(noun, &step.name.0, None, &step.name.1),
            step.from,
            step.to,
            hazards,
            step.sql,
            if step.verb == Verb::Drop {
                Phase::DropKinds
            } else {
                Phase::Types
            },
        );
    }
}

/// Schemas and extensions are created when missing and never dropped: they may hold or
/// serve objects the project does not describe.
fn schemas_and_extensions(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    let schemas: Vec<String> = d.schemas.difference(&a.schemas).cloned().collect();
    let extensions: Vec<String> = d
        .extensions
        .keys()
        .filter(|n| !a.extensions.contains_key(*n))
        .cloned()
        .collect();
    for (kind, noun, names) in [
        (ChangeKind::AddSchema, "schema", schemas),
        (ChangeKind::AddExtension, "extension", extensions),
    ] {
        for name in names {
            let sql = format!(
                "CREATE {} IF NOT EXISTS {};",
                noun.to_uppercase(),
                quote_ident(&name)
            );
            cx.push(
                kind,
                obj(noun, "", None, &name),
                None,
                Some(name.clone()),
                vec![],
                vec![sql],
                Phase::Schemas,
            );
        }
    }
}

fn enums(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    for ((s, n), labels) in &d.enums {
        let o = obj("enum", s, None, n);
        let key = (s.clone(), n.clone());
        // A new or remade type has no comment yet.
        let mut remade = true;
        match a.enums.get(&key) {
            None => {
                let vals: Vec<String> = labels.iter().map(|l| quote_literal(l)).collect();
                cx.push(
                    ChangeKind::AddEnum,
                    o,
                    None,
                    Some(labels.join(", ")),
                    vec![],
                    vec![format!(
                        "CREATE TYPE {} AS ENUM ({});",
                        q(s, n),
                        vals.join(", ")
                    )],
                    Phase::Types,
                );
            }
            Some(have) if have != labels => {
                // Values only added (existing ones keep their order): ALTER TYPE … ADD VALUE.
                if kept_order(labels, have) {
                    for (i, l) in labels.iter().enumerate() {
                        if !have.contains(l) {
                            let pos = match i.checked_sub(1).map(|j| &labels[j]) {
                                Some(prev) => format!(" AFTER {}", quote_literal(prev)),
                                None => labels
                                    .get(1)
                                    .map(|next| format!(" BEFORE {}", quote_literal(next)))
                                    .unwrap_or_default(),
                            };
                            cx.push(
                                ChangeKind::AddEnumValue,
                                obj("enum", s, None, n),
                                Some(have.join(", ")),
                                Some(labels.join(", ")),
                                vec![],
                                vec![format!(
                                    "ALTER TYPE {} ADD VALUE IF NOT EXISTS {}{pos};",
                                    q(s, n),
                                    quote_literal(l)
                                )],
                                Phase::Types,
                            );
                        }
                    }
                } else {
                    recreate_enum(cx, s, n, have, labels);
                }
                remade = !kept_order(labels, have);
            }
            Some(_) => remade = false,
        }
        let from = if remade {
            None
        } else {
            a.enum_comments.get(&key)
        };
        let to = d.enum_comments.get(&key);
        if from != to {
            comment(
                cx,
                o_comment("enum", s, n),
                &format!("TYPE {}", q(s, n)),
                &from.cloned(),
                &to.cloned(),
            );
        }
    }
    for (s, n) in a.enums.keys() {
        if !d.enums.contains_key(&(s.clone(), n.clone())) {
            cx.push(
                ChangeKind::DropEnum,
                obj("enum", s, None, n),
                Some(a.enums[&(s.clone(), n.clone())].join(", ")),
                None,
                vec![Hazard::DataLoss],
                vec![format!("DROP TYPE {};", q(s, n))],
                Phase::DropTables,
            );
        }
    }
}

/// Removing or reordering enum values: PostgreSQL cannot, so the type is recreated and every
/// column using it is converted through text (rows holding a removed value make it fail).
/// Whether `labels` holds every value of `have`, in the same order (values were only
/// added: the type changes in place).
fn kept_order(labels: &[String], have: &[String]) -> bool {
    let kept: Vec<&String> = labels.iter().filter(|l| have.contains(l)).collect();
    kept.len() == have.len() && kept.iter().zip(have).all(|(a, b)| *a == b)
}

fn recreate_enum(cx: &mut Ctx, s: &str, n: &str, have: &[String], labels: &[String]) {
    let old = format!("{n}__schemac_old");
    let vals: Vec<String> = labels.iter().map(|l| quote_literal(l)).collect();
    let mut sql = vec![
        format!("ALTER TYPE {} RENAME TO {};", q(s, n), quote_ident(&old)),
        format!("CREATE TYPE {} AS ENUM ({});", q(s, n), vals.join(", ")),
    ];
    let names = [n.to_string(), format!("{s}.{n}"), q(s, n), quote_ident(n)];
    let mut after = Vec::new();
    for ((ts, tn), t) in &cx.actual.tables {
        let cols: Vec<&Column> = t.columns.iter().filter(|c| names.contains(&c.ty)).collect();
        if cols.is_empty() {
            continue;
        }
        let tq = q(ts, tn);
        let want = cx.desired.tables.get(&(ts.clone(), tn.clone()));
        // Indexes, checks and policies that mention a converted column are compiled against
        // the old type: drop them first, recreate them from the desired catalog afterwards.
        let mentions = |text: &str| cols.iter().any(|c| text.contains(c.name.as_str()));
        for iname in t
            .indexes
            .iter()
            .filter(|(_, d)| mentions(d))
            .map(|(i, _)| i)
        {
            sql.push(format!("DROP INDEX {};", q(ts, iname)));
            if let Some((w, d)) = want.and_then(|w| Some((w, w.indexes.get(iname)?))) {
                after.extend(with_comment(
                    format!("{d};"),
                    "index",
                    (ts, tn),
                    iname,
                    &w.index_comments,
                ));
            }
        }
        for cn in t
            .constraints
            .iter()
            .filter(|(_, c)| {
                c.kind == crate::catalog::ConstraintKind::Check && mentions(&c.definition)
            })
            .map(|(c, _)| c)
        {
            sql.push(format!(
                "ALTER TABLE {tq} DROP CONSTRAINT {};",
                quote_ident(cn)
            ));
            if let Some((w, d)) = want.and_then(|w| Some((w, w.constraints.get(cn)?))) {
                after.extend(add_constraint_sql((ts, tn), cn, d, &w.constraint_comments));
            }
        }
        for (pn, p) in t.policies.iter() {
            let text = format!(
                "{} {}",
                p.using.as_deref().unwrap_or(""),
                p.with_check.as_deref().unwrap_or("")
            );
            if mentions(&text) {
                sql.push(format!("DROP POLICY {} ON {tq};", quote_ident(pn)));
                if let Some(d) = want.and_then(|w| w.policies.get(pn)) {
                    after.extend(create_policy(ts, tn, pn, d));
                }
            }
        }
        for c in cols {
            let col = quote_ident(&c.name);
            let want_default = want
                .and_then(|d| d.column(&c.name))
                .and_then(|d| d.default.clone());
            if c.default.is_some() {
                sql.push(format!("ALTER TABLE {tq} ALTER COLUMN {col} DROP DEFAULT;"));
            }
            sql.push(format!(
                "ALTER TABLE {tq} ALTER COLUMN {col} TYPE {} USING {col}::text::{};",
                q(s, n),
                q(s, n)
            ));
            if let Some(d) = want_default.or_else(|| c.default.clone()) {
                sql.push(format!(
                    "ALTER TABLE {tq} ALTER COLUMN {col} SET DEFAULT {d};"
                ));
            }
        }
    }
    sql.extend(after);
    sql.push(format!(
        "DROP TYPE {}.{};",
        quote_ident(s),
        quote_ident(&old)
    ));
    cx.push(
        ChangeKind::RemoveEnumValue,
        obj("enum", s, None, n),
        Some(have.join(", ")),
        Some(labels.join(", ")),
        vec![
            Hazard::DataLoss,
            Hazard::TableRewrite,
            Hazard::MayFailOnData,
        ],
        sql,
        Phase::Types,
    );
}

/// The `RETURNS …` line of a `pg_get_functiondef` result: when it changes, CREATE OR REPLACE
/// is refused and the function must be dropped first.
fn returns_clause(def: &str) -> Option<&str> {
    def.lines()
        .find(|l| l.trim_start().starts_with("RETURNS "))
        .map(str::trim)
}

fn functions(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    for (key @ (s, n, args), f) in &d.functions {
        let o = obj("function", s, None, &format!("{n}({args})"));
        let create = format!("{};", f.definition.trim_end());
        match a.functions.get(key) {
            None => cx.push(
                ChangeKind::AddFunction,
                o,
                None,
                Some(f.definition.clone()),
                vec![],
                vec![create],
                Phase::Functions,
            ),
            Some(have) if have.definition != f.definition => {
                let mut sql = Vec::new();
                if returns_clause(&have.definition) != returns_clause(&f.definition) {
                    sql.push(format!("DROP FUNCTION {}({args});", q(s, n)));
                }
                sql.push(create);
                cx.push(
                    ChangeKind::ReplaceFunction,
                    o,
                    Some(have.definition.clone()),
                    Some(f.definition.clone()),
                    vec![],
                    sql,
                    Phase::Functions,
                );
            }
            Some(_) => {}
        }
        let had = a.functions.get(key).map_or(&None, |h| &h.comment);
        {
            if *had != f.comment {
                comment(
                    cx,
                    o_comment("function", s, &format!("{n}({args})")),
                    &format!("FUNCTION {}({args})", q(s, n)),
                    had,
                    &f.comment,
                );
            }
        }
    }
    for (key @ (s, n, args), f) in &a.functions {
        if !d.functions.contains_key(key) {
            cx.push(
                ChangeKind::DropFunction,
                obj("function", s, None, &format!("{n}({args})")),
                Some(f.definition.clone()),
                None,
                vec![],
                vec![format!("DROP FUNCTION {}({args});", q(s, n))],
                Phase::DropColumns,
            );
        }
    }
}

fn o_comment(kind: &str, schema: &str, name: &str) -> Object {
    obj("comment", schema, None, &format!("{kind} {name}"))
}

/// Sets the comment of a schema-level object (`noun`: `view`, `domain`, `materialized
/// view`) when it differs.
fn comment_on(
    cx: &mut Ctx,
    noun: &str,
    (s, n): (&str, &str),
    from: &Option<String>,
    to: &Option<String>,
) {
    if from != to {
        let target = format!("{} {}", noun.to_uppercase(), q(s, n));
        comment(cx, o_comment(noun, s, n), &target, from, to);
    }
}

fn comment(cx: &mut Ctx, o: Object, target: &str, from: &Option<String>, to: &Option<String>) {
    let text = to.as_deref().map_or("NULL".to_string(), quote_literal);
    cx.push(
        ChangeKind::SetComment,
        o,
        from.clone(),
        to.clone(),
        vec![],
        vec![format!("COMMENT ON {target} IS {text};")],
        Phase::Privileges,
    );
}

/// The sequence a `serial`-style column draws from (`nextval('t_id_seq'::regclass)`), as SQL
/// text, so that creating the table can create it first.
///
/// None when the desired side has the sequence ([`crate::kinds::sequence`]) owned by another
/// column or by none: a default may draw from a sequence that no column owns, and inherited
/// columns draw from their parent's.
fn serial_sequence(d: &Catalog, schema: &str, table: &str, c: &Column) -> Option<String> {
    let default = c.default.as_deref()?;
    let inner = default
        .strip_prefix("nextval('")?
        .strip_suffix("'::regclass)")?
        .replace("''", "'");
    let unquote = |p: &str| p.trim_matches('"').replace("\"\"", "\"");
    let key = match inner.split_once('.') {
        Some((sch, name)) => (unquote(sch), unquote(name)),
        None => (schema.to_string(), unquote(&inner)),
    };
    let column = format!("{}.{}", q(schema, table), quote_ident(&c.name));
    match d.kinds.sequences.get(&key) {
        Some(seq) if seq.owned_by.as_deref() != Some(column.as_str()) => None,
        _ => Some(inner),
    }
}

/// `CREATE SEQUENCE` for a serial-style column, typed like the column.
fn create_sequence(c: &Column, seq: &str) -> String {
    let ty = match c.ty.as_str() {
        "integer" => " AS integer",
        "smallint" => " AS smallint",
        _ => "",
    };
    format!("CREATE SEQUENCE IF NOT EXISTS {seq}{ty};")
}

/// `GENERATED … AS IDENTITY` with the sequence's options that are not defaults, or "".
fn identity_sql(c: &Column) -> String {
    let mut s = match c.identity.as_str() {
        "a" => "GENERATED ALWAYS AS IDENTITY".to_string(),
        "d" => "GENERATED BY DEFAULT AS IDENTITY".to_string(),
        _ => return String::new(),
    };
    let options = identity_options(c);
    if !options.is_empty() {
        s.push_str(&format!(" ({options})"));
    }
    s
}

/// An identity column's sequence options as they are compared ("" for defaults).
fn identity_options(c: &Column) -> String {
    c.identity_options
        .as_ref()
        .map(crate::kinds::sequence::identity_clause)
        .unwrap_or_default()
}

fn column_sql(c: &Column) -> String {
    let mut s = format!("{} {}", quote_ident(&c.name), c.ty);
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {coll}"));
    }
    let identity = identity_sql(c);
    if !identity.is_empty() {
        s.push(' ');
        s.push_str(&identity);
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    s
}

/// Whether a type name (as `format_type` prints it) is an enum of the catalog.
fn is_enum(cat: &Catalog, ty: &str) -> bool {
    let ty = ty.trim_end_matches("[]");
    cat.enums
        .keys()
        .any(|(s, n)| n == ty || format!("{s}.{n}") == ty || q(s, n) == ty || quote_ident(n) == ty)
}

/// Widening type changes that never lose data.
fn widening(from: &str, to: &str) -> bool {
    let num = |t: &str| match t {
        "smallint" => Some(1),
        "integer" => Some(2),
        "bigint" => Some(3),
        "numeric" => Some(4),
        _ => None,
    };
    if let (Some(a), Some(b)) = (num(from), num(to)) {
        return a < b;
    }
    // numeric(p, s): as many digits before the point and after it, or more.
    let numeric = |t: &str| {
        let inner = t.strip_prefix("numeric(")?.strip_suffix(')')?;
        let (p, s) = inner.split_once(',').unwrap_or((inner, "0"));
        Some((p.trim().parse::<u32>().ok()?, s.trim().parse::<u32>().ok()?))
    };
    if let Some((p1, s1)) = numeric(from) {
        return match numeric(to) {
            Some((p2, s2)) => s2 >= s1 && p2.saturating_sub(s2) >= p1.saturating_sub(s1),
            None => to == "numeric",
        };
    }
    if from == "real" && to == "double precision" {
        return true;
    }
    let varchar_len = |t: &str| {
        t.strip_prefix("character varying(")
            .and_then(|r| r.strip_suffix(')'))
            .and_then(|n| n.parse::<u32>().ok())
    };
    match (varchar_len(from), varchar_len(to), to) {
        (Some(a), Some(b), _) => a <= b,
        (Some(_), None, "text" | "character varying") => true,
        _ => from == "character varying" && to == "text",
    }
}

/// `CREATE TABLE` for `t` (with the sequences of its serial columns): with its columns,
/// parents (`INHERITS`, which give it theirs) and `PARTITION BY` key, or as a partition of
/// its parent (which gives it its columns).
fn create_table_sql(d: &Catalog, s: &str, n: &str, t: &Table) -> Vec<String> {
    let qn = q(s, n);
    let key = t
        .partition_by
        .as_ref()
        .map(|k| format!(" PARTITION BY {k}"))
        .unwrap_or_default();
    let unlogged = if t.unlogged { "UNLOGGED " } else { "" };
    if let Some(p) = &t.partition_of {
        return vec![format!(
            "CREATE {unlogged}TABLE {qn} PARTITION OF {} {}{key};",
            q(&p.parent.0, &p.parent.1),
            p.bound
        )];
    }
    let cols = column_list(t);
    let serials: Vec<(&Column, String)> = t
        .columns
        .iter()
        .filter_map(|c| serial_sequence(d, s, n, c).map(|q| (c, q)))
        .collect();
    let mut sql: Vec<String> = serials
        .iter()
        .map(|(c, seq)| create_sequence(c, seq))
        .collect();
    let inherits = inherits_sql(t);
    sql.push(format!(
        "CREATE {unlogged}TABLE {qn} (\n{cols}\n){inherits}{key};"
    ));
    sql.extend(serials.iter().map(|(c, seq)| {
        format!(
            "ALTER SEQUENCE {seq} OWNED BY {qn}.{};",
            quote_ident(&c.name)
        )
    }));
    sql
}

/// A table's columns, one a line, as `CREATE TABLE` lists them.
fn column_list(t: &Table) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("  {}", column_sql(c)))
        .collect();
    cols.join(",\n")
}

/// ` INHERITS (parent, …)` for a table with parents, or nothing.
fn inherits_sql(t: &Table) -> String {
    if t.inherits.is_empty() {
        return String::new();
    }
    let parents: Vec<String> = t.inherits.iter().map(|(s, n)| q(s, n)).collect();
    format!(" INHERITS ({})", parents.join(", "))
}

/// A table as a change shows it: its columns, parents and key, or the partition it is.
fn table_text(t: &Table) -> String {
    let mut out = match &t.partition_of {
        Some(p) => format!("PARTITION OF {} {}", q(&p.parent.0, &p.parent.1), p.bound),
        None => column_list(t),
    };
    if !t.inherits.is_empty() {
        out.push_str(&format!("\n{}", inherits_sql(t).trim_start()));
    }
    if let Some(k) = &t.partition_by {
        out.push_str(&format!("\nPARTITION BY {k}"));
    }
    out
}

/// `PARTITION OF parent bound`, for the changes that attach and detach partitions.
fn partition_text(p: &crate::catalog::Partition) -> String {
    format!("PARTITION OF {} {}", q(&p.parent.0, &p.parent.1), p.bound)
}

/// How deep a table is in its trees of partitions and parents (0: neither a partition nor
/// an inheritance child; otherwise one more than its deepest parent): children are made
/// after their parents, and dropped before them. A cycle, which PostgreSQL refuses, stops
/// at 64.
fn partition_depth(cat: &Catalog, key: &crate::catalog::Name) -> u32 {
    fn depth(cat: &Catalog, key: &crate::catalog::Name, budget: u32) -> u32 {
        let Some(t) = cat.tables.get(key).filter(|_| budget > 0) else {
            return 0;
        };
        t.partition_of
            .iter()
            .map(|p| &p.parent)
            .chain(&t.inherits)
            .map(|p| 1 + depth(cat, p, budget - 1))
            .max()
            .unwrap_or(0)
    }
    depth(cat, key, 64)
}

/// The desired tables that must be dropped and made again: a table that becomes partitioned
/// or stops being, or whose key changes; and then the partitions of a replaced table, which
/// go with it.
fn replaced_tables(d: &Catalog, a: &Catalog) -> BTreeSet<crate::catalog::Name> {
    let mut out: BTreeSet<crate::catalog::Name> = d
        .tables
        .iter()
        .filter(|(k, t)| {
            a.tables
                .get(*k)
                .is_some_and(|h| h.partition_by != t.partition_by)
        })
        .map(|(k, _)| k.clone())
        .collect();
    // A partition in the database of a replaced table is dropped with it.
    while !out.is_empty() {
        let more: Vec<crate::catalog::Name> = d
            .tables
            .keys()
            .filter(|k| !out.contains(*k))
            .filter(|k| {
                a.tables
                    .get(*k)
                    .and_then(|h| h.partition_of.as_ref())
                    .is_some_and(|p| out.contains(&p.parent))
            })
            .cloned()
            .collect();
        if more.is_empty() {
            break;
        }
        out.extend(more);
    }
    out
}

fn tables(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    let replaced = replaced_tables(d, a);
    let empty = Table::default();
    for ((s, n), t) in &d.tables {
        let key = (s.clone(), n.clone());
        let qn = q(s, n);
        let depth = partition_depth(d, &key);
        match a.tables.get(&key) {
            None => {
                cx.push(
                    ChangeKind::AddTable,
                    obj("table", s, None, n),
                    None,
                    Some(table_text(t)),
                    vec![],
                    create_table_sql(d, s, n, t),
                    Phase::Tables,
                );
                cx.out.last_mut().into_iter().for_each(|c| c.order = depth);
                table_parts(cx, s, n, t, &empty, true);
            }
            Some(have) if replaced.contains(&key) => {
                // A partition of a replaced table is already gone with it.
                let parent_replaced = have
                    .partition_of
                    .as_ref()
                    .is_some_and(|p| replaced.contains(&p.parent));
                let mut sql = create_table_sql(d, s, n, t);
                let (kind, hazards) = if parent_replaced {
                    (ChangeKind::AddTable, vec![Hazard::Rebuilt])
                } else {
                    sql.insert(0, format!("DROP TABLE {qn};"));
                    (ChangeKind::ReplaceTable, vec![Hazard::DataLoss])
                };
                cx.push(
                    kind,
                    obj("table", s, None, n),
                    Some(table_text(have)),
                    Some(table_text(t)),
                    hazards,
                    sql,
                    Phase::Tables,
                );
                cx.out.last_mut().into_iter().for_each(|c| c.order = depth);
                table_parts(cx, s, n, t, &empty, true);
            }
            Some(have) => {
                partition_membership(cx, s, n, t, have);
                inheritance(cx, s, n, t, have);
                let was = after_no_inherit(a, have, t);
                match (&t.partition_of, &have.partition_of) {
                    (None, None) => columns(cx, s, n, t, &was),
                    // A detached partition has its parent's columns (the detach goes first).
                    (None, Some(p)) => {
                        let parent = a.tables.get(&p.parent).unwrap_or(&empty);
                        let was = Table {
                            columns: parent.columns.clone(),
                            ..Table::default()
                        };
                        columns(cx, s, n, t, &was);
                    }
                    // A partition's columns are its parent's.
                    (Some(_), _) => {}
                }
                table_parts(cx, s, n, t, &was, false);
            }
        }
    }
    for ((s, n), t) in &a.tables {
        if !d.tables.contains_key(&(s.clone(), n.clone())) {
            // Foreign keys of a dropped table go first, so the drop order does not matter.
            for (cn, c) in t
                .constraints
                .iter()
                .filter(|(_, c)| c.kind == crate::catalog::ConstraintKind::ForeignKey)
            {
                cx.push(
                    ChangeKind::DropConstraint,
                    obj("constraint", s, Some(n), cn),
                    Some(c.definition.clone()),
                    None,
                    vec![],
                    vec![format!(
                        "ALTER TABLE {} DROP CONSTRAINT {};",
                        q(s, n),
                        quote_ident(cn)
                    )],
                    Phase::Types,
                );
            }
            // A partition of a table dropped or replaced here goes first, in its own
            // statement (IF EXISTS: the parent's drop may come first in a plan with no
            // recorded dependencies).
            let depth = partition_depth(a, &(s.clone(), n.clone()));
            cx.push(
                ChangeKind::DropTable,
                obj("table", s, None, n),
                Some(table_text(t)),
                None,
                vec![Hazard::DataLoss],
                vec![if t.partition_of.is_some() {
                    format!("DROP TABLE IF EXISTS {};", q(s, n))
                } else {
                    format!("DROP TABLE {};", q(s, n))
                }],
                Phase::DropTables,
            );
            // Deeper partitions first.
            cx.out
                .last_mut()
                .into_iter()
                .for_each(|c| c.order = 64u32.saturating_sub(depth));
        }
    }
}

/// The table `have` (in the database `a`) once it stops inheriting from the parents `want`
/// lacks (the NO INHERIT goes first): the columns and checks it had from them only are its
/// own.
fn after_no_inherit<'a>(a: &Catalog, have: &'a Table, want: &Table) -> std::borrow::Cow<'a, Table> {
    // Most tables lose no parent: the table as it is, not a copy.
    if have.inherits.iter().all(|p| want.inherits.contains(p)) {
        return std::borrow::Cow::Borrowed(have);
    }
    let mut was = have.clone();
    let kept: Vec<&crate::catalog::Name> = have
        .inherits
        .iter()
        .filter(|p| want.inherits.contains(p))
        .collect();
    let kept_columns: BTreeSet<String> = kept
        .iter()
        .flat_map(|p| a.all_columns(p))
        .map(|c| c.name)
        .collect();
    let kept_checks: BTreeSet<String> = kept
        .iter()
        .flat_map(|p| a.heritable_checks(p).into_keys())
        .collect();
    for p in have.inherits.iter().filter(|p| !want.inherits.contains(p)) {
        for c in a.all_columns(p) {
            if was.column(&c.name).is_none() && !kept_columns.contains(&c.name) {
                was.columns.push(c);
            }
        }
        for (cn, c) in a.heritable_checks(p) {
            if !kept_checks.contains(&cn) {
                was.constraints.entry(cn).or_insert(c);
            }
        }
    }
    std::borrow::Cow::Owned(was)
}

/// The parents a table gains and loses (`INHERITS`): `NO INHERIT`, which leaves their
/// columns and checks on it as its own, and `INHERIT`, which needs every column and check of
/// the parent on the table (those it lacks are added first, as the parent has them: a
/// column's name, type, NOT NULL and default, a check's definition). Both in [`Phase::Functions`],
/// before the columns change: a column added to a parent then reaches the child, and a
/// column dropped from it no longer does. The order of the parents is not changed in place.
fn inheritance(cx: &mut Ctx, s: &str, n: &str, want: &Table, have: &Table) {
    let (d, a) = (cx.desired, cx.actual);
    let qn = q(s, n);
    let key = (s.to_string(), n.to_string());
    for p in have.inherits.iter().filter(|p| !want.inherits.contains(p)) {
        cx.push(
            ChangeKind::NoInherit,
            obj("table", s, None, n),
            Some(format!("INHERITS {}", q(&p.0, &p.1))),
            None,
            vec![Hazard::Lock],
            vec![format!("ALTER TABLE {qn} NO INHERIT {};", q(&p.0, &p.1))],
            Phase::Functions,
        );
    }
    let mut has: BTreeSet<String> = a.all_columns(&key).into_iter().map(|c| c.name).collect();
    let mut checks: BTreeSet<String> = a.all_checks(&key).into_keys().collect();
    for p in want.inherits.iter().filter(|p| !have.inherits.contains(p)) {
        // The parent as it is when the INHERIT runs: as the database has it, or as it is
        // made here.
        let parent_columns = if a.tables.contains_key(p) {
            a.all_columns(p)
        } else {
            d.all_columns(p)
        };
        let mut sql = Vec::new();
        for c in parent_columns.iter().filter(|c| !has.contains(&c.name)) {
            let bare = Column {
                collation: c.collation.clone(),
                not_null: c.not_null,
                default: c.default.clone(),
                ..Column::plain(&c.name, &c.ty)
            };
            sql.push(format!(
                "ALTER TABLE {qn} ADD COLUMN {};",
                column_sql(&bare)
            ));
        }
        has.extend(parent_columns.into_iter().map(|c| c.name));
        // And every check of the parent, by name.
        let parent_checks = if a.tables.contains_key(p) {
            a.heritable_checks(p)
        } else {
            d.heritable_checks(p)
        };
        for (cn, c) in parent_checks {
            if checks.insert(cn.clone()) {
                sql.push(format!(
                    "ALTER TABLE {qn} ADD CONSTRAINT {} {};",
                    quote_ident(&cn),
                    c.definition
                ));
            }
        }
        sql.push(format!("ALTER TABLE {qn} INHERIT {};", q(&p.0, &p.1)));
        cx.push(
            ChangeKind::Inherit,
            obj("table", s, None, n),
            None,
            Some(format!("INHERITS {}", q(&p.0, &p.1))),
            vec![Hazard::Lock],
            sql,
            Phase::Functions,
        );
    }
}

/// A table that becomes a partition, stops being one, or moves to another bound or parent:
/// `ATTACH PARTITION` and `DETACH PARTITION`, which keep its rows. They go before the
/// columns change ([`Phase::Functions`]): a column added to the parent is then added to its partitions
/// and not to a table detached from it, and an attached table gets the parent's new ones.
fn partition_membership(cx: &mut Ctx, s: &str, n: &str, want: &Table, have: &Table) {
    if want.partition_of == have.partition_of {
        return;
    }
    let qn = q(s, n);
    let detach = |p: &crate::catalog::Partition| {
        format!(
            "ALTER TABLE {} DETACH PARTITION {qn};",
            q(&p.parent.0, &p.parent.1)
        )
    };
    let attach = |p: &crate::catalog::Partition| {
        format!(
            "ALTER TABLE {} ATTACH PARTITION {qn} {};",
            q(&p.parent.0, &p.parent.1),
            p.bound
        )
    };
    let (kind, hazards, sql) = match (&want.partition_of, &have.partition_of) {
        (Some(w), None) => (
            ChangeKind::AttachPartition,
            vec![Hazard::Lock, Hazard::MayFailOnData],
            vec![attach(w)],
        ),
        (None, Some(h)) => (
            ChangeKind::DetachPartition,
            vec![Hazard::Lock],
            vec![detach(h)],
        ),
        (Some(w), Some(h)) => (
            ChangeKind::ReplacePartitionBound,
            vec![Hazard::Lock, Hazard::MayFailOnData],
            vec![detach(h), attach(w)],
        ),
        (None, None) => return,
    };
    cx.push(
        kind,
        obj("table", s, None, n),
        have.partition_of.as_ref().map(partition_text),
        want.partition_of.as_ref().map(partition_text),
        hazards,
        sql,
        Phase::Functions,
    );
}

/// The changes to a table's own columns. An inheritance child's columns that its parents
/// give it are theirs: whether the child also has one of its own (`attislocal`) is not
/// changed (PostgreSQL cannot make an inherited column the child's own but by `NO
/// INHERIT`, nor drop it from the child alone), so a column the desired parents have is
/// neither added to nor dropped from the child. A column the child inherits and keeps when
/// the parent's goes is added after the parent's is dropped ([`Phase::DropColumns`]), a child's column is
/// dropped after its parents', and one it also inherits is retyped by its parent's change.
fn columns(cx: &mut Ctx, s: &str, n: &str, want: &Table, have: &Table) {
    let qn = q(s, n);
    let key = (s.to_string(), n.to_string());
    let from_parents = cx.desired.inherited_columns(&key);
    let had_from_parents: BTreeSet<String> = have
        .inherits
        .iter()
        .filter(|p| want.inherits.contains(p))
        .flat_map(|p| cx.actual.all_columns(p))
        .map(|c| c.name)
        .collect();
    let depth = partition_depth(cx.actual, &key);
    for c in &want.columns {
        let o = obj("column", s, Some(n), &c.name);
        let col = quote_ident(&c.name);
        if have.column(&c.name).is_none() && from_parents.contains(&c.name) {
            continue;
        }
        let Some(h) = have.column(&c.name) else {
            let mut hz = vec![];
            if c.not_null && c.default.is_none() && c.identity.is_empty() && c.generated.is_none() {
                hz.push(Hazard::MayFailOnData);
            }
            cx.push(
                ChangeKind::AddColumn,
                o,
                None,
                Some(column_sql(c)),
                hz,
                {
                    let seq = serial_sequence(cx.desired, s, n, c);
                    let mut sql: Vec<String> = seq.iter().map(|q| create_sequence(c, q)).collect();
                    sql.push(format!("ALTER TABLE {qn} ADD COLUMN {};", column_sql(c)));
                    sql.extend(seq.iter().map(|q| {
                        format!("ALTER SEQUENCE {q} OWNED BY {qn}.{};", quote_ident(&c.name))
                    }));
                    sql
                },
                if had_from_parents.contains(&c.name) {
                    Phase::DropColumns
                } else {
                    Phase::Tables
                },
            );
            if had_from_parents.contains(&c.name) {
                cx.out.last_mut().into_iter().for_each(|c| c.order = 65);
            }
            if c.comment.is_some() {
                comment(
                    cx,
                    o_comment("column", s, &format!("{n}.{}", c.name)),
                    &format!("COLUMN {qn}.{col}"),
                    &None,
                    &c.comment,
                );
            }
            continue;
        };
        if h.generated != c.generated {
            cx.push(
                ChangeKind::AlterColumnGenerated,
                o.clone(),
                Some(column_sql(h)),
                Some(column_sql(c)),
                vec![Hazard::DataLoss, Hazard::TableRewrite],
                vec![
                    format!("ALTER TABLE {qn} DROP COLUMN {col};"),
                    format!("ALTER TABLE {qn} ADD COLUMN {};", column_sql(c)),
                ],
                Phase::Tables,
            );
            continue;
        }
        // Identity changes in place: the column and its values stay.
        let identity_dropped = !h.identity.is_empty() && c.identity.is_empty();
        if identity_dropped {
            let mut sql = vec![format!(
                "ALTER TABLE {qn} ALTER COLUMN {col} DROP IDENTITY;"
            )];
            if let Some(d) = &c.default {
                sql.push(format!(
                    "ALTER TABLE {qn} ALTER COLUMN {col} SET DEFAULT {d};"
                ));
            }
            cx.push(
                ChangeKind::DropColumnIdentity,
                o.clone(),
                Some(identity_sql(h)),
                None,
                vec![],
                sql,
                Phase::Tables,
            );
        } else if !c.identity.is_empty()
            && (h.identity != c.identity || identity_options(h) != identity_options(c))
        {
            let mut sql = Vec::new();
            if h.identity.is_empty() {
                sql.push(format!(
                    "ALTER TABLE {qn} ALTER COLUMN {col} ADD {};",
                    identity_sql(c)
                ));
            } else {
                if h.identity != c.identity {
                    sql.push(format!(
                        "ALTER TABLE {qn} ALTER COLUMN {col} SET GENERATED {};",
                        if c.identity == "a" {
                            "ALWAYS"
                        } else {
                            "BY DEFAULT"
                        }
                    ));
                }
                if let Some(d) = c
                    .identity_options
                    .as_ref()
                    .filter(|_| identity_options(h) != identity_options(c))
                {
                    sql.push(crate::kinds::sequence::identity_options_sql(
                        &qn, &c.name, d,
                    ));
                }
            }
            cx.push(
                ChangeKind::AlterColumnIdentity,
                o.clone(),
                Some(identity_sql(h)).filter(|s| !s.is_empty()),
                Some(identity_sql(c)),
                // Bounds that the sequence's current value no longer fits are refused.
                vec![Hazard::MayFailOnData],
                sql,
                Phase::Tables,
            );
        }
        // A column the child also inherits, before and after, is retyped by the parent's
        // change (PostgreSQL refuses to retype an inherited column on the child alone).
        let retyped_by_parent =
            from_parents.contains(&c.name) && had_from_parents.contains(&c.name);
        if (h.ty != c.ty || h.collation != c.collation) && !retyped_by_parent {
            // A new collation alone rebuilds the column's indexes, not its rows.
            let mut hz = vec![Hazard::Lock];
            if h.ty != c.ty {
                hz.insert(0, Hazard::TableRewrite);
                if !widening(&h.ty, &c.ty) {
                    hz.insert(0, Hazard::DataLoss);
                }
            }
            let typed = |x: &Column| match &x.collation {
                Some(coll) => format!("{} COLLATE {coll}", x.ty),
                None => x.ty.clone(),
            };
            let to_type = typed(c);
            cx.push(
                ChangeKind::AlterColumnType,
                o.clone(),
                Some(typed(h)),
                Some(to_type.clone()),
                hz,
                {
                    // Enums have no casts to each other (or from text with a default in
                    // place): go through text, and take the default off while retyping.
                    let via = if is_enum(cx.desired, &c.ty) || is_enum(cx.actual, &h.ty) {
                        "::text"
                    } else {
                        ""
                    };
                    let mut sql = Vec::new();
                    if h.default.is_some() {
                        sql.push(format!("ALTER TABLE {qn} ALTER COLUMN {col} DROP DEFAULT;"));
                    }
                    sql.push(format!(
                        "ALTER TABLE {qn} ALTER COLUMN {col} TYPE {to_type} USING {col}{via}::{};",
                        c.ty
                    ));
                    if let (Some(_), Some(d)) = (&h.default, &c.default) {
                        sql.push(format!(
                            "ALTER TABLE {qn} ALTER COLUMN {col} SET DEFAULT {d};"
                        ));
                    }
                    sql
                },
                Phase::Tables,
            );
        }
        if h.default != c.default
            && c.generated.is_none()
            && !(identity_dropped && c.default.is_some())
        {
            // A column becoming serial needs its sequence (created when missing, then owned).
            let seq = serial_sequence(cx.desired, s, n, c);
            let mut sql: Vec<String> = seq.iter().map(|q| create_sequence(c, q)).collect();
            sql.push(match &c.default {
                Some(d) => format!("ALTER TABLE {qn} ALTER COLUMN {col} SET DEFAULT {d};"),
                None => format!("ALTER TABLE {qn} ALTER COLUMN {col} DROP DEFAULT;"),
            });
            sql.extend(
                seq.iter()
                    .map(|q| format!("ALTER SEQUENCE {q} OWNED BY {qn}.{col};")),
            );
            cx.push(
                ChangeKind::AlterColumnDefault,
                o.clone(),
                h.default.clone(),
                c.default.clone(),
                vec![],
                sql,
                Phase::Tables,
            );
        }
        if h.not_null != c.not_null {
            let (sql, hz) = if c.not_null {
                (
                    format!("ALTER TABLE {qn} ALTER COLUMN {col} SET NOT NULL;"),
                    vec![Hazard::Lock, Hazard::MayFailOnData],
                )
            } else {
                (
                    format!("ALTER TABLE {qn} ALTER COLUMN {col} DROP NOT NULL;"),
                    vec![],
                )
            };
            let show = |b: bool| Some(if b { "NOT NULL" } else { "NULL" }.to_string());
            cx.push(
                ChangeKind::AlterColumnNullability,
                o.clone(),
                show(h.not_null),
                show(c.not_null),
                hz,
                vec![sql],
                Phase::Tables,
            );
        }
        if h.comment != c.comment {
            comment(
                cx,
                o_comment("column", s, &format!("{n}.{}", c.name)),
                &format!("COLUMN {qn}.{col}"),
                &h.comment,
                &c.comment,
            );
        }
    }
    for h in &have.columns {
        if want.column(&h.name).is_none() && !from_parents.contains(&h.name) {
            cx.push(
                ChangeKind::DropColumn,
                obj("column", s, Some(n), &h.name),
                Some(column_sql(h)),
                None,
                vec![Hazard::DataLoss],
                vec![format!(
                    "ALTER TABLE {qn} DROP COLUMN {};",
                    quote_ident(&h.name)
                )],
                Phase::DropColumns,
            );
            cx.out.last_mut().into_iter().for_each(|c| c.order = depth);
        }
    }
}

/// The statements that make the policy `name` on `s.n`: `CREATE POLICY`, and its comment.
pub(super) fn create_policy(s: &str, n: &str, name: &str, p: &Policy) -> Vec<String> {
    let mut sql = vec![policy_sql(s, n, name, p)];
    if let Some(c) = &p.comment {
        sql.push(policy_comment_sql(s, n, name, &Some(c.clone())));
    }
    sql
}

/// `COMMENT ON POLICY name ON s.n IS …;` (`NULL` removes it).
fn policy_comment_sql(s: &str, n: &str, name: &str, text: &Option<String>) -> String {
    let text = text.as_deref().map_or("NULL".to_string(), quote_literal);
    format!(
        "COMMENT ON POLICY {} ON {} IS {text};",
        quote_ident(name),
        q(s, n)
    )
}

/// `CREATE POLICY` for policy `name` of `s.n` (also import's report of one it leaves out).
pub(crate) fn policy_sql(s: &str, n: &str, name: &str, p: &Policy) -> String {
    let roles: Vec<String> = p.roles.iter().map(|r| quote_role(r)).collect();
    let mut sql = format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}",
        quote_ident(name),
        q(s, n),
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command_sql(),
        roles.join(", ")
    );
    if let Some(u) = &p.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(w) = &p.with_check {
        sql.push_str(&format!(" WITH CHECK ({w})"));
    }
    sql.push(';');
    sql
}

fn policy_text(p: &Policy) -> String {
    let mut s = format!(
        "{} FOR {} TO {}",
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command_sql(),
        p.roles.join(", ")
    );
    if let Some(u) = &p.using {
        s.push_str(&format!("\nUSING ({u})"));
    }
    if let Some(w) = &p.with_check {
        s.push_str(&format!("\nWITH CHECK ({w})"));
    }
    s
}

/// What `COMMENT ON` names for a part of table `s.n` (`noun`: `constraint`, `index` or
/// `trigger`).
fn part_target(noun: &str, (s, n): (&str, &str), name: &str) -> String {
    match noun {
        "index" => format!("INDEX {}", q(s, name)),
        _ => format!(
            "{} {} ON {}",
            noun.to_uppercase(),
            quote_ident(name),
            q(s, n)
        ),
    }
}

/// The statements that make a part of table `s.n` (again): `create`, then the comment
/// `comments` holds for it, since a new object has none.
pub(super) fn with_comment(
    create: String,
    noun: &str,
    table: (&str, &str),
    name: &str,
    comments: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut sql = vec![create];
    if let Some(c) = comments.get(name) {
        sql.push(format!(
            "COMMENT ON {} IS {};",
            part_target(noun, table, name),
            quote_literal(c)
        ));
    }
    sql
}

/// The comments of the parts of one noun that both sides have alike (`same`): set in
/// place where they differ. Parts added or made again carry theirs ([`with_comment`]).
fn part_comments<'a>(
    cx: &mut Ctx,
    noun: &str,
    table: (&str, &str),
    names: impl Iterator<Item = &'a String>,
    same: &dyn Fn(&str) -> bool,
    (want, have): (&BTreeMap<String, String>, &BTreeMap<String, String>),
) {
    for name in names.filter(|n| same(n)) {
        let (from, to) = (have.get(name).cloned(), want.get(name).cloned());
        if from != to {
            comment(
                cx,
                obj("comment", table.0, Some(table.1), &format!("{noun} {name}")),
                &part_target(noun, table, name),
                &from,
                &to,
            );
        }
    }
}

/// The statements that add constraint `name` (`c`) to table `s.n`: `ADD CONSTRAINT`, and
/// the comment `comments` holds for it.
pub(super) fn add_constraint_sql(
    (s, n): (&str, &str),
    name: &str,
    c: &crate::catalog::Constraint,
    comments: &BTreeMap<String, String>,
) -> Vec<String> {
    let add = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {};",
        q(s, n),
        quote_ident(name),
        c.definition
    );
    with_comment(add, "constraint", (s, n), name, comments)
}

/// How to compare objects PostgreSQL prints as a single CREATE statement (indexes, triggers).
struct ByDefinition<'a> {
    noun: &'static str,
    /// The comments of each side's objects, by name.
    comments: (&'a BTreeMap<String, String>, &'a BTreeMap<String, String>),
    /// Add, replace, drop.
    kinds: [ChangeKind; 3],
    /// Hazards of creating (or re-creating) one.
    create_hazards: &'static [Hazard],
    /// Phase of add/replace, and of drop.
    phases: [Phase; 2],
    /// Made with `CREATE OR REPLACE` (triggers on views, which a view made again also
    /// makes): a replace needs no drop, and a drop is `IF EXISTS`.
    or_replace: bool,
}

/// `CREATE TRIGGER …` (as `pg_get_triggerdef` prints it) as `CREATE OR REPLACE TRIGGER …`.
pub(super) fn or_replace(def: &str) -> String {
    match def.strip_prefix("CREATE TRIGGER ") {
        Some(rest) => format!("CREATE OR REPLACE TRIGGER {rest}"),
        None => def.to_string(),
    }
}

/// The statements that make the triggers of view `v` as the desired catalog has them
/// (again, or over the old ones: `CREATE OR REPLACE TRIGGER`), with their comments.
pub(super) fn view_trigger_sql(v: &crate::catalog::View, (s, n): (&str, &str)) -> Vec<String> {
    v.triggers
        .iter()
        .flat_map(|(name, def)| {
            with_comment(
                format!("{};", or_replace(def)),
                "trigger",
                (s, n),
                name,
                &v.trigger_comments,
            )
        })
        .collect()
}

/// Adds, replaces (drop + create) or drops the objects of one table by name, comparing
/// their definitions.
fn by_definition(
    cx: &mut Ctx,
    (s, n): (&str, &str),
    (want, have): (&BTreeMap<String, String>, &BTreeMap<String, String>),
    how: &ByDefinition,
    drop_sql: &dyn Fn(&str) -> String,
) {
    let [add, replace, drop] = how.kinds;
    let create = |name: &str, def: &str| {
        let def = if how.or_replace {
            or_replace(def)
        } else {
            def.to_string()
        };
        with_comment(format!("{def};"), how.noun, (s, n), name, how.comments.0)
    };
    for (name, def) in want {
        let o = obj(how.noun, s, Some(n), name);
        match have.get(name) {
            None => cx.push(
                add,
                o,
                None,
                Some(def.clone()),
                how.create_hazards.to_vec(),
                create(name, def),
                how.phases[0],
            ),
            Some(h) if h != def => {
                let mut sql = if how.or_replace {
                    Vec::new()
                } else {
                    vec![drop_sql(name)]
                };
                sql.extend(create(name, def));
                cx.push(
                    replace,
                    o,
                    Some(h.clone()),
                    Some(def.clone()),
                    how.create_hazards.to_vec(),
                    sql,
                    how.phases[0],
                );
            }
            Some(_) => {}
        }
    }
    part_comments(
        cx,
        how.noun,
        (s, n),
        want.keys(),
        &|name| have.get(name) == want.get(name),
        how.comments,
    );
    for (name, h) in have.iter().filter(|(k, _)| !want.contains_key(*k)) {
        cx.push(
            drop,
            obj(how.noun, s, Some(n), name),
            Some(h.clone()),
            None,
            vec![],
            vec![drop_sql(name)],
            how.phases[1],
        );
    }
}

/// Constraints, indexes, triggers, RLS, policies and comments of one table.
fn table_parts(cx: &mut Ctx, s: &str, n: &str, want: &Table, have: &Table, new: bool) {
    let qn = q(s, n);
    // A check the desired parents have is theirs: whether the child also has it of its own
    // is not changed (PostgreSQL drops no inherited check from a child alone).
    let from_parents = cx.desired.inherited_checks(&(s.to_string(), n.to_string()));
    // Constraints: non-FK before FK (an FK needs the referenced key).
    for (cn, c) in &want.constraints {
        if !new && !have.constraints.contains_key(cn) && from_parents.contains(cn) {
            continue;
        }
        let have_c = have.constraints.get(cn);
        if have_c.is_some_and(|h| h.rule() == c.rule() && (!c.validated() || h.validated())) {
            continue;
        }
        let o = obj("constraint", s, Some(n), cn);
        let add = add_constraint_sql((s, n), cn, c, &want.constraint_comments);
        let phase = if c.kind == crate::catalog::ConstraintKind::ForeignKey {
            Phase::ForeignKeys
        } else {
            Phase::Constraints
        };
        // A NOT VALID constraint reads none of the rows already there.
        let hz = match c.validated() {
            true => vec![Hazard::Lock, Hazard::MayFailOnData],
            false => vec![Hazard::Lock],
        };
        match have_c {
            None => cx.push(
                ChangeKind::AddConstraint,
                o,
                None,
                Some(c.definition.clone()),
                hz,
                add,
                phase,
            ),
            Some(h) if h.rule() != c.rule() => cx.push(
                ChangeKind::ReplaceConstraint,
                o,
                Some(h.definition.clone()),
                Some(c.definition.clone()),
                hz,
                std::iter::once(format!(
                    "ALTER TABLE {qn} DROP CONSTRAINT {};",
                    quote_ident(cn)
                ))
                .chain(add)
                .collect(),
                phase,
            ),
            // Wanted validated, NOT VALID in the database: the rows there are checked now.
            // Wanted NOT VALID but validated: nothing to do, it already holds for every row
            // (VALIDATE is how a NOT VALID constraint ends; none is made NOT VALID again).
            Some(h) if c.validated() && !h.validated() => cx.push(
                ChangeKind::ValidateConstraint,
                o,
                Some(h.definition.clone()),
                Some(c.definition.clone()),
                vec![Hazard::MayFailOnData],
                vec![format!(
                    "ALTER TABLE {qn} VALIDATE CONSTRAINT {};",
                    quote_ident(cn)
                )],
                phase,
            ),
            Some(_) => {}
        }
    }
    part_comments(
        cx,
        "constraint",
        (s, n),
        want.constraints.keys(),
        &|cn| {
            have.constraints.get(cn).map(|h| h.rule()) == want.constraints.get(cn).map(|c| c.rule())
        },
        (&want.constraint_comments, &have.constraint_comments),
    );
    for (cn, h) in &have.constraints {
        if !want.constraints.contains_key(cn) && !from_parents.contains(cn) {
            cx.push(
                ChangeKind::DropConstraint,
                obj("constraint", s, Some(n), cn),
                Some(h.definition.clone()),
                None,
                vec![],
                vec![format!(
                    "ALTER TABLE {qn} DROP CONSTRAINT {};",
                    quote_ident(cn)
                )],
                // Before column changes ([`Phase::Tables`]): a primary key must go before DROP NOT NULL,
                // and foreign keys before the keys they reference.
                if h.kind == crate::catalog::ConstraintKind::ForeignKey {
                    Phase::Types
                } else {
                    Phase::Functions
                },
            );
        }
    }
    let drop_index = |name: &str| format!("DROP INDEX {};", q(s, name));
    by_definition(
        cx,
        (s, n),
        (&want.indexes, &have.indexes),
        &ByDefinition {
            noun: "index",
            comments: (&want.index_comments, &have.index_comments),
            kinds: [
                ChangeKind::AddIndex,
                ChangeKind::ReplaceIndex,
                ChangeKind::DropIndex,
            ],
            create_hazards: &[Hazard::Lock],
            phases: [Phase::Indexes, Phase::Indexes],
            or_replace: false,
        },
        &drop_index,
    );
    relation_triggers(
        cx,
        (s, n),
        (&want.triggers, &want.trigger_comments),
        (&have.triggers, &have.trigger_comments),
        false,
    );
    let t = obj("table", s, None, n);
    if want.unlogged != have.unlogged && !new {
        let word = |u: bool| if u { "UNLOGGED" } else { "LOGGED" };
        cx.push(
            ChangeKind::SetPersistence,
            t.clone(),
            Some(word(have.unlogged).to_string()),
            Some(word(want.unlogged).to_string()),
            vec![Hazard::TableRewrite, Hazard::Lock],
            vec![format!("ALTER TABLE {qn} SET {};", word(want.unlogged))],
            Phase::Tables,
        );
    }
    if want.rls_enabled != have.rls_enabled && (want.rls_enabled || !new) {
        let (k, verb) = if want.rls_enabled {
            (ChangeKind::EnableRls, "ENABLE")
        } else {
            (ChangeKind::DisableRls, "DISABLE")
        };
        let show = |b: bool| {
            Some(
                if b {
                    "ROW LEVEL SECURITY enabled"
                } else {
                    "ROW LEVEL SECURITY disabled"
                }
                .to_string(),
            )
        };
        cx.push(
            k,
            t.clone(),
            show(have.rls_enabled),
            show(want.rls_enabled),
            vec![Hazard::Security],
            vec![format!("ALTER TABLE {qn} {verb} ROW LEVEL SECURITY;")],
            Phase::Rls,
        );
    }
    if want.rls_forced != have.rls_forced && (want.rls_forced || !new) {
        let (k, verb) = if want.rls_forced {
            (ChangeKind::ForceRls, "FORCE")
        } else {
            (ChangeKind::NoForceRls, "NO FORCE")
        };
        let show = |b: bool| {
            Some(
                if b {
                    "FORCE ROW LEVEL SECURITY"
                } else {
                    "NO FORCE ROW LEVEL SECURITY"
                }
                .to_string(),
            )
        };
        cx.push(
            k,
            t.clone(),
            show(have.rls_forced),
            show(want.rls_forced),
            vec![Hazard::Security],
            vec![format!("ALTER TABLE {qn} {verb} ROW LEVEL SECURITY;")],
            Phase::Rls,
        );
    }
    for (pname, p) in &want.policies {
        let o = obj("policy", s, Some(n), pname);
        match have.policies.get(pname) {
            None => cx.push(
                ChangeKind::AddPolicy,
                o,
                None,
                Some(policy_text(p)),
                vec![Hazard::Security],
                create_policy(s, n, pname, p),
                Phase::Policies,
            ),
            Some(h) if !h.same_rule(p) => {
                let mut sql = vec![format!("DROP POLICY {} ON {qn};", quote_ident(pname))];
                sql.extend(create_policy(s, n, pname, p));
                cx.push(
                    ChangeKind::ReplacePolicy,
                    o,
                    Some(policy_text(h)),
                    Some(policy_text(p)),
                    vec![Hazard::Security],
                    sql,
                    Phase::Policies,
                );
            }
            Some(h) if h.comment != p.comment => comment(
                cx,
                obj("comment", s, Some(n), &format!("policy {pname}")),
                &format!("POLICY {} ON {qn}", quote_ident(pname)),
                &h.comment,
                &p.comment,
            ),
            Some(_) => {}
        }
    }
    for (pname, h) in &have.policies {
        if !want.policies.contains_key(pname) {
            cx.push(
                ChangeKind::DropPolicy,
                obj("policy", s, Some(n), pname),
                Some(policy_text(h)),
                None,
                vec![Hazard::Security],
                vec![format!("DROP POLICY {} ON {qn};", quote_ident(pname))],
                Phase::DropDependents,
            );
        }
    }
    if want.comment != have.comment && (want.comment.is_some() || !new) {
        comment(
            cx,
            o_comment("table", s, n),
            &format!("TABLE {qn}"),
            &have.comment,
            &want.comment,
        );
    }
    if new {
        for c in want.columns.iter().filter(|c| c.comment.is_some()) {
            comment(
                cx,
                o_comment("column", s, &format!("{n}.{}", c.name)),
                &format!("COLUMN {qn}.{}", quote_ident(&c.name)),
                &None,
                &c.comment,
            );
        }
    }
}

/// The rank of each desired view in dependency order (a view after the views it reads):
/// 0 for a view that reads no other view, else one more than the highest rank it reads.
/// Made level by level (Kahn's algorithm), each view visited once.
fn view_order(d: &Catalog) -> std::collections::BTreeMap<(String, String), u32> {
    type Name = (String, String);
    let mut deps = deps::view_reads(d);
    for (k, refs) in deps.iter_mut() {
        refs.retain(|r| r != k && d.views.contains_key(r));
    }
    // How many reads of other views each view still waits for, and who reads each view.
    let mut waiting: BTreeMap<&Name, usize> = BTreeMap::new();
    let mut readers: BTreeMap<&Name, Vec<&Name>> = BTreeMap::new();
    let mut level: Vec<&Name> = Vec::new();
    for (k, refs) in &deps {
        waiting.insert(k, refs.len());
        if refs.is_empty() {
            level.push(k);
        }
        for r in refs {
            readers.entry(r).or_default().push(k);
        }
    }
    let mut rank = std::collections::BTreeMap::new();
    let mut next = 0;
    while rank.len() < deps.len() {
        // A cycle (impossible in PostgreSQL) would leave nothing ready: take the rest as is.
        if level.is_empty() {
            for k in deps.keys() {
                rank.entry(k.clone()).or_insert(next);
            }
            break;
        }
        for k in &level {
            rank.insert((*k).clone(), next);
        }
        let mut following = Vec::new();
        for k in level {
            for &r in readers.get(k).into_iter().flatten() {
                if let Some(w) = waiting.get_mut(r) {
                    *w -= 1;
                    if *w == 0 {
                        following.push(r);
                    }
                }
            }
        }
        level = following;
        next += 1;
    }
    rank
}

fn view_sql(s: &str, n: &str, v: &crate::catalog::View) -> String {
    let with = if v.options.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", v.options)
    };
    format!(
        "CREATE OR REPLACE VIEW {}{with} AS\n{};",
        q(s, n),
        v.definition.trim().trim_end_matches(';')
    )
}

fn views(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    for ((s, n), v) in &d.views {
        let o = obj("view", s, None, n);
        let text = |v: &crate::catalog::View| {
            format!(
                "{}{}",
                if v.options.is_empty() {
                    String::new()
                } else {
                    format!("WITH ({})\n", v.options)
                },
                v.definition.trim()
            )
        };
        match a.views.get(&(s.clone(), n.clone())) {
            None => cx.push(
                ChangeKind::AddView,
                o,
                None,
                Some(text(v)),
                vec![],
                vec![view_sql(s, n, v)],
                Phase::Views,
            ),
            Some(h) if h.definition != v.definition || h.options != v.options => {
                // CREATE OR REPLACE keeps what depends on the view, but cannot drop, rename,
                // retype or reorder columns: then the view is dropped and made again.
                let in_place = !h.columns.is_empty() && v.columns.starts_with(&h.columns);
                let mut sql = vec![view_sql(s, n, v)];
                if !in_place {
                    sql.insert(0, format!("DROP VIEW {};", q(s, n)));
                }
                cx.push(
                    ChangeKind::ReplaceView,
                    o,
                    Some(text(h)),
                    Some(text(v)),
                    vec![],
                    sql,
                    Phase::Views,
                );
            }
            Some(_) => {}
        }
        let have = a.views.get(&(s.clone(), n.clone()));
        let from = have.and_then(|h| h.comment.clone());
        comment_on(cx, "view", (s, n), &from, &v.comment);
        view_triggers(cx, (s, n), v, have);
    }
    for ((s, n), v) in &a.views {
        if !d.views.contains_key(&(s.clone(), n.clone())) {
            cx.push(
                ChangeKind::DropView,
                obj("view", s, None, n),
                Some(v.definition.clone()),
                None,
                vec![],
                vec![format!("DROP VIEW {};", q(s, n))],
                Phase::DropDependents,
            );
        }
    }
}

/// Trigger definitions and comments by name, of one side.
type Triggers<'a> = (&'a BTreeMap<String, String>, &'a BTreeMap<String, String>);

/// The triggers of the table or view `s.n`, desired (`want`) against actual (`have`).
/// Triggers go before the functions and columns they use change ([`Phase::DropDependents`]) and are made
/// after them ([`Phase::Triggers`]); a view's are made with `CREATE OR REPLACE TRIGGER` (`or_replace`)
/// and dropped `IF EXISTS`, since they may have gone with a view the plan made again.
fn relation_triggers(
    cx: &mut Ctx,
    (s, n): (&str, &str),
    want: Triggers<'_>,
    have: Triggers<'_>,
    or_replace: bool,
) {
    let qn = q(s, n);
    let if_exists = if or_replace { "IF EXISTS " } else { "" };
    let drop_trigger =
        |name: &str| format!("DROP TRIGGER {if_exists}{} ON {qn};", quote_ident(name));
    by_definition(
        cx,
        (s, n),
        (want.0, have.0),
        &ByDefinition {
            noun: "trigger",
            comments: (want.1, have.1),
            kinds: [
                ChangeKind::AddTrigger,
                ChangeKind::ReplaceTrigger,
                ChangeKind::DropTrigger,
            ],
            create_hazards: &[],
            phases: [Phase::Triggers, Phase::DropDependents],
            or_replace,
        },
        &drop_trigger,
    );
}

/// The triggers of desired view `s.n` (`want`) against those the actual side has (`have`,
/// None when the view is new). Made with `CREATE OR REPLACE TRIGGER` after the views
/// ([`Phase::Triggers`]), dropped before the functions they call go ([`Phase::DropDependents`]). A view the plan drops
/// and makes again gets its triggers back with it (`deps::view_extras`).
fn view_triggers(
    cx: &mut Ctx,
    (s, n): (&str, &str),
    want: &crate::catalog::View,
    have: Option<&crate::catalog::View>,
) {
    let none = crate::catalog::View::default();
    let have = have.unwrap_or(&none);
    if want.triggers.is_empty() && have.triggers.is_empty() {
        return;
    }
    let triggers = (&want.triggers, &want.trigger_comments);
    let had = (&have.triggers, &have.trigger_comments);
    relation_triggers(cx, (s, n), triggers, had, true);
}

/// Who got privilege `p` on `s.n` from `g` (column `c`; any column when `c` is empty, as a
/// table-level REVOKE takes the column privileges too), and from them in turn: (column,
/// grantee). PostgreSQL refuses to revoke `p` or its grant option from `g` while these
/// exist ("dependent privileges exist"); `REVOKE … CASCADE` takes them too.
fn passed_on(
    a: &Catalog,
    (s, n, c): (&str, &str, &str),
    g: &str,
    p: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut todo = vec![g.to_string()];
    let mut seen = BTreeSet::new();
    while let Some(by) = todo.pop() {
        if !seen.insert(by.clone()) {
            continue;
        }
        for (_, _, col, _, to, _) in
            a.grants_passed_on
                .iter()
                .filter(|(ps, pn, col, pby, _, pp)| {
                    ps == s && pn == n && *pby == by && pp == p && (c.is_empty() || col == c)
                })
        {
            out.push((col.clone(), to.clone()));
            todo.push(to.clone());
        }
    }
    out.retain(|(_, to)| to != g);
    out.sort();
    out.dedup();
    out
}

/// ` CASCADE` when a REVOKE takes privileges passed on too.
fn cascade<T>(passed: &[T]) -> &'static str {
    if passed.is_empty() {
        ""
    } else {
        " CASCADE"
    }
}

fn grants(cx: &mut Ctx, opts: Options) {
    let (d, a) = (cx.desired, cx.actual);
    let declared: BTreeSet<(&str, &str, &str)> = d
        .grants
        .iter()
        .map(|(s, n, g, _)| (s.as_str(), n.as_str(), g.as_str()))
        .chain(
            d.column_grants
                .iter()
                .map(|(s, n, _, g, _)| (s.as_str(), n.as_str(), g.as_str())),
        )
        .collect();
    let relation = |s: &str, n: &str| {
        let k = (s.to_string(), n.to_string());
        d.tables.contains_key(&k) || d.views.contains_key(&k)
    };
    // The API roles' privileges are decided on tables only; views keep explicit grants.
    let managed = |s: &str, n: &str, g: &str| {
        d.managed_grantees.contains(g) && d.tables.contains_key(&(s.to_string(), n.to_string()))
    };
    let in_scope = |s: &str, n: &str, g: &str| {
        !opts.declared_grantees_only || declared.contains(&(s, n, g)) || managed(s, n, g)
    };
    // A table dropped and made again has lost its grants.
    let replaced = replaced_tables(d, a);
    // The same privileges on both sides (as in most diffs): nothing to grant or revoke.
    if replaced.is_empty()
        && d.grants == a.grants
        && d.column_grants == a.column_grants
        && d.grant_options == a.grant_options
    {
        return;
    }
    let kept =
        |s: &String, n: &String| replaced.is_empty() || !replaced.contains(&(s.clone(), n.clone()));
    type Key5<'k> = (&'k str, &'k str, &'k str, &'k str, &'k str);
    let have: Vec<&(String, String, String, String)> =
        a.grants.iter().filter(|(s, n, _, _)| kept(s, n)).collect();
    let have_columns: Vec<&(String, String, String, String, String)> = a
        .column_grants
        .iter()
        .filter(|(s, n, _, _, _)| kept(s, n))
        .collect();
    // Grant options, looked up without copying their names.
    fn borrowed<'k>(
        set: impl Iterator<Item = &'k (String, String, String, String, String)>,
    ) -> BTreeSet<Key5<'k>> {
        set.map(|(s, n, c, g, p)| (s.as_str(), n.as_str(), c.as_str(), g.as_str(), p.as_str()))
            .collect()
    }
    let have_options = borrowed(a.grant_options.iter().filter(|(s, n, _, _, _)| kept(s, n)));
    let want_options = borrowed(d.grant_options.iter());
    let option = |set: &BTreeSet<Key5>, key: Key5| set.contains(&key);
    // Table and view privileges, then column privileges: (schema, relation, column or
    // empty, grantee, privilege).
    let want_all: Vec<(&str, &str, &str, &str, &str)> =
        d.grants
            .iter()
            .map(|(s, n, g, p)| (s.as_str(), n.as_str(), "", g.as_str(), p.as_str()))
            .chain(d.column_grants.iter().map(|(s, n, c, g, p)| {
                (s.as_str(), n.as_str(), c.as_str(), g.as_str(), p.as_str())
            }))
            .collect();
    let have_all: Vec<(&str, &str, &str, &str, &str)> =
        have.iter()
            .map(|(s, n, g, p)| (s.as_str(), n.as_str(), "", g.as_str(), p.as_str()))
            .chain(have_columns.iter().map(|(s, n, c, g, p)| {
                (s.as_str(), n.as_str(), c.as_str(), g.as_str(), p.as_str())
            }))
            .collect();
    let want_set: BTreeSet<_> = want_all.iter().copied().collect();
    let have_set: BTreeSet<_> = have_all.iter().copied().collect();
    let label = |c: &str, g: &str, p: &str, with: bool| {
        let cols = if c.is_empty() {
            String::new()
        } else {
            format!(" ({c})")
        };
        let opt = if with { " with grant option" } else { "" };
        format!("{p}{cols} to {g}{opt}")
    };
    let target = |s: &str, n: &str, c: &str, p: &str| {
        if c.is_empty() {
            format!("{p} ON TABLE {}", q(s, n))
        } else {
            format!("{p} ({}) ON TABLE {}", quote_ident(c), q(s, n))
        }
    };
    // After a REVOKE … CASCADE: the privileges it took that the desired side keeps (or
    // that are not compared) are granted again, by the owner this time. A table-level
    // REVOKE takes the grantee's own privilege on every column too: those the desired side
    // gives it are granted again.
    let regrant = |passed: &[(String, String)],
                   (s, n, c, g, p): (&str, &str, &str, &str, &str)|
     -> Vec<String> {
        let own: Vec<(String, String)> = match c.is_empty() {
            true => want_all
                .iter()
                .filter(|w| w.0 == s && w.1 == n && !w.2.is_empty() && w.3 == g && w.4 == p)
                .map(|w| (w.2.to_string(), g.to_string()))
                .collect(),
            false => Vec::new(),
        };
        own.iter()
            .map(|o| (o, true))
            .chain(passed.iter().map(|o| (o, false)))
            .filter(|((c, g), _)| {
                want_set.contains(&(s, n, c.as_str(), g.as_str(), p)) || !in_scope(s, n, g)
            })
            .map(|((c, g), own)| {
                let key = (s, n, c.as_str(), g.as_str(), p);
                let with = match own {
                    true => option(&want_options, key),
                    false => {
                        option(&have_options, key)
                            && (option(&want_options, key) || !in_scope(s, n, g))
                    }
                };
                format!(
                    "GRANT {} TO {}{};",
                    target(s, n, c, p),
                    quote_role(g),
                    if with { " WITH GRANT OPTION" } else { "" }
                )
            })
            .collect()
    };
    // REVOKE (the grant option only, or the privilege), with CASCADE and the grants back
    // when the grantee passed it on.
    let revoke = |grant_option: bool, key: (&str, &str, &str, &str, &str)| -> Vec<String> {
        let (s, n, c, g, p) = key;
        let passed = passed_on(a, (s, n, c), g, p);
        let mut sql = vec![format!(
            "REVOKE {}{} FROM {}{};",
            if grant_option {
                "GRANT OPTION FOR "
            } else {
                ""
            },
            target(s, n, c, p),
            quote_role(g),
            cascade(&passed)
        )];
        sql.extend(regrant(&passed, key));
        sql
    };
    for &(s, n, c, g, p) in &want_all {
        let want_option = option(&want_options, (s, n, c, g, p));
        let had = have_set.contains(&(s, n, c, g, p));
        let had_option = had && option(&have_options, (s, n, c, g, p));
        if had && want_option == had_option {
            continue;
        }
        let kind = if c.is_empty() {
            "grant"
        } else {
            "column grant"
        };
        if !had || want_option {
            cx.push(
                ChangeKind::Grant,
                obj(kind, s, Some(n), &label(c, g, p, want_option)),
                had.then(|| format!("{p} ON {s}.{n} TO {g}")),
                Some(format!(
                    "{p} ON {s}.{n} TO {g}{}",
                    if want_option {
                        " WITH GRANT OPTION"
                    } else {
                        ""
                    }
                )),
                vec![Hazard::Security],
                vec![format!(
                    "GRANT {} TO {}{};",
                    target(s, n, c, p),
                    quote_role(g),
                    if want_option {
                        " WITH GRANT OPTION"
                    } else {
                        ""
                    }
                )],
                Phase::Privileges,
            );
        } else if in_scope(s, n, g) {
            cx.push(
                ChangeKind::Revoke,
                obj(kind, s, Some(n), &label(c, g, p, true)),
                Some(format!("{p} ON {s}.{n} TO {g} WITH GRANT OPTION")),
                Some(format!("{p} ON {s}.{n} TO {g}")),
                vec![Hazard::Security],
                revoke(true, (s, n, c, g, p)),
                Phase::Privileges,
            );
        }
    }
    for &(s, n, c, g, p) in &have_all {
        if want_set.contains(&(s, n, c, g, p)) || !in_scope(s, n, g) || !relation(s, n) {
            continue;
        }
        // A column the desired side lacks goes with its privileges.
        if !c.is_empty()
            && d.tables
                .get(&(s.to_string(), n.to_string()))
                .is_some_and(|t| t.column(c).is_none())
        {
            continue;
        }
        let kind = if c.is_empty() {
            "grant"
        } else {
            "column grant"
        };
        let sql = revoke(false, (s, n, c, g, p));
        cx.push(
            ChangeKind::Revoke,
            obj(kind, s, Some(n), &label(c, g, p, false)),
            Some(format!("{p} ON {s}.{n} TO {g}")),
            None,
            vec![Hazard::Security],
            sql,
            Phase::Privileges,
        );
    }
}

/// Owners: each object the desired side names an owner for (a project only those it
/// declares, a database every one) that exists there and differs from the actual owner.
/// What the plan makes, or drops and makes again, is owned by the role that applies it,
/// which is taken to be the one that read the actual side ([`Catalog::reader`]).
fn owners(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    let made: BTreeSet<(&str, &str, &str)> = cx
        .out
        .iter()
        .filter(|c| {
            c.hazards.contains(&Hazard::Rebuilt)
                || match c.kind {
                    ChangeKind::AddTable
                    | ChangeKind::ReplaceTable
                    | ChangeKind::AddView
                    | ChangeKind::AddMaterializedView
                    | ChangeKind::AddEnum
                    | ChangeKind::AddDomain
                    | ChangeKind::ReplaceDomain
                    | ChangeKind::AddFunction => true,
                    ChangeKind::ReplaceView | ChangeKind::ReplaceFunction => {
                        c.sql.iter().any(|s| s.starts_with("DROP "))
                    }
                    ChangeKind::Kind(k) => {
                        matches!(
                            k.verb,
                            crate::kinds::Verb::Add | crate::kinds::Verb::Replace
                        )
                    }
                    _ => false,
                }
        })
        .map(|c| {
            (
                c.object.kind,
                c.object.schema.as_str(),
                c.object.name.as_str(),
            )
        })
        .collect();
    let mut changes = Vec::new();
    for ((noun, s, n), want) in &d.owners {
        let have = if made.contains(&(noun.as_str(), s.as_str(), n.as_str())) {
            Some(&a.reader)
        } else {
            a.owners.get(&(noun.clone(), s.clone(), n.clone()))
        };
        // An object the actual side lacks and the plan does not make is not compared
        // (a project's prediction names owners of objects it may not hold).
        let Some(have) = have.filter(|h| !h.is_empty()) else {
            continue;
        };
        if have == want {
            continue;
        }
        let target = match noun.as_str() {
            "function" => match n.split_once('(') {
                Some((f, args)) => format!("ROUTINE {}({args}", q(s, f)),
                None => continue,
            },
            "enum" | "composite type" => format!("TYPE {}", q(s, n)),
            _ => format!("{} {}", noun.to_uppercase(), q(s, n)),
        };
        changes.push((
            obj("owner", s, None, &format!("{noun} {n}")),
            have.clone(),
            want.clone(),
            format!("ALTER {target} OWNER TO {};", quote_ident(want)),
        ));
    }
    for (o, have, want, sql) in changes {
        cx.push(
            ChangeKind::SetOwner,
            o,
            Some(have),
            Some(want),
            vec![Hazard::Security],
            vec![sql],
            Phase::Policies,
        );
    }
}

/// Privileges on sequences and functions, for every role when the desired side is a whole
/// database (`all`), else for the roles whose privileges it decides
/// ([`Catalog::managed_grantees`]) and, on a sequence or function, the roles it grants
/// something on it (a project's `grants:`). A sequence or function the actual side lacks is compared as it
/// will be once created: a sequence with no privileges, a function executable by `public`.
fn object_grants(cx: &mut Ctx, all: bool) {
    let (d, a) = (cx.desired, cx.actual);
    let managed = |g: &str| all || d.managed_grantees.contains(g);
    let none = BTreeSet::new();
    let options = |c: &Catalog, s: &str, n: &str| -> Privileges {
        c.grant_options
            .range(
                (
                    s.to_string(),
                    n.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                )..,
            )
            .take_while(|(gs, gn, _, _, _)| gs == s && gn == n)
            .filter(|(_, _, col, _, _)| col.is_empty())
            .map(|(_, _, _, g, p)| (g.clone(), p.clone()))
            .collect()
    };
    for ((s, n), want) in &d.sequence_grants {
        let have = a
            .sequence_grants
            .get(&(s.clone(), n.clone()))
            .unwrap_or(&none);
        let declared: BTreeSet<&str> = want.iter().map(|(g, _)| g.as_str()).collect();
        let in_scope = |g: &str| managed(g) || declared.contains(g);
        object_grant_changes(
            cx,
            "sequence grant",
            (s, n, &q(s, n), "SEQUENCE"),
            (want, have),
            (&options(d, s, n), &options(a, s, n)),
            &in_scope,
            &|g, p| passed_on(a, (s, n, ""), g, p),
        );
    }
    let default: BTreeSet<(String, String)> =
        BTreeSet::from([("public".to_string(), "EXECUTE".to_string())]);
    // A function the plan drops and makes again comes back with the default privileges.
    let remade: BTreeSet<(String, String)> = cx
        .out
        .iter()
        .filter(|c| {
            c.kind == ChangeKind::ReplaceFunction
                && c.sql.iter().any(|s| s.starts_with("DROP FUNCTION"))
        })
        .map(|c| (c.object.schema.clone(), c.object.name.clone()))
        .collect();
    for (key @ (s, n, args), want) in &d.function_grants {
        let name = format!("{n}({args})");
        let have = if remade.contains(&(s.clone(), name.clone())) {
            &default
        } else {
            a.function_grants.get(key).unwrap_or(&default)
        };
        let sql_name = format!("{}({args})", q(s, n));
        // The roles a project grants EXECUTE to (`public` holds it by default: compared
        // only when the project decides it).
        let declared: BTreeSet<&str> = want
            .iter()
            .map(|(g, _)| g.as_str())
            .filter(|g| *g != "public")
            .collect();
        let in_scope = |g: &str| managed(g) || declared.contains(g);
        let passed = |g: &str, p: &str| match remade.contains(&(s.clone(), name.clone())) {
            true => Vec::new(),
            false => passed_on(a, (s, &name, ""), g, p),
        };
        object_grant_changes(
            cx,
            "function grant",
            (s, &name, &sql_name, "FUNCTION"),
            (want, have),
            (&options(d, s, &name), &options(a, s, &name)),
            &in_scope,
            &passed,
        );
    }
}

/// (grantee, privilege) pairs held on a sequence or function.
type Privileges = BTreeSet<(String, String)>;

/// [`passed_on`] for one sequence or function: grantee, privilege → (column, receiver).
type PassedOnFn<'a> = dyn Fn(&str, &str) -> Vec<(String, String)> + 'a;

/// Grants and revokes on one sequence or function (`schema`, `name` as diff names it, the
/// name as SQL writes it, `SEQUENCE`/`FUNCTION`) for the `managed` roles; `options`: the
/// pairs of each side held `WITH GRANT OPTION`; `passed`: who got a grantee's privilege
/// from it ([`passed_on`]).
#[allow(clippy::too_many_arguments)]
fn object_grant_changes(
    cx: &mut Ctx,
    kind: &'static str,
    (schema, name, sql_name, sql_kind): (&str, &str, &str, &str),
    (want, have): (&Privileges, &Privileges),
    (want_options, have_options): (&Privileges, &Privileges),
    managed: &dyn Fn(&str) -> bool,
    passed: &PassedOnFn,
) {
    // As for tables: a REVOKE … CASCADE, then what it took that is kept, granted again.
    let revoke = |what: String, g: &str, p: &str| -> Vec<String> {
        let passed = passed(g, p);
        let mut sql = vec![format!("{what}{};", cascade(&passed))];
        for (_, to) in &passed {
            let pair = (to.clone(), p.to_string());
            if want.contains(&pair) || !managed(to) {
                let with =
                    have_options.contains(&pair) && (want_options.contains(&pair) || !managed(to));
                sql.push(format!(
                    "GRANT {p} ON {sql_kind} {sql_name} TO {}{};",
                    quote_role(to),
                    if with { " WITH GRANT OPTION" } else { "" }
                ));
            }
        }
        sql
    };
    for pair @ (g, p) in want {
        let want_option = want_options.contains(pair);
        let had = have.contains(pair);
        let had_option = had && have_options.contains(pair);
        if !managed(g) || had && want_option == had_option {
            continue;
        }
        let with = if want_option {
            " WITH GRANT OPTION"
        } else {
            ""
        };
        if !had || want_option {
            cx.push(
                ChangeKind::Grant,
                obj(
                    kind,
                    schema,
                    Some(name),
                    &format!("{p} to {g}{}", with.to_lowercase()),
                ),
                had.then(|| format!("{p} ON {schema}.{name} TO {g}")),
                Some(format!("{p} ON {schema}.{name} TO {g}{with}")),
                vec![Hazard::Security],
                vec![format!(
                    "GRANT {p} ON {sql_kind} {sql_name} TO {}{with};",
                    quote_role(g)
                )],
                Phase::Privileges,
            );
        } else {
            cx.push(
                ChangeKind::Revoke,
                obj(
                    kind,
                    schema,
                    Some(name),
                    &format!("{p} to {g} with grant option"),
                ),
                Some(format!("{p} ON {schema}.{name} TO {g} WITH GRANT OPTION")),
                Some(format!("{p} ON {schema}.{name} TO {g}")),
                vec![Hazard::Security],
                revoke(
                    format!(
                        "REVOKE GRANT OPTION FOR {p} ON {sql_kind} {sql_name} FROM {}",
                        quote_role(g)
                    ),
                    g,
                    p,
                ),
                Phase::Privileges,
            );
        }
    }
    for (g, p) in have.difference(want) {
        if !managed(g) {
            continue;
        }
        cx.push(
            ChangeKind::Revoke,
            obj(kind, schema, Some(name), &format!("{p} to {g}")),
            Some(format!("{p} ON {schema}.{name} TO {g}")),
            None,
            vec![Hazard::Security],
            revoke(
                format!("REVOKE {p} ON {sql_kind} {sql_name} FROM {}", quote_role(g)),
                g,
                p,
            ),
            Phase::Privileges,
        );
    }
}

/// Triggers and policies on external tables: only the ones the desired side declares are
/// compared; whatever else the platform or someone else created there is never reported.
/// The entries of `all` whose names `keep` accepts.
fn declared<V: Clone>(
    all: &BTreeMap<String, V>,
    keep: &dyn Fn(&str) -> bool,
) -> BTreeMap<String, V> {
    all.iter()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn external(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    for ((s, n), want) in &d.external {
        let empty = Table::default();
        let have_all = a.external.get(&(s.clone(), n.clone())).unwrap_or(&empty);
        // Only what the project declares on the table is compared.
        let trigger = |k: &str| want.triggers.contains_key(k);
        let have = Table {
            triggers: declared(&have_all.triggers, &trigger),
            policies: declared(&have_all.policies, &|k| want.policies.contains_key(k)),
            trigger_comments: declared(&have_all.trigger_comments, &trigger),
            ..Table::default()
        };
        table_parts(cx, s, n, want, &have, false);
    }
}

fn publication_sql_ops(ops: &[String]) -> String {
    quote_literal(&ops.join(", "))
}

fn publications(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    for (name, p) in &d.publications {
        let qn = quote_ident(name);
        let Some(have) = a.publications.get(name) else {
            let mut sql = vec![format!(
                "CREATE PUBLICATION {qn} WITH (publish = {});",
                publication_sql_ops(&p.operations)
            )];
            sql.extend(
                p.tables
                    .iter()
                    .map(|(s, t)| format!("ALTER PUBLICATION {qn} ADD TABLE {};", q(s, t))),
            );
            let tables: Vec<String> = p.tables.iter().map(|(s, t)| format!("{s}.{t}")).collect();
            cx.push(
                ChangeKind::AddPublication,
                obj("publication", "", None, name),
                None,
                Some(tables.join("\n")),
                vec![],
                sql,
                Phase::Privileges,
            );
            continue;
        };
        if have.operations != p.operations {
            cx.push(
                ChangeKind::AlterPublication,
                obj("publication", "", None, name),
                Some(have.operations.join(", ")),
                Some(p.operations.join(", ")),
                vec![],
                vec![format!(
                    "ALTER PUBLICATION {qn} SET (publish = {});",
                    publication_sql_ops(&p.operations)
                )],
                Phase::Privileges,
            );
        }
        for (s, t) in p.tables.difference(&have.tables) {
            cx.push(
                ChangeKind::AddPublicationTable,
                obj("publication table", s, Some(t), name),
                None,
                Some(format!("{s}.{t}")),
                vec![],
                vec![format!("ALTER PUBLICATION {qn} ADD TABLE {};", q(s, t))],
                Phase::Privileges,
            );
        }
        // Only tables of the compared schemas: a publication may also carry others' tables.
        for (s, t) in have.tables.difference(&p.tables) {
            if !d.tables.contains_key(&(s.clone(), t.clone()))
                && !a.tables.contains_key(&(s.clone(), t.clone()))
            {
                continue;
            }
            cx.push(
                ChangeKind::DropPublicationTable,
                obj("publication table", s, Some(t), name),
                Some(format!("{s}.{t}")),
                None,
                vec![],
                vec![format!("ALTER PUBLICATION {qn} DROP TABLE {};", q(s, t))],
                Phase::Privileges,
            );
        }
    }
}

fn bucket_text(b: &crate::catalog::Bucket) -> String {
    format!(
        "public: {}\nfile_size_limit: {}\nallowed_mime_types: {}",
        b.public,
        b.file_size_limit
            .map_or("none".to_string(), |n| n.to_string()),
        b.allowed_mime_types
            .as_ref()
            .map_or("any".to_string(), |m| m.join(", "))
    )
}

fn buckets(cx: &mut Ctx) {
    let (d, a) = (cx.desired, cx.actual);
    for (id, b) in &d.buckets {
        let mimes = match &b.allowed_mime_types {
            Some(m) if !m.is_empty() => format!(
                "ARRAY[{}]::text[]",
                m.iter()
                    .map(|x| quote_literal(x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "NULL".to_string(),
        };
        let sql = format!(
            "INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types) VALUES ({}, {}, {}, {}, {mimes}) ON CONFLICT (id) DO UPDATE SET public = EXCLUDED.public, file_size_limit = EXCLUDED.file_size_limit, allowed_mime_types = EXCLUDED.allowed_mime_types;",
            quote_literal(id),
            quote_literal(id),
            b.public,
            b.file_size_limit.map_or("NULL".to_string(), |n| n.to_string())
        );
        match a.buckets.get(id) {
            None => cx.push(
                ChangeKind::AddBucket,
                obj("bucket", "", None, id),
                None,
                Some(bucket_text(b)),
                vec![],
                vec![sql],
                Phase::Privileges,
            ),
            Some(h) if h != b => cx.push(
                ChangeKind::ReplaceBucket,
                obj("bucket", "", None, id),
                Some(bucket_text(h)),
                Some(bucket_text(b)),
                vec![Hazard::Security],
                vec![sql],
                Phase::Privileges,
            ),
            Some(_) => {}
        }
    }
}

/// Schema privileges and default privileges, for the schemas and grantees the desired side
/// mentions (platforms grant many more the project does not describe).
fn privileges(cx: &mut Ctx, opts: Options) {
    let (d, a) = (cx.desired, cx.actual);
    let declared: BTreeSet<(&str, &str)> = d
        .schema_grants
        .iter()
        .map(|(s, g, _)| (s.as_str(), g.as_str()))
        .collect();
    let with = |o: bool| if o { " WITH GRANT OPTION" } else { "" };
    for key @ (s, g, p) in &d.schema_grants {
        let want_option = d.schema_grant_options.contains(key);
        let had = a.schema_grants.contains(key);
        let had_option = a.schema_grant_options.contains(key);
        // Missing, or held without the grant option the desired side has.
        if !had || (want_option && !had_option) {
            cx.push(
                ChangeKind::GrantSchema,
                obj(
                    "schema grant",
                    s,
                    None,
                    &format!("{p} to {g}{}", with(want_option).to_lowercase()),
                ),
                had.then(|| format!("{p} ON SCHEMA {s} TO {g}")),
                Some(format!("{p} ON SCHEMA {s} TO {g}{}", with(want_option))),
                vec![Hazard::Security],
                vec![format!(
                    "GRANT {p} ON SCHEMA {} TO {}{};",
                    quote_ident(s),
                    quote_role(g),
                    with(want_option)
                )],
                Phase::Privileges,
            );
        } else if had_option && !want_option {
            cx.push(
                ChangeKind::RevokeSchema,
                obj(
                    "schema grant",
                    s,
                    None,
                    &format!("{p} to {g} with grant option"),
                ),
                Some(format!("{p} ON SCHEMA {s} TO {g} WITH GRANT OPTION")),
                Some(format!("{p} ON SCHEMA {s} TO {g}")),
                vec![Hazard::Security],
                vec![format!(
                    "REVOKE GRANT OPTION FOR {p} ON SCHEMA {} FROM {};",
                    quote_ident(s),
                    quote_role(g)
                )],
                Phase::Privileges,
            );
        }
    }
    for (s, g, p) in a.schema_grants.difference(&d.schema_grants) {
        if opts.declared_grantees_only && !declared.contains(&(s.as_str(), g.as_str())) {
            continue;
        }
        cx.push(
            ChangeKind::RevokeSchema,
            obj("schema grant", s, None, &format!("{p} to {g}")),
            Some(format!("{p} ON SCHEMA {s} TO {g}")),
            None,
            vec![Hazard::Security],
            vec![format!(
                "REVOKE {p} ON SCHEMA {} FROM {};",
                quote_ident(s),
                quote_role(g)
            )],
            Phase::Privileges,
        );
    }
    let objects = |t: &str| match t {
        "r" => "TABLES",
        "S" => "SEQUENCES",
        "f" => "FUNCTIONS",
        "T" => "TYPES",
        "n" => "SCHEMAS",
        _ => "TABLES",
    };
    let declared: BTreeSet<(&str, &str, &str)> = d
        .default_privileges
        .iter()
        .map(|(s, t, g, _)| (s.as_str(), t.as_str(), g.as_str()))
        .collect();
    for (s, t, g, p) in d.default_privileges.difference(&a.default_privileges) {
        cx.push(
            ChangeKind::GrantDefault,
            obj(
                "default privilege",
                s,
                None,
                &format!("{p} on {} to {g}", objects(t).to_lowercase()),
            ),
            None,
            Some(format!("{p} ON {} IN SCHEMA {s} TO {g}", objects(t))),
            vec![Hazard::Security],
            vec![format!(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT {p} ON {} TO {};",
                quote_ident(s),
                objects(t),
                quote_role(g)
            )],
            Phase::Privileges,
        );
    }
    for (s, t, g, p) in a.default_privileges.difference(&d.default_privileges) {
        if opts.declared_grantees_only && !declared.contains(&(s.as_str(), t.as_str(), g.as_str()))
        {
            continue;
        }
        cx.push(
            ChangeKind::RevokeDefault,
            obj(
                "default privilege",
                s,
                None,
                &format!("{p} on {} to {g}", objects(t).to_lowercase()),
            ),
            Some(format!("{p} ON {} IN SCHEMA {s} TO {g}", objects(t))),
            None,
            vec![Hazard::Security],
            vec![format!(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {} REVOKE {p} ON {} FROM {};",
                quote_ident(s),
                objects(t),
                quote_role(g)
            )],
            Phase::Privileges,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_type_changes() {
        assert!(widening("integer", "bigint"));
        assert!(!widening("bigint", "integer"));
        assert!(widening("character varying(10)", "character varying(20)"));
        assert!(widening("character varying(10)", "text"));
        assert!(!widening("text", "uuid"));
        assert!(widening("numeric(5,2)", "numeric(10,3)"));
        assert!(widening("numeric(5,2)", "numeric"));
        assert!(widening("numeric(5)", "numeric(6,1)"));
        assert!(!widening("numeric(5,2)", "numeric(5,3)"));
        assert!(!widening("numeric(10,3)", "numeric(5,2)"));
        assert!(!widening("numeric", "numeric(10,2)"));
        assert!(widening("real", "double precision"));
    }

    fn partitioned(columns: &[&str]) -> Table {
        Table {
            partition_by: Some("RANGE (at)".into()),
            columns: columns
                .iter()
                .map(|c| Column {
                    not_null: true,
                    ..Column::plain(c, "date")
                })
                .collect(),
            ..Table::default()
        }
    }

    fn partition(bound: &str) -> Table {
        Table {
            partition_of: Some(crate::catalog::Partition {
                parent: ("public".into(), "logs".into()),
                bound: bound.into(),
            }),
            ..Table::default()
        }
    }

    fn key(n: &str) -> (String, String) {
        ("public".into(), n.into())
    }

    #[test]
    fn partitions_are_made_after_their_parent_and_columns_go_to_the_parent_alone() {
        let mut have = Catalog::default();
        have.tables.insert(key("logs"), partitioned(&["at"]));
        have.tables.insert(
            key("logs_a"),
            partition("FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"),
        );
        let mut want = have.clone();
        want.tables
            .insert(key("logs"), partitioned(&["at", "seen"]));
        want.tables.insert(key("logs_b"), partition("DEFAULT"));
        want.tables.insert(
            key("logs_a"),
            partition("FOR VALUES FROM ('2023-01-01') TO ('2025-01-01')"),
        );
        let changes = diff(&want, &have, Options::default());
        let sql = statements(&changes);
        assert_eq!(
            sql,
            [
                "ALTER TABLE public.logs DETACH PARTITION public.logs_a;",
                "ALTER TABLE public.logs ATTACH PARTITION public.logs_a FOR VALUES FROM ('2023-01-01') TO ('2025-01-01');",
                "ALTER TABLE public.logs ADD COLUMN seen date NOT NULL;",
                "CREATE TABLE public.logs_b PARTITION OF public.logs DEFAULT;",
            ]
        );
        assert!(changes.iter().all(|c| !c.destructive));
    }

    #[test]
    fn a_new_partition_key_makes_the_table_again_destructively() {
        let mut have = Catalog::default();
        have.tables.insert(
            key("logs"),
            Table {
                partition_by: None,
                ..partitioned(&["at"])
            },
        );
        let mut want = Catalog::default();
        want.tables.insert(key("logs"), partitioned(&["at"]));
        let changes = diff(&want, &have, Options::default());
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, ChangeKind::ReplaceTable);
        assert!(changes[0].destructive);
        assert_eq!(
            changes[0].sql,
            [
                "DROP TABLE public.logs;",
                "CREATE TABLE public.logs (\n  at date NOT NULL\n) PARTITION BY RANGE (at);"
            ]
        );
    }

    /// Every statement of `changes`, in order.
    fn statements(changes: &[Change]) -> Vec<&str> {
        changes
            .iter()
            .flat_map(|c| c.sql.iter().map(String::as_str))
            .collect()
    }

    fn child(parents: &[&str], columns: &[&str]) -> Table {
        Table {
            inherits: parents.iter().map(|p| key(p)).collect(),
            partition_by: None,
            ..partitioned(columns)
        }
    }

    #[test]
    fn a_child_keeps_its_own_columns_when_its_parent_loses_one() {
        // migra's inherit2: the parent loses `e`, the child gets one of its own and loses `a2`.
        let mut have = Catalog::default();
        have.tables
            .insert(key("base"), child(&[], &["created_at", "e"]));
        have.tables
            .insert(key("a"), child(&["base"], &["a1", "a2"]));
        let mut want = Catalog::default();
        want.tables.insert(key("base"), child(&[], &["created_at"]));
        want.tables.insert(key("a"), child(&["base"], &["a1", "e"]));
        let changes = diff(&want, &have, Options::default());
        let sql = statements(&changes);
        assert_eq!(
            sql,
            [
                "ALTER TABLE public.base DROP COLUMN e;",
                "ALTER TABLE public.a DROP COLUMN a2;",
                "ALTER TABLE public.a ADD COLUMN e date NOT NULL;",
            ]
        );
    }

    #[test]
    fn tables_start_and_stop_inheriting_in_place_and_children_are_made_after_parents() {
        let mut have = Catalog::default();
        have.tables.insert(key("base"), child(&[], &["id", "at"]));
        have.tables.insert(key("joins"), child(&[], &["id"]));
        have.tables
            .insert(key("leaves"), child(&["base"], &["note"]));
        let mut want = Catalog::default();
        want.tables.insert(key("base"), child(&[], &["id", "at"]));
        want.tables.insert(key("joins"), child(&["base"], &[]));
        want.tables
            .insert(key("leaves"), child(&[], &["id", "at", "note"]));
        want.tables.insert(key("a_new"), child(&["z_new"], &["x"]));
        want.tables.insert(key("z_new"), child(&[], &["id"]));
        let changes = diff(&want, &have, Options::default());
        assert!(changes.iter().all(|c| !c.destructive));
        let sql = statements(&changes);
        assert_eq!(
            sql,
            [
                "ALTER TABLE public.joins ADD COLUMN at date NOT NULL;",
                "ALTER TABLE public.joins INHERIT public.base;",
                "ALTER TABLE public.leaves NO INHERIT public.base;",
                "CREATE TABLE public.z_new (\n  id date NOT NULL\n);",
                "CREATE TABLE public.a_new (\n  x date NOT NULL\n) INHERITS (public.z_new);",
            ]
        );
    }

    #[test]
    fn a_not_valid_constraint_is_validated_and_a_validated_one_is_left() {
        let con = |kind: &str, def: &str| crate::catalog::Constraint {
            kind: crate::catalog::ConstraintKind::from_contype(kind).expect("a contype"),
            definition: def.into(),
        };
        let table = |defs: [&str; 3]| {
            let mut t = partitioned(&["at"]);
            t.partition_by = None;
            t.constraints.insert(
                "c".into(),
                con(
                    "c",
                    &format!("CHECK ((at > '2000-01-01'::date)){}", defs[0]),
                ),
            );
            t.constraints.insert(
                "f".into(),
                con(
                    "f",
                    &format!("FOREIGN KEY (at) REFERENCES days(at){}", defs[1]),
                ),
            );
            t.constraints.insert(
                "g".into(),
                con(
                    "c",
                    &format!("CHECK ((at < '3000-01-01'::date)){}", defs[2]),
                ),
            );
            t
        };
        let mut have = Catalog::default();
        have.tables
            .insert(key("logs"), table([" NOT VALID", " NOT VALID", ""]));
        let mut want = Catalog::default();
        // c and f wanted validated; g wanted NOT VALID and already validated: left.
        want.tables
            .insert(key("logs"), table(["", "", " NOT VALID"]));
        let changes = diff(&want, &have, Options::default());
        assert_eq!(
            statements(&changes),
            [
                "ALTER TABLE public.logs VALIDATE CONSTRAINT c;",
                "ALTER TABLE public.logs VALIDATE CONSTRAINT f;",
            ]
        );
        for c in &changes {
            assert_eq!(c.kind, ChangeKind::ValidateConstraint);
            assert_eq!(c.hazards, [Hazard::MayFailOnData]);
            assert!(!c.destructive);
        }
        // Another rule: made again, NOT VALID as declared.
        want.tables
            .insert(key("logs"), table([" NOT VALID", "", " NOT VALID"]));
        if let Some(t) = want.tables.get_mut(&key("logs")) {
            t.constraints.insert(
                "g".into(),
                con("c", "CHECK ((at < '2900-01-01'::date)) NOT VALID"),
            );
        }
        let changes = diff(&want, &have, Options::default());
        assert_eq!(
            statements(&changes),
            [
                "ALTER TABLE public.logs DROP CONSTRAINT g;",
                "ALTER TABLE public.logs ADD CONSTRAINT g CHECK ((at < '2900-01-01'::date)) NOT VALID;",
                "ALTER TABLE public.logs VALIDATE CONSTRAINT f;",
            ]
        );
    }

    #[test]
    fn identical_catalogs_have_no_changes() {
        let c = Catalog::default();
        assert!(diff(&c, &c, Options::default()).is_empty());
    }

    /// With `api_roles`, every privilege of the API roles on the project's tables, sequences
    /// and functions is compared; on views only what the project grants; other roles never.
    #[test]
    fn the_api_roles_privileges_are_compared_where_the_project_decides_them() {
        let name = |n: &str| ("public".to_string(), n.to_string());
        let mut d = Catalog::default();
        d.tables.insert(name("t"), Table::default());
        d.views.insert(
            name("v"),
            crate::catalog::View {
                definition: String::new(),
                options: String::new(),
                comment: None,
                columns: Vec::new(),
                ..Default::default()
            },
        );
        d.managed_grantees = ["public", "anon"].map(String::from).into();
        d.sequence_grants.insert(name("t_id_seq"), BTreeSet::new());
        let f = ("public".to_string(), "f".to_string(), String::new());
        d.function_grants.insert(f.clone(), BTreeSet::new());
        let mut a = d.clone();
        for rel in ["t", "v"] {
            for role in ["anon", "other"] {
                a.grants
                    .insert(("public".into(), rel.into(), role.into(), "SELECT".into()));
            }
        }
        a.sequence_grants.insert(
            name("t_id_seq"),
            [("anon".to_string(), "USAGE".to_string())].into(),
        );
        // A function PostgreSQL created with its default privileges.
        a.function_grants.remove(&f);
        let opts = Options {
            declared_grantees_only: true,
            whole_database: false,
        };
        let got: Vec<String> = diff(&d, &a, opts)
            .iter()
            .map(|c| format!("{} {}", c.kind.sign(), c.object))
            .collect();
        assert_eq!(
            got,
            [
                "- function grant EXECUTE to public on public.f()",
                "- grant SELECT to anon on public.t",
                "- sequence grant USAGE to anon on public.t_id_seq",
            ]
        );
        d.managed_grantees.clear();
        assert!(diff(&d, &a, opts).is_empty());
    }

    /// Grant options and column privileges, of the roles a project grants something to on
    /// the relation: given, taken away, and left alone for a dropped column and for roles
    /// the project does not name there; statements quote what they name.
    #[test]
    fn a_privilege_passed_on_is_revoked_with_cascade_and_what_is_kept_granted_again() {
        let s = |x: &str| x.to_string();
        let mut d = Catalog::default();
        d.tables.insert((s("public"), s("t")), Table::default());
        let mut a = d.clone();
        let grant = |g: &str, p: &str| (s("public"), s("t"), s(g), s(p));
        let option = |g: &str, p: &str| (s("public"), s("t"), s(""), s(g), s(p));
        let passed = |by: &str, to: &str, p: &str| (s("public"), s("t"), s(""), s(by), s(to), s(p));
        // g held SELECT and UPDATE with grant option and gave them to v, which gave SELECT
        // on to w. Wanted: g and v without UPDATE, g without the option; v and w keep
        // SELECT; x (not compared) got UPDATE from g and keeps it.
        for (g, p) in [
            ("g", "SELECT"),
            ("g", "UPDATE"),
            ("v", "SELECT"),
            ("v", "UPDATE"),
            ("w", "SELECT"),
            ("x", "UPDATE"),
        ] {
            a.grants.insert(grant(g, p));
        }
        for (g, p) in [("g", "SELECT"), ("g", "UPDATE"), ("v", "SELECT")] {
            a.grant_options.insert(option(g, p));
        }
        a.grants_passed_on.insert(passed("g", "v", "SELECT"));
        a.grants_passed_on.insert(passed("g", "v", "UPDATE"));
        a.grants_passed_on.insert(passed("g", "x", "UPDATE"));
        a.grants_passed_on.insert(passed("v", "w", "SELECT"));
        for (g, p) in [("g", "SELECT"), ("v", "SELECT"), ("w", "SELECT")] {
            d.grants.insert(grant(g, p));
        }
        d.grant_options.insert(option("v", "SELECT"));
        let opts = Options {
            declared_grantees_only: true,
            whole_database: false,
        };
        let got: Vec<Vec<String>> = diff(&d, &a, opts).iter().map(|c| c.sql.clone()).collect();
        assert_eq!(
            got,
            [
                vec![
                    "REVOKE GRANT OPTION FOR SELECT ON TABLE public.t FROM g CASCADE;",
                    "GRANT SELECT ON TABLE public.t TO v WITH GRANT OPTION;",
                    "GRANT SELECT ON TABLE public.t TO w;",
                ],
                vec![
                    "REVOKE UPDATE ON TABLE public.t FROM g CASCADE;",
                    "GRANT UPDATE ON TABLE public.t TO x;",
                ],
                vec!["REVOKE UPDATE ON TABLE public.t FROM v;"],
            ]
        );
        // Every role compared (a database to another): x loses UPDATE as declared.
        let got = diff(&d, &a, Options::default());
        assert!(got
            .iter()
            .any(|c| c.sql == ["REVOKE UPDATE ON TABLE public.t FROM x;"]));
    }

    #[test]
    fn grant_options_and_column_privileges_are_compared() {
        let s = |x: &str| x.to_string();
        let mut d = Catalog::default();
        let mut t = Table::default();
        for c in ["id", "Note"] {
            t.columns.push(Column::plain(c, "text"));
        }
        d.tables.insert((s("public"), s("t")), t);
        let mut a = d.clone();
        let grant = |g: &str, p: &str| (s("public"), s("t"), s(g), s(p));
        let column = |c: &str, g: &str, p: &str| (s("public"), s("t"), s(c), s(g), s(p));
        // r: SELECT with grant option wanted, held without; UPDATE held with, wanted without.
        d.grants.insert(grant("r", "SELECT"));
        d.grants.insert(grant("r", "UPDATE"));
        d.grant_options.insert(column("", "r", "SELECT"));
        a.grants.insert(grant("r", "SELECT"));
        a.grants.insert(grant("r", "UPDATE"));
        a.grant_options.insert(column("", "r", "UPDATE"));
        // Column privileges: one missing (with its option), one extra, one on a column the
        // desired side dropped, and an extra one of a role the project does not name.
        d.column_grants.insert(column("Note", "r", "SELECT"));
        d.grant_options.insert(column("Note", "r", "SELECT"));
        a.column_grants.insert(column("id", "r", "INSERT"));
        a.column_grants.insert(column("gone", "r", "SELECT"));
        a.column_grants.insert(column("id", "other", "SELECT"));
        let opts = Options {
            declared_grantees_only: true,
            whole_database: false,
        };
        let got: Vec<(String, Vec<String>)> = diff(&d, &a, opts)
            .iter()
            .map(|c| (format!("{} {}", c.kind.sign(), c.object), c.sql.clone()))
            .collect();
        let want = [
            (
                "- column grant INSERT (id) to r on public.t",
                "REVOKE INSERT (id) ON TABLE public.t FROM r;",
            ),
            (
                "+ column grant SELECT (Note) to r with grant option on public.t",
                "GRANT SELECT (\"Note\") ON TABLE public.t TO r WITH GRANT OPTION;",
            ),
            (
                "+ grant SELECT to r with grant option on public.t",
                "GRANT SELECT ON TABLE public.t TO r WITH GRANT OPTION;",
            ),
            (
                "- grant UPDATE to r with grant option on public.t",
                "REVOKE GRANT OPTION FOR UPDATE ON TABLE public.t FROM r;",
            ),
        ];
        assert_eq!(got, want.map(|(o, q)| (o.to_string(), vec![q.to_string()])));
        // Database to database, every role's are compared.
        let all = Options {
            declared_grantees_only: false,
            whole_database: true,
        };
        assert!(diff(&d, &a, all)
            .iter()
            .any(|c| c.sql == ["REVOKE SELECT (id) ON TABLE public.t FROM other;"]));
    }
}
