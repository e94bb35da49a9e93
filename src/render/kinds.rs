//! gen's sections for the kinds declared in `sequences:`, `types:`, `domains:` and
//! `materialized_views:`, each through its template (`sequence`, `sequence_owner`,
//! `composite_type`, `domain`, `domain_checks`, `materialized_view`; indexes through
//! `index`). The catalog-side definitions (what diff compares and plans) live in
//! `crate::kinds` and `crate::diff`; what is spelled here is the re-runnable form: each
//! statement either makes the object or brings an older one to the project's definition.
//!
//! Where each section goes, and why (see [`super::render_with`]):
//! - domains (base, default, NOT NULL), composite types and sequences come after the enums
//!   and before the functions, whose signatures and the tables' columns may use them;
//! - domain checks come after the functions, which a check may call;
//! - sequence owners come after the tables (`OWNED BY` names a column);
//! - materialized views come after the views they may read, each followed by its indexes;
//!   views that read a materialized view come after them ([`split_views`]).

use super::{frag, Out, RenderError, Renderer};
use crate::model::{Model, QualName};
use crate::sql::quote::quote_ident;
use minijinja::{context, Value};
use std::collections::BTreeSet;

/// Domains, composite types and sequences, before the functions.
pub(super) fn types_and_sequences(
    model: &Model,
    r: &Renderer,
    out: &mut Out,
    fresh: bool,
) -> Result<(), RenderError> {
    // Each kind's objects come together: its section heading and template once per kind.
    let mut current: Option<(&str, super::Tpl)> = None;
    for item in crate::kinds::render_all(&model.declared) {
        let t = match current.take() {
            Some((section, t)) if section == item.section => t,
            _ => {
                out.section(item.section);
                r.template(item.template)?
            }
        };
        let tag = super::dollar_tag(item.texts.iter().map(String::as_str));
        let mut ctx = item.context;
        ctx["fresh"] = fresh.into();
        ctx["tag"] = tag.into();
        out.object(Some(item.loc), t.render(Value::from_serialize(&ctx))?);
        current = Some((item.section, t));
    }
    let mut domains: Vec<_> = model.domains.values().collect();
    domains.sort_by(|a, b| a.name.cmp(&b.name));
    if !domains.is_empty() {
        out.section("Domains (their checks follow the functions)");
        let t = r.template("domain.sql.j2")?;
        for d in domains {
            let default = d
                .default
                .as_ref()
                .map(|x| frag(model, x).map(|s| super::default_sql(&s)))
                .transpose()?;
            let base = d.base.to_string();
            let tag = super::dollar_tag([d.name.schema.as_str(), &d.name.name, &base]);
            let s = t.render(context! {
                schema => d.name.schema, name => d.name.name, qualified => d.name.sql(),
                base, default, not_null => d.not_null, fresh, tag,
            })?;
            out.object(Some(d.loc), s);
        }
    }
    let types = composite_types_in_dependency_order(model);
    if !types.is_empty() {
        out.section("Composite types");
        let t = r.template("composite_type.sql.j2")?;
        for ty in types {
            let fields: Vec<String> = ty
                .fields
                .iter()
                .map(|f| format!("{} {}", quote_ident(&f.name), f.ty))
                .collect();
            let tag = super::dollar_tag(
                [ty.name.schema.as_str(), ty.name.name.as_str()]
                    .into_iter()
                    .chain(fields.iter().map(String::as_str)),
            );
            let s = t.render(context! {
                schema => ty.name.schema, name => ty.name.name, qualified => ty.name.sql(),
                fields, fresh, tag,
            })?;
            out.object(Some(ty.loc), s);
        }
    }
    let mut seqs: Vec<_> = model.sequences.values().collect();
    seqs.sort_by(|a, b| a.name.cmp(&b.name));
    if !seqs.is_empty() {
        out.section("Sequences (their owners follow the tables)");
        let t = r.template("sequence.sql.j2")?;
        for s in seqs {
            let sql = t.render(context! {
                qualified => s.name.sql(),
                options => crate::kinds::sequence::options_sql(&s.options),
                fresh,
            })?;
            out.object(Some(s.loc), sql);
        }
    }
    Ok(())
}

/// Composite types sorted so that each comes after the project's composite types its fields
/// use (by name otherwise).
fn composite_types_in_dependency_order(model: &Model) -> Vec<&crate::model::CompositeType> {
    let mut left: Vec<_> = model.composite_types.values().collect();
    left.sort_by(|a, b| a.name.cmp(&b.name));
    let uses = |t: &crate::model::CompositeType| -> BTreeSet<QualName> {
        t.fields
            .iter()
            .filter_map(|f| match &f.ty.base {
                crate::model::types::BaseType::Named(q)
                    if *q != t.name && model.composite_types.contains_key(q) =>
                {
                    Some(q.clone())
                }
                _ => None,
            })
            .collect()
    };
    let mut done: BTreeSet<QualName> = BTreeSet::new();
    let mut out = Vec::new();
    while !left.is_empty() {
        let before = left.len();
        let mut i = 0;
        while i < left.len() {
            if uses(left[i]).iter().all(|q| done.contains(q)) {
                let t = left.remove(i);
                done.insert(t.name.clone());
                out.push(t);
            } else {
                i += 1;
            }
        }
        if left.len() == before {
            // A cycle PostgreSQL would refuse anyway: name order, and its message.
            out.append(&mut left);
        }
    }
    out
}

/// Each domain's named checks, after the functions they may call.
pub(super) fn domain_checks(
    model: &Model,
    r: &Renderer,
    out: &mut Out,
    fresh: bool,
) -> Result<(), RenderError> {
    let mut domains: Vec<_> = model
        .domains
        .values()
        .filter(|d| !fresh || !d.checks.is_empty())
        .collect();
    domains.sort_by(|a, b| a.name.cmp(&b.name));
    if domains.is_empty() {
        return Ok(());
    }
    out.section("Domain checks (each set to the project's; others are dropped)");
    let t = r.template("domain_checks.sql.j2")?;
    for d in domains {
        let mut checks = Vec::new();
        let mut texts = vec![d.name.sql()];
        for c in &d.checks {
            let definition = format!("CHECK ({})", frag(model, &c.expr)?);
            texts.push(c.name.clone());
            texts.push(definition.clone());
            checks.push(context! { name => c.name, definition });
        }
        let tag = super::dollar_tag(texts.iter().map(String::as_str));
        let s = t.render(context! { qualified => d.name.sql(), checks, fresh, tag })?;
        out.object(Some(d.loc), s);
    }
    Ok(())
}

/// `OWNED BY` of each sequence (released when not declared, so an older owner goes).
pub(super) fn sequence_owners(
    model: &Model,
    r: &Renderer,
    out: &mut Out,
    fresh: bool,
) -> Result<(), RenderError> {
    let mut seqs: Vec<_> = model
        .sequences
        .values()
        .filter(|s| !fresh || s.owned_by.is_some())
        .collect();
    seqs.sort_by(|a, b| a.name.cmp(&b.name));
    if seqs.is_empty() {
        return Ok(());
    }
    out.section("Sequence owners");
    let t = r.template("sequence_owner.sql.j2")?;
    for s in seqs {
        let owner = s
            .owned_by
            .as_ref()
            .map(|(t, c, _)| format!("{}.{}", t.sql(), quote_ident(c)));
        let loc = s.owned_by.as_ref().map_or(s.loc, |(_, _, l)| *l);
        let sql = t.render(context! { qualified => s.name.sql(), owner })?;
        out.object(Some(loc), sql);
    }
    Ok(())
}

/// `views` (in dependency order) split into those that come before the materialized views
/// and those that read one, directly or through another view, which come after them.
pub(super) fn split_views<'m>(
    model: &'m Model,
    views: Vec<&'m crate::model::View>,
) -> (Vec<&'m crate::model::View>, Vec<&'m crate::model::View>) {
    if model.materialized_views.is_empty() {
        return (views, Vec::new());
    }
    let default_schema = model
        .config
        .schemas
        .first()
        .map_or("public", String::as_str);
    let mut late: BTreeSet<&QualName> = BTreeSet::new();
    let (mut early_views, mut late_views) = (Vec::new(), Vec::new());
    for v in views {
        let reads_late = crate::sql::parse::relations(&v.query.text)
            .into_iter()
            .filter_map(|r| QualName::parse(&r, default_schema).ok())
            .any(|r| model.materialized_views.contains_key(&r) || late.contains(&r));
        if reads_late {
            late.insert(&v.name);
            late_views.push(v);
        } else {
            early_views.push(v);
        }
    }
    (early_views, late_views)
}

/// Materialized views by name, each with its indexes.
pub(super) fn materialized_views(
    model: &Model,
    r: &Renderer,
    out: &mut Out,
    fresh: bool,
) -> Result<(), RenderError> {
    let mut mvs: Vec<_> = model.materialized_views.values().collect();
    mvs.sort_by(|a, b| a.name.cmp(&b.name));
    if mvs.is_empty() {
        return Ok(());
    }
    out.section("Materialized views (made again when their query changed), with their indexes");
    let t = r.template("materialized_view.sql.j2")?;
    let index_t = r.template("index.sql.j2")?;
    for mv in mvs {
        let query = frag(model, &mv.query)?;
        let query = query.trim().trim_end_matches(';').trim_end();
        let qualified = mv.name.sql();
        let tag = super::dollar_tag([qualified.as_str(), query]);
        let text_tag = crate::sql::quote::dollar_tag("schemac_sql", [query]);
        let s = t.render(context! {
            schema => mv.name.schema, name => mv.name.name, qualified, query,
            with_data => mv.with_data, fresh, tag, text_tag,
        })?;
        out.object(Some(mv.loc), s);
        let mut indexes: Vec<_> = mv.indexes.iter().collect();
        indexes.sort_by(|a, b| a.name.cmp(&b.name));
        for ix in indexes {
            let s = super::index_sql(model, &index_t, &mv.name.sql(), ix)?;
            out.object(Some(ix.loc), s);
        }
    }
    Ok(())
}

/// The comments of the new kinds, for the Comments section: each (noun, target, text, loc);
/// over an older database (not `fresh`) an absent comment is removed.
pub(super) fn comments<'m>(
    model: &'m Model,
    fresh: bool,
) -> Vec<(
    &'static str,
    String,
    Option<&'m str>,
    crate::diagnostic::Loc,
)> {
    let mut out = Vec::new();
    let mut add = |noun, name: &QualName, c: &'m Option<String>, loc| {
        if c.is_some() || !fresh {
            out.push((noun, name.sql(), c.as_deref(), loc));
        }
    };
    for s in model.sequences.values() {
        add("SEQUENCE", &s.name, &s.comment, s.loc);
    }
    for t in model.composite_types.values() {
        add("TYPE", &t.name, &t.comment, t.loc);
    }
    for d in model.domains.values() {
        add("DOMAIN", &d.name, &d.comment, d.loc);
    }
    for m in model.materialized_views.values() {
        add("MATERIALIZED VIEW", &m.name, &m.comment, m.loc);
    }
    out
}
