//! bootline turns captured cloud-VM boot logs into per-instance boot timelines, a fleet
//! distribution of register latency, and an evidence-backed register-wait timeout.
//!
//! The data flow has one narrow waist: parsers ([`parse`]) emit located [`event::Event`]s;
//! [`ingest`] drives them over the inputs; assembly ([`timeline`], [`record`]) groups the
//! events into boots; statistics ([`stats`]) see only numbers and censoring flags; renderers
//! read one result type.

#![warn(missing_docs)]

mod app;
pub mod chart;
mod cli;
mod commands;
pub mod config;
pub mod content;
pub mod durations;
pub mod error;
pub mod event;
pub mod ingest;
pub mod input;
pub mod intern;
pub mod output;
pub mod parse;
pub mod recommend;
pub mod record;
pub mod render;
pub mod report;
pub mod sources;
pub mod stats;
pub(crate) mod summary;
pub mod timeline;

pub use app::main;
pub(crate) use app::warn;
pub use error::{Error, Result};
