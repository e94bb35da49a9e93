//! What a policy means, as far as `test-rls` can tell: the rows a condition admits for a
//! caller, in terms of the test data (rows owned by user A or B, objects in a bucket).
//!
//! The meaning comes from the built-in template a policy uses (its parameters say which
//! column holds the owner or the tenant), or, for a hand-written condition, from a few
//! shapes read off its text: `true`, `false`, and `column = auth.uid()` with the usual
//! spellings (`(SELECT auth.uid())`, casts to text). Anything else is *unknown*: the checks
//! that depend on it are not run and the policy is listed as not tested, never counted as
//! passing.

use crate::model::{Model, Policy};

/// The rows a policy clause admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sem {
    /// Every row. `declared`: said by a sharing template (`public_read`,
    /// `authenticated_read`, `service_role`); a hand-written `true` is not a declaration.
    All { declared: bool },
    /// No row.
    Nothing,
    /// Rows whose `column` holds the caller's user id.
    Own(String),
    /// Rows of a tenant the caller is a member of (`tenant_member`).
    Tenant(Tenant),
    /// Objects of a storage bucket (`bucket_public_read`).
    Bucket(String),
    /// Objects of a bucket under the caller's folder (`bucket_owner_folder`).
    BucketOwner(String),
    /// Not understood, and why.
    Unknown(String),
}

/// The parameters of a `tenant_member` policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tenant {
    pub column: String,
    pub membership_table: String,
    pub tenant_column: String,
    pub user_column: String,
}

/// Which clause of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clause {
    Using,
    WithCheck,
}

/// The meaning of one clause of `policy` (WITH CHECK falls back to USING, as in PostgreSQL).
pub fn of(model: &Model, policy: &Policy, clause: Clause) -> Sem {
    if let Some(s) = from_template(model, policy, clause) {
        return s;
    }
    let text = match clause {
        Clause::Using => policy.using.as_ref(),
        Clause::WithCheck => policy.with_check.as_ref().or(policy.using.as_ref()),
    };
    match text {
        Some(sql) => classify(&sql.text),
        None => Sem::Nothing,
    }
}

fn from_template(model: &Model, policy: &Policy, clause: Clause) -> Option<Sem> {
    let t = policy.template.as_ref()?;
    let overridden = match clause {
        Clause::Using => t.explicit.using,
        Clause::WithCheck => t.explicit.with_check || t.explicit.using,
    };
    // A project template of the same name replaces the built-in one: read its text instead.
    let builtin = !model.policy_templates.contains_key(&t.name)
        && crate::model::templates::BUILTIN
            .iter()
            .any(|(name, _)| *name == t.name);
    if overridden || !builtin {
        return None;
    }
    let param = |name: &str, default: &str| {
        t.params
            .get(name)
            .map(|(v, _)| v.clone())
            .unwrap_or_else(|| default.to_string())
    };
    Some(match t.name.as_str() {
        "owner" => Sem::Own(param("column", "user_id")),
        "tenant_member" => Sem::Tenant(Tenant {
            column: param("column", "tenant_id"),
            membership_table: param("membership_table", "tenant_members"),
            tenant_column: param("tenant_column", "tenant_id"),
            user_column: param("user_column", "user_id"),
        }),
        "public_read" | "authenticated_read" | "service_role" => Sem::All { declared: true },
        "bucket_public_read" => Sem::Bucket(param("bucket", "")),
        "bucket_owner_folder" => Sem::BucketOwner(param("bucket", "")),
        "admin" => Sem::Unknown(
            "template admin: who is an administrator is decided by a function test-rls cannot model"
                .into(),
        ),
        _ => return None,
    })
}

/// Reads the shape of a hand-written condition.
pub fn classify(text: &str) -> Sem {
    let norm = strip_parens(&normalize(text));
    match norm.as_str() {
        "true" => return Sem::All { declared: false },
        "false" => return Sem::Nothing,
        _ => {}
    }
    if let Some((l, r)) = split_eq(&norm) {
        for (a, b) in [(l, r), (r, l)] {
            if is_uid(a) {
                if let Some(col) = column(b) {
                    return Sem::Own(col);
                }
            }
        }
    }
    Sem::Unknown("condition not understood".into())
}

/// Lower case, without whitespace except one space between two words (so `a OR b` never
/// reads as one name), quotes kept as written.
fn normalize(s: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut space = false;
    for c in s.chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => space = true,
            None => {
                if space && out.chars().last().is_some_and(word) && word(c) {
                    out.push(' ');
                }
                space = false;
                if c == '"' || c == '\'' {
                    quote = Some(c);
                    out.push(c);
                } else {
                    out.extend(c.to_lowercase());
                }
            }
        }
    }
    out
}

/// Removes parentheses around the whole text.
fn strip_parens(s: &str) -> String {
    let mut s = s.to_string();
    while s.starts_with('(') && s.ends_with(')') && closes_at_end(&s) {
        s = s[1..s.len() - 1].to_string();
    }
    s
}

/// Whether the `(` at the start of `s` is closed by its last character.
fn closes_at_end(s: &str) -> bool {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// `a = b` at the top level (no other comparison), outside quotes and parentheses.
fn split_eq(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let (mut depth, mut quote, mut at) = (0i32, None::<u8>, None);
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'"' | b'\'' => quote = Some(b),
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'=' if depth == 0 => {
                let prev = i.checked_sub(1).map(|j| bytes[j]);
                let next = bytes.get(i + 1).copied();
                if matches!(prev, Some(b'<' | b'>' | b'!' | b'='))
                    || matches!(next, Some(b'=' | b'>'))
                    || at.is_some()
                {
                    return None;
                }
                at = Some(i);
            }
            _ => {}
        }
    }
    let i = at?;
    Some((&s[..i], &s[i + 1..]))
}

/// Removes a trailing cast to a text or uuid type.
fn strip_cast(s: &str) -> &str {
    for cast in [
        "::text",
        "::uuid",
        "::character varying",
        "::varchar",
        "::character",
    ] {
        if let Some(rest) = s.strip_suffix(cast) {
            return rest;
        }
    }
    s
}

/// `auth.uid()`, `(SELECT auth.uid())`, `(select auth.uid() as uid)`, with casts.
fn is_uid(s: &str) -> bool {
    let s = strip_parens(strip_cast(&strip_parens(s)));
    let s = s.strip_prefix("select ").unwrap_or(&s);
    let s = s.strip_suffix("as uid").unwrap_or(s);
    let s = strip_parens(strip_cast(s));
    s == "auth.uid()"
}

/// A column, perhaps quoted, cast or qualified by its table: its name.
fn column(s: &str) -> Option<String> {
    let s = strip_parens(strip_cast(&strip_parens(s)));
    let last = match s.rsplit_once('.') {
        Some((_, last)) if !s.ends_with('"') || last.starts_with('"') => last,
        _ => s.as_str(),
    };
    if let Some(inner) = last.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        return (!inner.is_empty() && !inner.contains('"')).then(|| inner.to_string());
    }
    let ok = last
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && last
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ok.then(|| last.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_conditions_are_recognised_in_their_usual_spellings() {
        for text in [
            "user_id = (SELECT auth.uid())",
            "(SELECT auth.uid()) = user_id",
            "user_id = auth.uid()",
            "auth.uid() = user_id",
            "(user_id = (select auth.uid()))",
            "user_id = (SELECT auth.uid())::text",
            "user_id = auth.uid()::text",
            "notes.user_id = ( SELECT auth.uid() AS uid)",
            "\"user_id\" = (SELECT auth.uid())",
        ] {
            assert_eq!(classify(text), Sem::Own("user_id".into()), "{text}");
        }
        assert_eq!(
            classify("\"ownerId\" = (SELECT auth.uid())"),
            Sem::Own("ownerId".into())
        );
    }

    #[test]
    fn constants_and_other_shapes() {
        assert_eq!(classify(" TRUE "), Sem::All { declared: false });
        assert_eq!(classify("(true)"), Sem::All { declared: false });
        assert_eq!(classify("false"), Sem::Nothing);
        for text in [
            "user_id = (SELECT auth.uid()) OR is_public",
            "is_public OR user_id = (SELECT auth.uid())",
            "is_public AND user_id = auth.uid()",
            "NOT user_id = auth.uid()",
            "user_id <> (SELECT auth.uid())",
            "user_id >= auth.uid()",
            "is_public = true",
            "(SELECT public.is_admin())",
            "user_id = (SELECT auth.uid()) AND is_admin = false",
            "a = b",
        ] {
            assert!(matches!(classify(text), Sem::Unknown(_)), "{text}");
        }
    }
}
