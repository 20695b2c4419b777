//! bootline turns captured cloud-VM boot logs into per-instance boot timelines, a fleet
//! distribution of register latency, and an evidence-backed register-wait timeout.
//!
//! The data flow has one narrow waist: parsers ([`parse`]) emit located [`event::Event`]s;
//! `ingest` drives them over the inputs; assembly ([`timeline`], [`record`]) groups the
//! events into boots; statistics ([`stats`]) see only numbers and censoring flags; renderers
//! read one result type.
//!
//! # The public API
//!
//! The command line is [`main`]; everything it does is reachable through it. Beside it the
//! library offers, for tests, benchmarks and programs that embed bootline:
//!
//! - [`parse`]: [`parse::parse_input`], [`parse::parse_path`], [`parse::sniff`] and
//!   [`parse::Format`], producing [`event::Event`]s ([`input`] opens files, gzip or not);
//! - [`timeline::Boot`] and its parts, as `timeline --format json` writes them, and
//!   [`record`]'s cloud-init boot records;
//! - [`stats`]: Kaplan–Meier, the censored families and their fit, the summary a class gets
//!   ([`stats::summary::analyse`]), on [`stats::Record`]s;
//! - [`report::Report`], [`chart::render_all`] and the renderers in [`render`] that tests
//!   check byte for byte;
//! - [`config::Config`], and [`Error`].
//!
//! Every other item is `pub(crate)`: the recommendation, ingestion, identity and dedup
//! rules are the tool's, reached through the commands.

#![warn(missing_docs)]

mod app;
pub mod chart;
mod cli;
mod commands;
pub(crate) mod compare;
pub mod config;
pub(crate) mod content;
pub(crate) mod durations;
pub mod error;
pub mod event;
pub(crate) mod ingest;
pub mod input;
pub(crate) mod intern;
pub(crate) mod output;
pub mod parse;
pub(crate) mod recommend;
pub mod record;
pub mod render;
pub mod report;
pub(crate) mod sources;
pub mod stats;
mod stderr;
pub(crate) mod summary;
pub mod timeline;

pub use app::main;
pub use error::{Error, Result};
pub(crate) use stderr::warn;
