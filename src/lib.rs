//! cargo-domains: keep a Rust monolith modular by business domain.
//!
//! The library is a pipeline; each stage is a module with one job (see `docs/architecture.md`):
//!
//! `workspace` (cargo metadata) -> `modules` (syn, parallel) -> `resolve` (names to items)
//! -> `graph` (petgraph) -> `config` (domains.toml) -> `rules` (findings) -> `report` (output).
//! `data` (tables read and written) and `score` (extraction readiness) build on the same
//! resolved references. `init` writes a first configuration and `sync` keeps its `depends_on`
//! in line with the code; `atomic` replaces files safely. `roadmap` puts the check, `score`,
//! `request_path` (slow work inside request handlers) and `history` (commits, teams and change
//! coupling read with gix) together into one verdict per phase.
//! `cli` wires them together; `main.rs` only calls [`cli::main`].

pub mod analysis;
pub mod atomic;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod data;
pub mod diag;
pub mod graph;
pub mod history;
pub mod init;
pub mod modules;
pub mod partition;
pub mod report;
pub mod request_path;
pub mod resolve;
pub mod roadmap;
pub mod rules;
pub mod safe_read;
pub mod score;
pub mod source;
pub mod sync;
pub mod vcs;
pub mod workspace;
