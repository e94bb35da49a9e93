//! schemac: a declarative compiler for PostgreSQL schemas and row-level-security policies.
//!
//! The pipeline is the module tree, each stage taking data and returning data:
//! [`load`] (YAML files → raw structs with positions) → [`model`] (typed, resolved) →
//! [`check`] (diagnostics as data). The library never prints and never exits; the binary's
//! `cli` module decides how findings are shown and which exit code they mean.

pub mod catalog;
pub mod check;
pub mod diagnostic;
pub mod diff;
pub mod introspect;
pub mod load;
pub mod model;
pub mod render;

use diagnostic::{Diagnostic, SourceMap};
use std::path::Path;

/// A project that could not be loaded: the diagnostics and the sources they point into.
pub use load::LoadFailure;

/// Loads and types the project in `dir` (shown as `display` in messages).
pub fn compile(dir: &Path, display: &str) -> Result<model::Model, LoadFailure> {
    let loaded = load::load_project(dir, display)?;
    model::build::build(loaded)
}

/// Loads, types and checks a project; returns the model and its sorted diagnostics.
pub fn check_project(
    dir: &Path,
    display: &str,
) -> Result<(model::Model, Vec<Diagnostic>), LoadFailure> {
    let model = compile(dir, display)?;
    let diags = check::run(&model);
    Ok((model, diags))
}

/// Sources of a failed load, for rendering its diagnostics.
pub fn failure_sources(f: &LoadFailure) -> &SourceMap {
    &f.sources
}

/// Renders the master migration for a checked model.
pub fn generate(
    model: &model::Model,
    templates: Option<&Path>,
) -> Result<String, render::RenderError> {
    let renderer = render::Renderer::new(templates)?;
    let project = model
        .root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".into());
    let hash = render::input_hash(model);
    render::render(
        model,
        &renderer,
        &render::HeaderInfo {
            project: &project,
            hash: &hash,
        },
    )
}
