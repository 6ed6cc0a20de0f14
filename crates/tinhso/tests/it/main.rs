//! Tests of the `tinhso` binary as a user runs it, and of the workspace's architecture.

mod architecture;
mod cli;
mod ingest;
