//! Checks: what is wrong with a project, as data.
//!
//! Each check lives in its own file under `rules/` with a stable code (`SC101`) and a
//! kebab-case name (`duplicate-table`), like squawk's lint rules: codes never change meaning,
//! so CI configurations and JSON consumers can rely on them. A check reads the [`Model`] and
//! returns [`Diagnostic`]s; it never prints and never stops the others.

pub mod refs;
pub mod rules;

use crate::diagnostic::{self, Diagnostic, Severity};
use crate::model::Model;

/// A registered check.
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// One line for `schemac check --list` and the README.
    pub summary: &'static str,
    pub run: fn(&Model, &Rule, &mut Vec<Diagnostic>),
}

impl Rule {
    /// A diagnostic of this rule.
    pub fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, self.name, self.severity, message)
    }
}

/// Runs every check and returns the findings in a stable order.
pub fn run(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in rules::ALL {
        (rule.run)(model, rule, &mut out);
    }
    diagnostic::sort(&mut out, &model.sources);
    out.dedup();
    out
}
