//! The editor's views, one file each: each draws itself into a rect of the window from the
//! frame's shared state ([`FrameCx`](crate::frame::FrameCx)).

pub mod browser;
pub mod controls;
pub mod cube;
pub mod fx;
pub mod keyboard;
pub mod matrix;
pub mod sculpt;
pub mod tension;
pub mod wave;

/// Where file dialogs open: the home directory, else the current one.
pub fn start_dir() -> std::path::PathBuf {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from)
        .filter(|h| h.is_dir())
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}
