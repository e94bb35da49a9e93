//! What the project grants on a table, as the privilege checks (SC515–SC517) read it:
//! explicit and derived grants alike, a grant to `public` counting for every role.

use crate::model::{Command, Grant, Model, Privilege, QualName};
use std::collections::{BTreeMap, BTreeSet};

/// The commands of `p` (`ALL` covers the four DML commands).
fn commands(p: Privilege) -> &'static [Command] {
    match p {
        Privilege::Select => &[Command::Select],
        Privilege::Insert => &[Command::Insert],
        Privilege::Update => &[Command::Update],
        Privilege::Delete => &[Command::Delete],
        Privilege::All => Command::All.expand(),
        Privilege::Truncate
        | Privilege::References
        | Privilege::Trigger
        | Privilege::Usage
        | Privilege::Execute => &[],
    }
}

/// The project's grants by table, each table's in the project's order: looked up per
/// table, not found by scanning every grant (ten thousand tables, thirty thousand grants).
pub(crate) fn grants_by_table(m: &Model) -> BTreeMap<&QualName, Vec<&Grant>> {
    let mut out: BTreeMap<&QualName, Vec<&Grant>> = BTreeMap::new();
    for g in &m.grants {
        out.entry(&g.on).or_default().push(g);
    }
    out
}

/// The commands `role` may run on a table with `grants` (to it or to `public`).
pub(crate) fn granted(grants: &[&Grant], role: &str) -> BTreeSet<Command> {
    grants
        .iter()
        .filter(|g| g.to.iter().any(|(r, _)| r == role || r == "public"))
        .flat_map(|g| {
            g.privileges
                .iter()
                .flat_map(|p| commands(*p).iter().copied())
        })
        .collect()
}

/// Whether any role may run `command` on a table with `grants`.
pub(crate) fn granted_to_anyone(grants: &[&Grant], command: Command) -> bool {
    grants
        .iter()
        .any(|g| g.privileges.iter().any(|p| commands(*p).contains(&command)))
}

/// The roles that reach `table` through the Data API and are subject to row-level
/// security: its `api_roles` and the project's, without `service_role`, or, when neither
/// sets any, `anon` and `authenticated` on Supabase; then `public` too. None for a
/// `postgres` project without `api_roles`.
pub(crate) fn rls_api_roles(m: &Model, t: &crate::model::Table) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = if t.api_roles.is_some() || m.config.api_roles.is_some() {
        t.api_roles
            .iter()
            .chain(m.config.api_roles.iter())
            .flatten()
            .map(|(r, _)| r.clone())
            .collect()
    } else if m.config.target == crate::model::Target::Supabase {
        ["anon", "authenticated"].map(String::from).into()
    } else {
        return BTreeSet::new();
    };
    out.remove(crate::model::api::SERVICE_ROLE);
    out.insert("public".into());
    out
}
