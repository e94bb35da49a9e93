//! Schema-qualified names (`public.goals`, `"My Schema"."a.b"`): how a project writes them
//! and how SQL spells them. Every layer names objects this way, so it lives at the bottom.

use super::quote::quote_ident;
use std::fmt;

/// `(schema, name)`, the identity of most objects in a catalog.
pub type Name = (String, String);

/// A schema-qualified name such as `public.goals`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualName {
    pub schema: String,
    pub name: String,
}

impl QualName {
    pub fn new(schema: &str, name: &str) -> Self {
        QualName {
            schema: schema.to_string(),
            name: name.to_string(),
        }
    }

    /// Parses `name`, `schema.name`, or either part in double quotes (`"My Schema"."a.b"`).
    /// Unqualified names get `default_schema`.
    pub fn parse(s: &str, default_schema: &str) -> Result<QualName, String> {
        let parts = split_dotted(s)?;
        match parts.as_slice() {
            [name] => Ok(QualName::new(default_schema, name)),
            [schema, name] => Ok(QualName::new(schema, name)),
            _ => Err(format!("`{s}` has too many dots; write `schema.name`")),
        }
    }

    /// The name as SQL: each part quoted where needed.
    pub fn sql(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
}

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// Splits `a.b` into parts, honouring double quotes. Parts are kept verbatim.
pub fn split_dotted(s: &str) -> Result<Vec<String>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty name".into());
    }
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted_part = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted_part = true;
                loop {
                    match chars.next() {
                        None => return Err(format!("unterminated quote in `{s}`")),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            cur.push('"');
                        }
                        Some('"') => break,
                        Some(c) => cur.push(c),
                    }
                }
            }
            '.' => {
                if cur.is_empty() && !quoted_part {
                    return Err(format!("empty name part in `{s}`"));
                }
                parts.push(std::mem::take(&mut cur));
                quoted_part = false;
            }
            c => cur.push(c),
        }
    }
    if cur.is_empty() && !quoted_part {
        return Err(format!("empty name part in `{s}`"));
    }
    parts.push(cur);
    Ok(parts)
}
