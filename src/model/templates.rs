//! Policy templates: reusable RLS rules rendered with minijinja.
//!
//! The same five policies are copy-pasted across every Supabase project, and drift. A
//! template names the rule once (`owner`, `tenant_member`, …); a policy says
//! `{ template: owner, column: user_id }` and gets the expression. Built-in templates are
//! YAML files under `templates/policies/`, embedded in the binary; projects add their own
//! under `policy_templates:`. Filters `ident` and `qualified` quote names, so a parameter can
//! never smuggle SQL through a template.

use super::names::{quote_ident, QualName};
use super::{Command, SqlType};
use crate::diagnostic::Loc;
use crate::load::raw::{RawCommand, RawPolicyTemplate};
use indexmap::IndexMap;
use minijinja::{Environment, UndefinedBehavior};
use std::collections::BTreeMap;

/// Built-in templates: (name, YAML source).
pub const BUILTIN: &[(&str, &str)] = &[
    ("admin", include_str!("../../templates/policies/admin.yaml")),
    (
        "authenticated_read",
        include_str!("../../templates/policies/authenticated_read.yaml"),
    ),
    (
        "bucket_owner_folder",
        include_str!("../../templates/policies/bucket_owner_folder.yaml"),
    ),
    (
        "bucket_public_read",
        include_str!("../../templates/policies/bucket_public_read.yaml"),
    ),
    ("owner", include_str!("../../templates/policies/owner.yaml")),
    (
        "public_read",
        include_str!("../../templates/policies/public_read.yaml"),
    ),
    (
        "service_role",
        include_str!("../../templates/policies/service_role.yaml"),
    ),
    (
        "tenant_member",
        include_str!("../../templates/policies/tenant_member.yaml"),
    ),
];

#[derive(Debug, Clone)]
pub struct PolicyTemplate {
    pub name: String,
    pub description: Option<String>,
    /// Parameter names with their defaults.
    pub params: Vec<(String, Option<String>)>,
    pub command: Option<Command>,
    pub roles: Option<Vec<String>>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    /// None for built-in templates.
    pub loc: Option<Loc>,
}

pub fn command(c: RawCommand) -> Command {
    match c {
        RawCommand::All => Command::All,
        RawCommand::Select => Command::Select,
        RawCommand::Insert => Command::Insert,
        RawCommand::Update => Command::Update,
        RawCommand::Delete => Command::Delete,
    }
}

impl PolicyTemplate {
    pub fn from_raw(name: &str, raw: RawPolicyTemplate, loc: Option<Loc>) -> Self {
        PolicyTemplate {
            name: name.to_string(),
            description: raw.description,
            params: raw
                .params
                .iter()
                .map(|p| match p.split_once('=') {
                    Some((n, d)) => (n.trim().to_string(), Some(d.trim().to_string())),
                    None => (p.trim().to_string(), None),
                })
                .collect(),
            command: raw.command.map(command),
            roles: raw.roles,
            using: raw.using,
            with_check: raw.with_check,
            loc,
        }
    }
}

/// The built-in templates, parsed. They ship with the binary and are covered by tests, so a
/// parse failure is a build defect; it is reported as a missing template rather than a panic.
pub fn builtins() -> IndexMap<String, PolicyTemplate> {
    BUILTIN
        .iter()
        .filter_map(|(name, src)| {
            let events = crate::load::yaml::scan(src).ok().map(|(_, e)| e);
            crate::load::yaml::deserialize::<RawPolicyTemplate>(src, events)
                .ok()
                .map(|raw| (name.to_string(), PolicyTemplate::from_raw(name, raw, None)))
        })
        .collect()
}

/// What a template renders to for one policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub using: Option<String>,
    pub with_check: Option<String>,
}

/// Compiled policy templates: one minijinja environment for a whole project, so expanding
/// thousands of policies does not rebuild it each time.
pub struct Expander {
    env: Environment<'static>,
}

impl Expander {
    /// Compiles the `using`/`with_check` of every template in `templates`.
    pub fn new<'a>(templates: impl IntoIterator<Item = &'a PolicyTemplate>) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_filter("ident", |s: String| quote_ident(&s));
        env.add_filter("literal", |s: String| {
            crate::model::names::quote_literal(&s)
        });
        env.add_filter("qualified", |s: String| {
            match QualName::parse(&s, "public") {
                Ok(q) if s.contains('.') => q.sql(),
                Ok(q) => quote_ident(&q.name),
                Err(_) => quote_ident(&s),
            }
        });
        env.add_function(
            "auth_uid_as",
            |state: &minijinja::State, column: String| -> String {
                let ty = state
                    .lookup("columns")
                    .and_then(|c| c.get_attr(&column).ok())
                    .filter(|v| !v.is_undefined())
                    .map(|v| v.to_string());
                match ty {
                    Some(t) if t != "uuid" => format!("(SELECT auth.uid())::{t}"),
                    _ => "(SELECT auth.uid())".to_string(),
                }
            },
        );
        for t in templates {
            for (part, src) in [("using", &t.using), ("with_check", &t.with_check)] {
                if let Some(src) = src {
                    // A syntax error surfaces when the template is rendered (SC306).
                    let _ = env.add_template_owned(format!("{}.{part}", t.name), src.clone());
                }
            }
        }
        Expander { env }
    }

    /// Renders `tpl` for a policy on `table`, with the value the policy gives each
    /// parameter (`param(name)`). `columns` gives the table's column types (for casts such
    /// as `(SELECT auth.uid())::text`).
    pub fn render<'p>(
        &self,
        tpl: &PolicyTemplate,
        table: &QualName,
        columns: std::sync::Arc<IndexMap<String, SqlType>>,
        param: impl Fn(&str) -> Option<&'p str>,
    ) -> Result<Rendered, String> {
        let mut ctx: BTreeMap<&str, minijinja::Value> = BTreeMap::new();
        for (name, default) in &tpl.params {
            if let Some(v) = param(name).or(default.as_deref()) {
                ctx.insert(name, minijinja::Value::from(v));
            }
        }
        ctx.insert("table", minijinja::Value::from(table.name.clone()));
        ctx.insert("schema", minijinja::Value::from(table.schema.clone()));
        ctx.insert(
            "columns",
            minijinja::Value::from_object(ColumnTypes(columns)),
        );
        let render_one = |part: &str, src: &Option<String>| -> Result<Option<String>, String> {
            match src {
                None => Ok(None),
                Some(s) => {
                    let result = match self.env.get_template(&format!("{}.{part}", tpl.name)) {
                        Ok(t) => t.render(&ctx),
                        // Not compiled (a syntax error): render from source to get the error.
                        Err(_) => self.env.render_str(s, &ctx),
                    };
                    result
                        .map(|r| Some(r.trim().to_string()))
                        .map_err(|e| describe(&e))
                }
            }
        };
        Ok(Rendered {
            using: render_one("using", &tpl.using)?,
            with_check: render_one("with_check", &tpl.with_check)?,
        })
    }
}

/// `columns` as templates see it: column name → type, sorted by name. A map object whose
/// types are spelled out only when a template reads one (most never do, and building the
/// whole map for every policy was most of the cost of expanding templates); the policies of
/// one table share it.
#[derive(Debug)]
struct ColumnTypes(std::sync::Arc<IndexMap<String, SqlType>>);

impl minijinja::value::Object for ColumnTypes {
    fn repr(self: &std::sync::Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Map
    }

    fn get_value(self: &std::sync::Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let ty = self.0.get(key.as_str()?)?;
        Some(minijinja::Value::from(ty.to_string()))
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        let mut names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        names.sort_unstable();
        minijinja::value::Enumerator::Values(
            names.into_iter().map(minijinja::Value::from).collect(),
        )
    }
}

fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(pairs: &[(&str, &str)]) -> IndexMap<String, SqlType> {
        pairs
            .iter()
            .map(|(c, t)| (c.to_string(), SqlType::parse(t).unwrap()))
            .collect()
    }

    /// docs/format.md lists every built-in template with each parameter and its default
    /// (`name = value`), or the parameter alone when it has none.
    #[test]
    fn builtin_params_and_defaults_are_documented() {
        let docs = include_str!("../../docs/format.md");
        for (name, t) in builtins() {
            let row = docs
                .lines()
                .find(|l| l.starts_with(&format!("| `{name}` |")))
                .unwrap_or_else(|| panic!("docs/format.md has no row for template `{name}`"));
            let params = row.split('|').nth(2).unwrap_or_default().trim();
            let want: Vec<String> = t
                .params
                .iter()
                .map(|(p, d)| match d {
                    Some(d) => format!("`{p} = {d}`"),
                    None => format!("`{p}`"),
                })
                .collect();
            let want = if want.is_empty() {
                "—".to_string()
            } else {
                want.join(", ")
            };
            assert_eq!(params, want, "template `{name}` in docs/format.md");
        }
    }

    #[test]
    fn all_builtins_parse() {
        assert_eq!(builtins().len(), BUILTIN.len());
    }

    #[test]
    fn owner_casts_for_text_columns() {
        let b = builtins();
        let t = QualName::new("public", "goals");
        let p = |name: &str| (name == "column").then_some("user_id");
        let r = Expander::new([&b["owner"]])
            .render(
                &b["owner"],
                &t,
                std::sync::Arc::new(cols(&[("user_id", "text")])),
                p,
            )
            .unwrap();
        assert_eq!(
            r.using.as_deref(),
            Some("user_id = (SELECT auth.uid())::text")
        );
        let r = Expander::new([&b["owner"]])
            .render(
                &b["owner"],
                &t,
                std::sync::Arc::new(cols(&[("user_id", "uuid")])),
                p,
            )
            .unwrap();
        assert_eq!(r.using.as_deref(), Some("user_id = (SELECT auth.uid())"));
    }

    #[test]
    fn params_are_quoted() {
        let b = builtins();
        let t = QualName::new("public", "Order");
        let p = |name: &str| (name == "column").then_some("x = 1 OR true");
        let r = Expander::new([&b["owner"]])
            .render(&b["owner"], &t, std::sync::Arc::new(cols(&[])), p)
            .unwrap();
        assert_eq!(
            r.using.as_deref(),
            Some("\"x = 1 OR true\" = (SELECT auth.uid())")
        );
    }
}
