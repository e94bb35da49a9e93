//! Names: case folding, and (re-exported from [`crate::sql`]) schema-qualified names and
//! identifier quoting.
//!
//! PostgreSQL folds unquoted identifiers to lower case and keeps quoted ones verbatim, so
//! `userId` in YAML is the column `"userId"`, a different column from `user_id` — and exactly
//! the kind of collision schemac exists to catch. Names in the model are therefore kept
//! exactly as written; [`quote_ident`] decides when SQL needs quotes, and [`fold_snake`]
//! gives the normal form used to detect case collisions.

pub use crate::sql::name::{split_dotted, QualName};
pub use crate::sql::quote::{is_keyword, quote_ident, quote_literal, quote_role};

/// The snake_case normal form used to detect collisions: `userId` → `user_id`,
/// `AuditLog` → `audit_log`, `HTTPServer` → `http_server`, `user name` → `user_name`.
pub fn fold_snake(s: &str) -> String {
    // Most names are snake_case already and fold to themselves.
    if folds_to_itself(s) {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c == ' ' || c == '-' {
            if !out.ends_with('_') {
                out.push('_');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether [`fold_snake`] returns `s` unchanged because it has nothing to fold (no upper
/// case, space or hyphen), which callers can ask without allocating the fold.
pub fn folds_to_itself(s: &str) -> bool {
    if s.is_ascii() {
        return !s
            .bytes()
            .any(|b| b.is_ascii_uppercase() || b == b' ' || b == b'-');
    }
    !s.chars().any(|c| c.is_uppercase() || c == ' ' || c == '-')
}

/// `snake_case`: lower-case ASCII letters, digits and underscores, not starting with a digit.
/// (Bytes, not chars: a byte of a multi-byte character is never ASCII, so both answer alike.)
pub fn is_snake_case(s: &str) -> bool {
    s.bytes()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == b'_')
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// `camelCase`: starts lower-case, then ASCII letters and digits, no underscores.
pub fn is_camel_case(s: &str) -> bool {
    s.bytes().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// PostgreSQL's identifier length limit (NAMEDATALEN - 1), in bytes.
pub const MAX_IDENT: usize = 63;

/// Truncates an identifier to 63 bytes at a character boundary, as PostgreSQL does.
pub fn truncate_ident(s: &str) -> String {
    if s.len() <= MAX_IDENT {
        return s.to_string();
    }
    let mut end = MAX_IDENT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Builds a default object name the way PostgreSQL does (`makeObjectName`): `name1_name2_label`,
/// shortening the longer of the two parts until the result fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead =
        if label.is_empty() { 0 } else { label.len() + 1 } + usize::from(name2.is_some());
    if name1.len() + name2.map_or(0, str::len) + overhead <= MAX_IDENT {
        // Short enough already (nearly always): nothing to shorten.
        let mut out = String::with_capacity(name1.len() + name2.map_or(0, str::len) + overhead);
        out.push_str(name1);
        for part in [name2, (!label.is_empty()).then_some(label)]
            .into_iter()
            .flatten()
        {
            out.push('_');
            out.push_str(part);
        }
        return out;
    }
    let mut n1: Vec<char> = name1.chars().collect();
    let mut n2: Vec<char> = name2.map(|s| s.chars().collect()).unwrap_or_default();
    let bytes = |v: &[char]| v.iter().map(|c| c.len_utf8()).sum::<usize>();
    while bytes(&n1) + bytes(&n2) + overhead > MAX_IDENT {
        if bytes(&n1) > bytes(&n2) {
            n1.pop();
        } else {
            n2.pop();
        }
    }
    let mut out: String = n1.into_iter().collect();
    if name2.is_some() {
        out.push('_');
        out.extend(n2);
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn qualified_names() {
        assert_eq!(
            QualName::parse("goals", "public").unwrap(),
            QualName::new("public", "goals")
        );
        assert_eq!(
            QualName::parse("auth.users", "public").unwrap(),
            QualName::new("auth", "users")
        );
        assert_eq!(
            QualName::parse("\"a.b\"", "public").unwrap(),
            QualName::new("public", "a.b")
        );
        assert!(QualName::parse("a.b.c", "public").is_err());
        assert!(QualName::parse("a.", "public").is_err());
    }

    #[test]
    fn folding() {
        assert_eq!(fold_snake("userId"), "user_id");
        assert_eq!(fold_snake("user_id"), "user_id");
        assert_eq!(fold_snake("AuditLog"), "audit_log");
        assert_eq!(fold_snake("HTTPServer"), "http_server");
        assert_eq!(fold_snake("createdAt2"), "created_at2");
    }

    #[test]
    fn fixed_points_of_folding() {
        for s in [
            "user_id", "userId", "user id", "user-id", "ÄBC", "äbc", "straße", "Ⅰx", "", "a1_b2",
        ] {
            let by_chars = !s.chars().any(|c| c.is_uppercase() || c == ' ' || c == '-');
            assert_eq!(folds_to_itself(s), by_chars, "{s}");
            if folds_to_itself(s) {
                assert_eq!(fold_snake(s), s);
            }
        }
    }

    #[test]
    fn conventions_are_ascii_only() {
        for s in [
            "user_id", "_x", "a1", "userId", "ä", "aä", "1a", "", "a-b", "a b",
        ] {
            let snake = s
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            let camel = s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && s.chars().all(|c| c.is_ascii_alphanumeric());
            assert_eq!(is_snake_case(s), snake, "{s}");
            assert_eq!(is_camel_case(s), camel, "{s}");
        }
    }

    #[test]
    fn object_names_fit_63_bytes() {
        assert_eq!(
            make_object_name("goals", Some("user_id"), "fkey"),
            "goals_user_id_fkey"
        );
        let long = "a".repeat(70);
        let n = make_object_name(&long, Some("col"), "idx");
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_col_idx"));
        assert_eq!(make_object_name("goals", None, "pkey"), "goals_pkey");
        assert_eq!(make_object_name("goals", Some("a"), ""), "goals_a");
        // At the limit nothing is cut; one byte over, the longer part loses one.
        let at = make_object_name(&"b".repeat(55), Some("col"), "idx");
        assert_eq!(at, format!("{}_col_idx", "b".repeat(55)));
        let over = make_object_name(&"b".repeat(56), Some("col"), "idx");
        assert_eq!(over, format!("{}_col_idx", "b".repeat(55)));
    }
}
