//! Showing a connection string without its password.
//!
//! URLs reach error messages and report headers (`Drift: … to bring <URL> to …`), and CI
//! logs are read by more people than know the database password. Editing the string (find
//! the userinfo, find `password=`, replace up to the next delimiter) leaked whenever the
//! password held a character the editor did not expect: an unencoded `/`, `?` or `#`, a
//! conninfo `password = x` with spaces, a quoted value with a space. So nothing of the input
//! is echoed here: a string the driver parses is re-rendered from the fields of its
//! [`Config`] (user, hosts, ports, database, sslmode — never the password), in the form the
//! user wrote (URL or `key=value`); a string it does not parse is shown as its scheme alone;
//! and every field that could still be a piece of a password (it contains the parsed
//! password, or a URL has more `@` than one userinfo explains) is withheld.

use postgres::config::{Host, SslMode};
use postgres::Config;
use std::fmt::Write;
use std::str::FromStr;

/// What is shown in place of a withheld field.
const WITHHELD: &str = "***";

const URL_SCHEMES: [&str; 2] = ["postgresql://", "postgres://"];

/// The connection string `url` as it may be printed: the parsed user, hosts, ports,
/// database and sslmode, never the password. An unparseable string is reduced to its scheme
/// (`postgresql://…`) or to `<connection string>`.
pub fn redact(url: &str) -> String {
    match Config::from_str(url) {
        Ok(cfg) => render(url, &cfg),
        Err(_) => unparseable(url),
    }
}

/// `message` with every value that [`redact`] withholds (the password, ambiguous fields)
/// replaced: driver and server messages are not supposed to quote them, but nothing here
/// relies on that.
pub fn scrub(message: &str, url: &str) -> String {
    let mut secrets: Vec<String> = Vec::new();
    match Config::from_str(url) {
        Ok(cfg) => {
            if let Some(p) = cfg.get_password().filter(|p| !p.is_empty()) {
                secrets.push(String::from_utf8_lossy(p).into_owned());
            }
            if let Some(rest) = url_rest(url) {
                if ambiguous_url(rest) {
                    // Every field may hold a piece of the password: scrub all of them.
                    secrets.extend(cfg.get_user().map(str::to_string));
                    secrets.extend(cfg.get_dbname().map(str::to_string));
                    secrets.extend(cfg.get_hosts().iter().map(host_text));
                }
            }
            secrets.extend(
                cfg.get_hosts()
                    .iter()
                    .map(host_text)
                    .filter(|h| h.contains('@')),
            );
        }
        Err(_) => {
            // Nothing was parsed: withhold everything after the scheme.
            let rest = url.split_once("://").map_or(url, |(_, r)| r);
            if !rest.is_empty() {
                secrets.push(rest.to_string());
            }
        }
    }
    let mut out = message.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s.as_str(), WITHHELD);
    }
    out
}

/// Why the driver rejected `url`, without quoting it: the driver's own messages can quote a
/// keyword (`unknown option `…``), or the character after one, and in a conninfo string
/// whose password holds an unquoted space, that keyword is the rest of the password.
pub fn parse_reason(e: &postgres::Error) -> String {
    let inner = std::error::Error::source(e)
        .map(|s| s.to_string())
        .unwrap_or_default();
    if let Some(rest) = inner.strip_prefix("unknown option `") {
        let key = rest.trim_end_matches('`');
        return if KNOWN_OPTIONS.contains(&key) {
            format!("option `{key}` is not supported")
        } else {
            "unknown option (its name is not shown: it may be part of a password; quote values \
             that contain spaces, percent-encode `&` and `=` in URL parameters)"
                .to_string()
        };
    }
    if let Some(rest) = inner.strip_prefix("unexpected character at byte ") {
        let byte = rest.split(':').next().unwrap_or("?");
        let expected = rest
            .split_once("expected `")
            .and_then(|(_, t)| t.chars().next())
            .filter(|c| matches!(c, '=' | '\''))
            .unwrap_or('=');
        return format!(
            "expected `{expected}` at byte {byte} (quote values that contain spaces: password='a b')"
        );
    }
    let fixed = [
        "unexpected EOF",
        "unterminated quoted connection parameter value",
        "unterminated parameter",
    ];
    if fixed.contains(&inner.as_str())
        || (inner.starts_with("invalid value for option `") && inner.len() < 80)
    {
        return inner;
    }
    if inner.contains("utf-8") || inner.contains("UTF-8") {
        return "invalid UTF-8 after percent-decoding".to_string();
    }
    "not a PostgreSQL URL or key=value connection string".to_string()
}

/// libpq and common client options, named in messages when the driver does not support
/// them (any other unknown name might be a fragment of a password).
const KNOWN_OPTIONS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "require_auth",
    "channel_binding",
    "connect_timeout",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "gssencmode",
    "sslmode",
    "sslnegotiation",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslcertmode",
    "sslpassword",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
    // Prisma and poolers (Supabase URLs often carry these).
    "schema",
    "pgbouncer",
    "connection_limit",
    "pool_timeout",
    "socket_timeout",
    "statement_cache_size",
    "sslaccept",
    "sslidentity",
    "search_path",
];

fn unparseable(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme.len() <= 16
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')) =>
        {
            format!("{scheme}://…")
        }
        _ => "<connection string>".to_string(),
    }
}

/// The part after `postgres://` or `postgresql://`, for URL-form strings.
fn url_rest(url: &str) -> Option<&str> {
    URL_SCHEMES.iter().find_map(|p| url.strip_prefix(p))
}

/// True when the driver's split of a URL may have put part of the password into another
/// field. The driver takes the userinfo up to the *first* `@` anywhere in the string, so:
/// a second `@` (an unencoded one in the password) moves the rest of the password into the
/// host, path or query; a "user" holding `/` or `?`, or a "userinfo" holding `?` and then
/// `=`, means the `@` was inside a query parameter (`?password=pa@ss`) and what follows
/// it, shown as the host, is the rest of that password. A password that merely contains
/// `/`, `?` or `#` unencoded (`u:ab/cd@host/db`) is not ambiguous: the driver sends it
/// whole and the other fields are what they seem.
fn ambiguous_url(rest: &str) -> bool {
    let mut ats = rest.match_indices('@');
    let first = ats.next();
    if ats.next().is_some() {
        return true;
    }
    match first {
        Some((at, _)) => {
            let creds = &rest[..at];
            let user = creds.split(':').next().unwrap_or("");
            let query_like = creds
                .split_once('?')
                .is_some_and(|(_, after)| after.contains('='));
            user.contains(['/', '?']) || query_like
        }
        None => false,
    }
}

fn host_text(h: &Host) -> String {
    match h {
        Host::Tcp(s) => s.clone(),
        #[cfg(unix)]
        Host::Unix(p) => p.to_string_lossy().into_owned(),
    }
}

/// A field value is shown only when it cannot be (a piece of) the password.
struct Guard {
    password: Option<String>,
}

impl Guard {
    fn show(&self, value: &str) -> bool {
        match &self.password {
            Some(p) => !value.contains(p.as_str()),
            None => true,
        }
    }

    fn or_withheld<'a>(&self, value: &'a str) -> &'a str {
        if self.show(value) {
            value
        } else {
            WITHHELD
        }
    }
}

fn render(url: &str, cfg: &Config) -> String {
    let guard = Guard {
        password: cfg
            .get_password()
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned()),
    };
    match url_rest(url) {
        Some(rest) => {
            let scheme = &url[..url.len() - rest.len()];
            if ambiguous_url(rest) {
                format!("{scheme}…")
            } else {
                render_url(scheme, cfg, &guard)
            }
        }
        None => render_conninfo(cfg, &guard),
    }
}

/// The port shown after host `i`: the driver keeps one port per host, or one for all.
fn port_of(cfg: &Config, i: usize) -> Option<u16> {
    let ports = cfg.get_ports();
    match ports.len() {
        0 => None,
        1 => Some(ports[0]),
        _ => ports.get(i).copied(),
    }
}

fn render_url(scheme: &str, cfg: &Config, guard: &Guard) -> String {
    let mut s = scheme.to_string();
    if let Some(u) = cfg.get_user() {
        s.push_str(&encode(guard.or_withheld(u)));
        s.push('@');
    }
    let mut tcp = Vec::new();
    let mut sockets = Vec::new();
    for (i, h) in cfg.get_hosts().iter().enumerate() {
        let text = host_text(h);
        let shown = if text.contains('@') {
            WITHHELD
        } else {
            guard.or_withheld(&text)
        };
        match h {
            Host::Tcp(_) => {
                let mut one = if shown.contains(':') {
                    format!("[{shown}]")
                } else {
                    shown.to_string()
                };
                if let Some(p) = port_of(cfg, i) {
                    let _ = write!(one, ":{p}");
                }
                tcp.push(one);
            }
            #[cfg(unix)]
            Host::Unix(_) => sockets.push((shown.to_string(), port_of(cfg, i))),
        }
    }
    s.push_str(&tcp.join(","));
    if let Some(db) = cfg.get_dbname() {
        s.push('/');
        s.push_str(&encode(guard.or_withheld(db)));
    }
    let mut params: Vec<String> = Vec::new();
    for (path, _) in &sockets {
        params.push(format!("host={path}"));
    }
    if tcp.is_empty() {
        if let Some(p) = sockets.iter().find_map(|(_, p)| *p) {
            params.push(format!("port={p}"));
        }
    }
    for a in cfg.get_hostaddrs() {
        params.push(format!("hostaddr={a}"));
    }
    if let Some(mode) = ssl_mode(cfg) {
        params.push(format!("sslmode={mode}"));
    }
    if !params.is_empty() {
        s.push('?');
        s.push_str(&params.join("&"));
    }
    s
}

fn render_conninfo(cfg: &Config, guard: &Guard) -> String {
    let mut parts: Vec<String> = Vec::new();
    let hosts: Vec<String> = cfg
        .get_hosts()
        .iter()
        .map(|h| guard.or_withheld(&host_text(h)).to_string())
        .collect();
    if !hosts.is_empty() {
        parts.push(format!("host={}", quote(&hosts.join(","))));
    }
    let addrs: Vec<String> = cfg.get_hostaddrs().iter().map(|a| a.to_string()).collect();
    if !addrs.is_empty() {
        parts.push(format!("hostaddr={}", addrs.join(",")));
    }
    let ports: Vec<String> = cfg.get_ports().iter().map(|p| p.to_string()).collect();
    if !ports.is_empty() {
        parts.push(format!("port={}", ports.join(",")));
    }
    if let Some(u) = cfg.get_user() {
        parts.push(format!("user={}", quote(guard.or_withheld(u))));
    }
    if let Some(db) = cfg.get_dbname() {
        parts.push(format!("dbname={}", quote(guard.or_withheld(db))));
    }
    if let Some(mode) = ssl_mode(cfg) {
        parts.push(format!("sslmode={mode}"));
    }
    if parts.is_empty() {
        "<connection string without host, user or database>".to_string()
    } else {
        parts.join(" ")
    }
}

/// The sslmode when it is not the default (`prefer`).
fn ssl_mode(cfg: &Config) -> Option<&'static str> {
    match cfg.get_ssl_mode() {
        SslMode::Disable => Some("disable"),
        SslMode::Require => Some("require"),
        _ => None,
    }
}

/// Percent-encodes what would change the meaning of a URL component.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'*') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Quotes a conninfo value when it holds a space, a quote or a backslash, or is empty.
fn quote(s: &str) -> String {
    if !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || c == '\'' || c == '\\') {
        return s.to_string();
    }
    let mut out = String::from("'");
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PW: &str = "S3cr3tPw";

    /// (input, exact output)
    const CASES: &[(&str, &str)] = &[
        ("postgres://u:S3cr3tPw@h:5432/db", "postgres://u@h:5432/db"),
        ("postgresql://u@h/db", "postgresql://u@h:5432/db"),
        (
            "postgresql://u:ab/cd9S3cr3tPw@host/db",
            "postgresql://u@host:5432/db",
        ),
        (
            "postgresql://u:S3cr3tPw?x#y@host/db?sslmode=require",
            "postgresql://u@host:5432/db?sslmode=require",
        ),
        (
            "postgres://h/db?password=S3cr3tPw&sslmode=disable",
            "postgres://h:5432/db?sslmode=disable",
        ),
        (
            "postgresql://u:S3cr3tPw@[::1]:6432,10.0.0.2/db",
            "postgresql://u@[::1]:6432,10.0.0.2:5432/db",
        ),
        (
            "postgresql://u:S3cr3tPw@%2Fvar%2Frun%2Fpostgresql/db",
            "postgresql://u@/db?host=/var/run/postgresql&port=5432",
        ),
        (
            "postgresql://al%40ice:S3cr3tPw@h/my%20db",
            "postgresql://al%40ice@h:5432/my%20db",
        ),
        // An unencoded `@` in the password: the driver splits at the first one.
        ("postgresql://u:S3cr3tPw@x@h/db", "postgresql://…"),
        ("postgresql://h/db?password=S3cr3tPw@x", "postgresql://…"),
        ("postgresql://h:1/db?password=S3cr3tPw@x", "postgresql://…"),
        // A field that contains the password is withheld.
        (
            "postgresql://u:S3cr3tPw@S3cr3tPw.example.com/db",
            "postgresql://u@***:5432/db",
        ),
        (
            "host=h user=u password=S3cr3tPw dbname=d",
            "host=h user=u dbname=d",
        ),
        (
            "host=h user=u password = S3cr3tPw dbname=d",
            "host=h user=u dbname=d",
        ),
        (
            "host=h user=u password='S3cr3tPw x' dbname='my db'",
            "host=h user=u dbname='my db'",
        ),
        (
            "host=/tmp,h2 port=1,2 password=S3cr3tPw sslmode=require",
            "host=/tmp,h2 port=1,2 sslmode=require",
        ),
        (
            "password=S3cr3tPw",
            "<connection string without host, user or database>",
        ),
        // Unparseable: nothing but the scheme.
        (
            "postgresql://u:S3cr3tPw@h/db?sslmode=verify-full",
            "postgresql://…",
        ),
        ("mysql://u:S3cr3tPw@h/db", "mysql://…"),
        ("host=h password=S3cr3tPw x=1", "<connection string>"),
        ("not a url ::: S3cr3tPw", "<connection string>"),
    ];

    #[test]
    fn connection_strings_are_shown_from_their_parsed_fields() {
        for (input, want) in CASES {
            assert_eq!(&redact(input), want, "{input}");
            assert!(!redact(input).contains(PW));
        }
    }

    #[test]
    fn messages_are_scrubbed_of_withheld_values() {
        assert_eq!(
            scrub("auth failed for S3cr3tPw", "postgres://u:S3cr3tPw@h/db"),
            "auth failed for ***"
        );
        assert_eq!(
            scrub("no host x@h", "postgresql://u:S3cr3tPw@x@h/db"),
            "no host ***"
        );
        assert_eq!(scrub("bad u:S3cr3tPw", "mysql://u:S3cr3tPw"), "bad ***");
    }

    #[test]
    fn parse_errors_do_not_quote_the_input() {
        let reason = |s: &str| match Config::from_str(s) {
            Ok(_) => panic!("{s} parsed"),
            Err(e) => parse_reason(&e),
        };
        assert!(!reason("host=h password=S3cr3tPw x9=1").contains("x9"));
        assert_eq!(
            reason("host=h sslrootcert=/x"),
            "option `sslrootcert` is not supported"
        );
        assert_eq!(
            reason("host=h password=S3 cr3t dbname=d"),
            "expected `=` at byte 24 (quote values that contain spaces: password='a b')"
        );
        assert_eq!(
            reason("postgresql://h/db?sslmode=verify-full"),
            "invalid value for option `sslmode`"
        );
        assert_eq!(
            reason("postgresql://h/db?password=S3cr3tPw&x"),
            "unterminated parameter"
        );
    }
}
