//! Test rows for `test-rls`: one row per user (A and B) in each table, written as the
//! superuser before any role is assumed.
//!
//! A row gets what it must have and nothing more: its owner columns (those the policies
//! compare with `auth.uid()`, and single-column foreign keys to `auth.users`) hold its
//! user's id; its tenant column holds its user's tenant, of which the user is made a
//! member; NOT NULL columns without a default get a value of their type (the first value
//! a CHECK lists, the first label of an enum); NOT NULL foreign keys point at a parent row
//! of the same user, inserted first. Values are derived from a counter, so a run is
//! deterministic and no two rows collide on a unique column.

use super::sem::{self, Clause, Sem};
use crate::model::{names::QualName, types::BaseType, Column, Model, Table};
use crate::sql::quote::{quote_ident, quote_literal};
use postgres::Client;
use std::collections::HashMap;

/// The fixed ids of the two test users.
pub const USERS: [&str; 2] = [
    "00000000-0000-4000-8000-00000000000a",
    "00000000-0000-4000-8000-00000000000b",
];

/// The most foreign keys followed from one row to its ancestors.
const MAX_DEPTH: usize = 6;

/// A row written for the test.
#[derive(Debug, Clone)]
pub struct Row {
    /// Where it is (stable: every check is rolled back).
    pub ctid: String,
    /// Its columns as `row_to_json` gives them, for foreign keys of children.
    pub json: serde_json::Map<String, serde_json::Value>,
}

/// Writes rows, remembering each user's row of each table.
pub struct Gen<'m> {
    pub model: &'m Model,
    owners: HashMap<QualName, Vec<String>>,
    n: u64,
    rows: HashMap<(QualName, usize), Row>,
    tenant_literals: HashMap<(String, usize), String>,
}

/// The claims of a test user, as Supabase's PostgREST sets them.
pub fn claims(user: Option<usize>, role: &str) -> String {
    match user {
        Some(u) => format!(r#"{{"sub": "{}", "role": "{role}"}}"#, USERS[u]),
        None => format!(r#"{{"role": "{role}"}}"#),
    }
}

/// `'<uuid>'::type`: the id of `user` as a value of `col`'s type.
pub fn uid_value(user: usize, col: &Column) -> String {
    format!("{}::{}", quote_literal(USERS[user]), col.ty)
}

/// The columns of `table` that hold a row's owner: compared with `auth.uid()` by a
/// policy, or a single-column foreign key to `auth.users` (see [`Gen::owner_columns`] for
/// the columns other tables' owner columns reference).
fn direct_owner_columns(model: &Model, table: &Table) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for p in table.policies.values() {
        for clause in [Clause::Using, Clause::WithCheck] {
            if let Sem::Own(c) = sem::of(model, p, clause) {
                if table.columns.contains_key(&c) && !cols.contains(&c) {
                    cols.push(c);
                }
            }
        }
    }
    let auth_users = QualName::new("auth", "users");
    for fk in &table.foreign_keys {
        if fk.ref_table == auth_users
            && fk.columns.len() == 1
            && (fk.ref_columns.is_empty() || fk.ref_columns == ["id"])
        {
            let c = &fk.columns[0].0;
            if table.columns.contains_key(c) && !cols.contains(c) {
                cols.push(c.clone());
            }
        }
    }
    cols
}

/// The tenant rules of `table`'s policies.
pub fn tenants(model: &Model, table: &Table) -> Vec<sem::Tenant> {
    let mut out: Vec<sem::Tenant> = Vec::new();
    for p in table.policies.values() {
        for clause in [Clause::Using, Clause::WithCheck] {
            if let Sem::Tenant(t) = sem::of(model, p, clause) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// The server's message without its detail, which would show the test's values (ids,
/// timestamps) and make the report differ from run to run.
pub fn pg_err(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => crate::pg::reason(e),
    }
}

impl<'m> Gen<'m> {
    pub fn new(model: &'m Model) -> Self {
        let mut owners: HashMap<QualName, Vec<String>> = model
            .tables
            .values()
            .map(|t| (t.name.clone(), direct_owner_columns(model, t)))
            .collect();
        // An owner column that references a project table (`user_id → users(id)`) says
        // that the referenced column holds user ids too: twice, for a chain of two.
        for _ in 0..2 {
            for t in model.tables.values() {
                for fk in &t.foreign_keys {
                    let own = &owners[&t.name];
                    if fk.ref_table == t.name
                        || fk.columns.is_empty()
                        || !fk.columns.iter().all(|(c, _)| own.contains(c))
                    {
                        continue;
                    }
                    let Some(parent) = model.tables.get(&fk.ref_table) else {
                        continue;
                    };
                    let refs: Vec<String> = if fk.ref_columns.is_empty() {
                        parent
                            .primary_key
                            .iter()
                            .flat_map(|k| k.columns.iter().map(|(c, _)| c.clone()))
                            .collect()
                    } else {
                        fk.ref_columns.clone()
                    };
                    if let Some(list) = owners.get_mut(&fk.ref_table) {
                        for r in refs {
                            if parent.columns.contains_key(&r) && !list.contains(&r) {
                                list.push(r);
                            }
                        }
                    }
                }
            }
        }
        Gen {
            model,
            owners,
            n: 0,
            rows: HashMap::new(),
            tenant_literals: HashMap::new(),
        }
    }

    /// The columns of `table` that hold its rows' owner: compared with `auth.uid()` by a
    /// policy, a single-column foreign key to `auth.users`, or referenced by another
    /// table's owner column.
    pub fn owner_columns(&self, table: &QualName) -> Vec<String> {
        self.owners.get(table).cloned().unwrap_or_default()
    }

    fn next(&mut self) -> u64 {
        self.n += 1;
        self.n
    }

    /// Signs in as `user` for triggers that read `auth.uid()` while rows are written.
    fn sign_in(client: &mut Client, user: usize) -> Result<(), String> {
        client
            .execute(
                "SELECT set_config('request.jwt.claims', $1, false)",
                &[&claims(Some(user), "authenticated")],
            )
            .map(|_| ())
            .map_err(|e| pg_err(&e))
    }

    /// `user`'s row of `table`, written (with its parents) on first use. `extra`: values
    /// the row must have (the id a child's owner column already holds).
    pub fn row(
        &mut self,
        client: &mut Client,
        table: &QualName,
        user: usize,
    ) -> Result<Row, String> {
        self.row_at(client, table, user, 0, &[])
    }

    fn row_at(
        &mut self,
        client: &mut Client,
        name: &QualName,
        user: usize,
        depth: usize,
        extra: &[(String, String)],
    ) -> Result<Row, String> {
        if let Some(r) = self.rows.get(&(name.clone(), user)) {
            return Ok(r.clone());
        }
        if depth > MAX_DEPTH {
            return Err(format!(
                "foreign keys nested deeper than {MAX_DEPTH} tables"
            ));
        }
        let model = self.model;
        let table = model
            .tables
            .get(name)
            .ok_or_else(|| format!("{name} is not a table of the project"))?;
        let mut fixed = self.fixed(client, table, user, depth)?;
        for (c, v) in extra {
            if !fixed.iter().any(|(k, _)| k == c) {
                fixed.push((c.clone(), v.clone()));
            }
        }
        let values = self.values(client, table, user, &fixed, depth)?;
        Self::sign_in(client, user)?;
        let row = match insert(client, table, &values) {
            Ok(r) => r,
            // A row of this user may exist already (a sign-up trigger made it).
            Err(e)
                if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
                    && !fixed.is_empty() =>
            {
                find(client, table, &fixed)?.ok_or_else(|| pg_err(&e))?
            }
            Err(e) => return Err(pg_err(&e)),
        };
        self.rows.insert((name.clone(), user), row.clone());
        Ok(row)
    }

    /// Values for a new row of `user` (for an INSERT run as a role): the same owner,
    /// tenant and parents as `user`'s row, fresh values elsewhere.
    pub fn fresh(
        &mut self,
        client: &mut Client,
        table: &Table,
        user: usize,
    ) -> Result<Vec<(String, String)>, String> {
        let fixed = self.fixed(client, table, user, 0)?;
        self.values(client, table, user, &fixed, 0)
    }

    /// The owner and tenant columns of `user`'s rows of `table`.
    pub fn fixed(
        &mut self,
        client: &mut Client,
        table: &Table,
        user: usize,
        depth: usize,
    ) -> Result<Vec<(String, String)>, String> {
        let mut fixed: Vec<(String, String)> = Vec::new();
        for c in self.owner_columns(&table.name) {
            if let Some(col) = table.columns.get(&c) {
                fixed.push((c.clone(), uid_value(user, col)));
            }
        }
        for t in tenants(self.model, table) {
            let col = table.columns.get(&t.column).ok_or_else(|| {
                format!(
                    "tenant column {} is not a column of {}",
                    t.column, table.name
                )
            })?;
            let value = self.tenant(client, table, &t, col, user, depth)?;
            fixed.retain(|(c, _)| c != &t.column);
            fixed.push((
                t.column.clone(),
                format!("{}::{}", quote_literal(&value), col.ty),
            ));
        }
        Ok(fixed)
    }

    /// The tenant of `user` for `table`'s rule `t` (as text), made a member of it.
    fn tenant(
        &mut self,
        client: &mut Client,
        table: &Table,
        t: &sem::Tenant,
        col: &Column,
        user: usize,
        depth: usize,
    ) -> Result<String, String> {
        let parent = table
            .foreign_keys
            .iter()
            .find(|fk| fk.columns.len() == 1 && fk.columns[0].0 == t.column);
        let value = match parent {
            Some(fk) if fk.ref_table != table.name => {
                let row = self.row_at(client, &fk.ref_table, user, depth + 1, &[])?;
                let refcol = self.ref_columns(fk)?.into_iter().next().unwrap_or_default();
                json_text(&row.json, &refcol)?
            }
            _ => {
                let key = (t.membership_table.clone(), user);
                match self.tenant_literals.get(&key) {
                    Some(v) => v.clone(),
                    None => {
                        let v = self.plain_value(table, col)?;
                        let text: String = client
                            .query_one(&format!("SELECT ({v})::text"), &[])
                            .map_err(|e| pg_err(&e))?
                            .get(0);
                        self.tenant_literals.insert(key, text.clone());
                        text
                    }
                }
            }
        };
        let membership = QualName::parse(&t.membership_table, &table.name.schema)
            .map_err(|e| format!("membership table {}: {e}", t.membership_table))?;
        if self.rows.contains_key(&(membership.clone(), user)) {
            return Ok(value);
        }
        let model = self.model;
        let mt = model.tables.get(&membership).ok_or_else(|| {
            format!("membership table {membership} is not a table of the project")
        })?;
        let (tc, uc) = (
            mt.columns
                .get(&t.tenant_column)
                .ok_or_else(|| format!("{} has no column {}", membership, t.tenant_column))?,
            mt.columns
                .get(&t.user_column)
                .ok_or_else(|| format!("{} has no column {}", membership, t.user_column))?,
        );
        let fixed = vec![
            (
                tc.name.clone(),
                format!("{}::{}", quote_literal(&value), tc.ty),
            ),
            (uc.name.clone(), uid_value(user, uc)),
        ];
        let values = self.values(client, mt, user, &fixed, depth + 1)?;
        Self::sign_in(client, user)?;
        let row = insert(client, mt, &values).map_err(|e| pg_err(&e))?;
        self.rows.insert((membership, user), row);
        Ok(value)
    }

    /// The referenced columns of a foreign key (the parent's primary key when not named).
    fn ref_columns(&self, fk: &crate::model::ForeignKey) -> Result<Vec<String>, String> {
        if !fk.ref_columns.is_empty() {
            return Ok(fk.ref_columns.clone());
        }
        self.model
            .tables
            .get(&fk.ref_table)
            .and_then(|t| t.primary_key.as_ref())
            .map(|k| k.columns.iter().map(|(c, _)| c.clone()).collect())
            .ok_or_else(|| format!("{} has no primary key", fk.ref_table))
    }

    /// Every column an INSERT of `user`'s row must set: `fixed`, NOT NULL foreign keys
    /// (a parent row of the same user), NOT NULL columns without a default.
    fn values(
        &mut self,
        client: &mut Client,
        table: &Table,
        user: usize,
        fixed: &[(String, String)],
        depth: usize,
    ) -> Result<Vec<(String, String)>, String> {
        let mut out: Vec<(String, String)> = fixed.to_vec();
        let set = |out: &Vec<(String, String)>, c: &str| out.iter().any(|(k, _)| k == c);
        let auth_users = QualName::new("auth", "users");
        for fk in &table.foreign_keys {
            let cols: Vec<&Column> = fk
                .columns
                .iter()
                .filter_map(|(c, _)| table.columns.get(c))
                .collect();
            let needed = cols.iter().any(|c| !c.nullable && !set(&out, &c.name));
            if !needed {
                // An owner column that references a project table (`users(id)`) rather
                // than auth.users: that table needs this user's row first.
                let fixed_here = !cols.is_empty() && cols.iter().all(|c| set(&out, &c.name));
                if fixed_here && fk.ref_table != table.name {
                    if let Some(parent) = self.model.tables.get(&fk.ref_table) {
                        let refs = self.ref_columns(fk)?;
                        let mut same = Vec::new();
                        for (c, r) in cols.iter().zip(refs.iter()) {
                            let v = out.iter().find(|(k, _)| k == &c.name).map(|(_, v)| v);
                            if let (Some(v), Some(pc)) = (v, parent.columns.get(r)) {
                                same.push((r.clone(), format!("({v})::{}", pc.ty)));
                            }
                        }
                        self.row_at(client, &fk.ref_table, user, depth + 1, &same)?;
                    }
                }
                continue;
            }
            if cols.iter().all(|c| set(&out, &c.name)) {
                continue;
            }
            if fk.ref_table == auth_users {
                for c in cols {
                    if !set(&out, &c.name) {
                        out.push((c.name.clone(), uid_value(user, c)));
                    }
                }
                continue;
            }
            if fk.ref_table == table.name || !self.model.tables.contains_key(&fk.ref_table) {
                return Err(format!(
                    "column {} must reference a row of {}, which test-rls cannot write",
                    cols.first().map_or("?", |c| c.name.as_str()),
                    fk.ref_table
                ));
            }
            let parent = self.row_at(client, &fk.ref_table, user, depth + 1, &[])?;
            let refs = self.ref_columns(fk)?;
            for (c, r) in cols.iter().zip(refs.iter()) {
                if !set(&out, &c.name) {
                    let v = json_text(&parent.json, r)?;
                    out.push((c.name.clone(), format!("{}::{}", quote_literal(&v), c.ty)));
                }
            }
        }
        for col in table.columns.values() {
            let required = !col.nullable
                && col.default.is_none()
                && col.identity.is_none()
                && col.generated.is_none();
            if required && !set(&out, &col.name) {
                let v = self.plain_value(table, col)?;
                out.push((col.name.clone(), v));
            }
        }
        Ok(out)
    }

    /// A value of `col`'s type that its CHECKs are likely to accept.
    pub fn plain_value(&mut self, table: &Table, col: &Column) -> Result<String, String> {
        let n = self.next();
        let ty = &col.ty;
        if ty.array_dims > 0 {
            return Ok(format!("'{{}}'::{ty}"));
        }
        let checked: Vec<&str> = table
            .checks
            .iter()
            .map(|c| c.expr.text.as_str())
            .filter(|t| mentions(t, &col.name))
            .collect();
        if let BaseType::Named(q) = &ty.base {
            let e = self
                .model
                .enums
                .values()
                .find(|e| &e.name == q || (q.schema.is_empty() && e.name.name == q.name))
                .ok_or_else(|| format!("no test value for column {} of type {ty}", col.name))?;
            let first = e
                .values
                .first()
                .ok_or_else(|| format!("enum {} has no value", e.name))?;
            return Ok(format!("{}::{ty}", quote_literal(&first.name)));
        }
        // `status IN ('a', 'b')`, `kind = 'x'`: the first value listed. (A pattern
        // compared with `~` is no value.)
        let listed = checked
            .iter()
            .filter(|t| {
                let t = t.to_lowercase();
                t.contains(" in (")
                    || t.contains(" in(")
                    || t.contains("= '")
                    || t.contains("any (")
            })
            .find_map(|t| first_string(t));
        let lit = match ty.family().as_ref() {
            "uuid" => quote_literal(&format!("00000000-0000-4000-9000-{n:012x}")),
            "text" | "character varying" | "character" | "citext" | "name" => match listed {
                Some(s) => quote_literal(&s),
                None => {
                    let max = ty.mods.first().and_then(|m| m.parse::<usize>().ok());
                    let mut s = format!("t{n}");
                    if let Some(m) = max {
                        let keep = s.len().saturating_sub(m);
                        s = s[keep..].to_string();
                    }
                    quote_literal(&s)
                }
            },
            "smallint" | "integer" | "bigint" | "numeric" | "real" | "double precision"
            | "money" => {
                if checked.is_empty() {
                    n.to_string()
                } else {
                    "1".to_string()
                }
            }
            "boolean" => "false".to_string(),
            // The first of a month: checks often ask for one (`date_trunc('month', d) = d`).
            "date" | "timestamp with time zone" | "timestamp without time zone" => {
                format!("DATE '2026-01-01' + make_interval(months => {n})")
            }
            "time with time zone" | "time without time zone" => "'12:00'".to_string(),
            "interval" => format!("'{n} seconds'"),
            "json" | "jsonb" => "'{}'".to_string(),
            "inet" | "cidr" => format!("'10.0.{}.{}'", (n / 250) % 250, n % 250 + 1),
            "bytea" => "decode('00', 'hex')".to_string(),
            "tsvector" => "''".to_string(),
            "xml" => "'<a/>'".to_string(),
            "point" => "'(0,0)'".to_string(),
            _ => {
                return Err(format!(
                    "no test value for column {} of type {ty}",
                    col.name
                ))
            }
        };
        Ok(format!("({lit})::{ty}"))
    }
}

/// Whether `text` names `column` as a word.
fn mentions(text: &str, column: &str) -> bool {
    text.match_indices(column).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + column.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

/// The first string literal of `text` (`status IN ('a', 'b')` → `a`).
fn first_string(text: &str) -> Option<String> {
    let start = text.find('\'')?;
    let rest = &text[start + 1..];
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                out.push('\'');
                chars.next();
            } else {
                return Some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

/// A column of a `row_to_json` result as text.
fn json_text(
    json: &serde_json::Map<String, serde_json::Value>,
    col: &str,
) -> Result<String, String> {
    match json.get(col) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(serde_json::Value::Null) | None => {
            Err(format!("the parent row has no value in {col}"))
        }
        Some(v) => Ok(v.to_string()),
    }
}

/// `INSERT … RETURNING` the new row's place and columns.
fn insert(
    client: &mut Client,
    table: &Table,
    values: &[(String, String)],
) -> Result<Row, postgres::Error> {
    let sql = if values.is_empty() {
        format!(
            "INSERT INTO {} AS schemac_row DEFAULT VALUES RETURNING ctid::text, row_to_json(schemac_row)::text",
            table.name.sql()
        )
    } else {
        let cols: Vec<String> = values.iter().map(|(c, _)| quote_ident(c)).collect();
        let vals: Vec<&str> = values.iter().map(|(_, v)| v.as_str()).collect();
        format!(
            "INSERT INTO {} AS schemac_row ({}) VALUES ({}) RETURNING ctid::text, row_to_json(schemac_row)::text",
            table.name.sql(),
            cols.join(", "),
            vals.join(", ")
        )
    };
    let r = client.query_one(&sql, &[])?;
    Ok(row_of(r.get(0), r.get(1)))
}

/// An existing row with the `fixed` values.
fn find(
    client: &mut Client,
    table: &Table,
    fixed: &[(String, String)],
) -> Result<Option<Row>, String> {
    let cond: Vec<String> = fixed
        .iter()
        .map(|(c, v)| format!("schemac_row.{} = {v}", quote_ident(c)))
        .collect();
    let sql = format!(
        "SELECT ctid::text, row_to_json(schemac_row)::text FROM {} AS schemac_row WHERE {} ORDER BY ctid LIMIT 1",
        table.name.sql(),
        cond.join(" AND ")
    );
    client
        .query_opt(&sql, &[])
        .map(|r| r.map(|r| row_of(r.get(0), r.get(1))))
        .map_err(|e| pg_err(&e))
}

fn row_of(ctid: String, json: String) -> Row {
    let json = match serde_json::from_str(&json) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Row { ctid, json }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_literals_are_read() {
        assert_eq!(
            first_string("status IN ('pending', 'done')"),
            Some("pending".into())
        );
        assert_eq!(first_string("kind = 'it''s'"), Some("it's".into()));
        assert_eq!(first_string("n > 0"), None);
        assert!(mentions("status IN ('a')", "status"));
        assert!(!mentions("old_status IN ('a')", "status"));
    }
}
