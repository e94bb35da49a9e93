//! SC101/102/105–110, SC113: objects defined twice, in one file (a repeated YAML key, which YAML
//! would silently resolve by keeping the last value) or across files. All share one
//! mechanism — the model records every second definition — so they share this file; each
//! kind keeps its own code so CI can tell a duplicate table from a duplicate policy.

use crate::check::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Kind, Model};

macro_rules! dup_rule {
    ($id:ident, $code:literal, $name:literal, $kind:expr, $summary:literal) => {
        pub const $id: Rule = Rule {
            code: $code,
            name: $name,
            severity: Severity::Error,
            summary: $summary,
            run: |m, r, out| run(m, r, $kind, out),
        };
    };
}

dup_rule!(
    TABLE,
    "SC101",
    "duplicate-table",
    Kind::Table,
    "a table is defined more than once"
);
dup_rule!(
    COLUMN,
    "SC102",
    "duplicate-column",
    Kind::Column,
    "a column is defined twice in one table"
);
dup_rule!(
    POLICY,
    "SC105",
    "duplicate-policy",
    Kind::Policy,
    "a policy name is used twice on one table"
);
dup_rule!(
    TRIGGER,
    "SC106",
    "duplicate-trigger",
    Kind::Trigger,
    "a trigger name is used twice on one table"
);
dup_rule!(
    FUNCTION,
    "SC107",
    "duplicate-function",
    Kind::Function,
    "a function with the same signature is defined twice"
);
dup_rule!(
    ENUM,
    "SC108",
    "duplicate-enum",
    Kind::Enum,
    "an enum is defined twice"
);
dup_rule!(
    VIEW,
    "SC109",
    "duplicate-view",
    Kind::View,
    "a view is defined twice"
);
dup_rule!(
    KEY,
    "SC110",
    "duplicate-key",
    Kind::Key,
    "any other key repeated in one YAML mapping"
);

dup_rule!(
    OBJECT,
    "SC113",
    "duplicate-object",
    Kind::Sequence,
    "a sequence, composite type, domain, materialized view or other object of a kind declared beside tables is defined twice"
);

fn run(m: &Model, rule: &Rule, kind: Kind, out: &mut Vec<Diagnostic>) {
    for d in &m.duplicates {
        // Constraints (table `checks`) are reported by SC103; templates, roles and any other
        // repeated key by SC110.
        let k = match d.kind {
            Kind::Constraint => continue,
            Kind::PolicyTemplate | Kind::Extension | Kind::Role | Kind::Index | Kind::RawSql => {
                Kind::Key
            }
            // One code (SC113) for the kinds declared beside tables and views.
            Kind::CompositeType | Kind::Domain | Kind::MaterializedView | Kind::Declared(_) => {
                Kind::Sequence
            }
            other => other,
        };
        if k != kind {
            continue;
        }
        let same_file = d.first.file == d.second.file;
        let what = d.kind.as_str();
        let mut diag = rule
            .diag(format!("{what} `{}` is defined more than once", d.name))
            .label(d.second, "defined again here")
            .label(d.first, "first defined here");
        for note in &d.differences {
            diag = diag.note(note.clone());
        }
        diag = diag.hint(if same_file {
            "merge the two entries into one; a repeated YAML key would otherwise silently replace the first".to_string()
        } else if d.kind == Kind::Table {
            "keep one definition (merge the columns you need) and delete the other; schemac compiles all files into one migration".to_string()
        } else {
            format!("keep one definition of this {what} and delete the other")
        });
        out.push(diag);
    }
}
