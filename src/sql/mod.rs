//! The bottom layer: how text becomes SQL.
//!
//! Everything a project declares ends up inside statements that run on real databases, and
//! a project is untrusted input (a pull request can change it). This module is the one
//! place that decides how a name, a string or a user's fragment is written into SQL:
//! - [`lexer`]: PostgreSQL's lexical rules (comments, strings, dollar quotes), by hand from
//!   its `scan.l`, because the boundaries sqlparser finds are not the server's;
//! - [`fragment`]: a user's expression or query, accepted only when PostgreSQL will read it
//!   as part of one statement;
//! - [`name`]: schema-qualified names, as a project writes them and as SQL spells them;
//! - [`quote`]: identifiers, string literals and dollar-quote tags;
//! - [`raw`]: the bodies of `sql:` blocks (what may be run, what is re-runnable);
//! - [`parse`]: fragments through sqlparser (one expression or query, and the facts the
//!   checks read), and [`refs`]: the table and column references in one.
//!
//! It depends on nothing else in the crate, and every other layer may use it.

pub mod fragment;
pub mod lexer;
pub mod name;
pub mod parse;
pub mod quote;
pub mod raw;
pub mod refs;
