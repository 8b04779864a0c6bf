//! Shared by the gui's integration tests.

#![allow(dead_code, missing_docs)]

pub mod demo_params;
