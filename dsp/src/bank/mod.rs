//! Cube banks: the `.wcube` file format and its node codecs.
//!
//! - [`write_wcube`] / [`read_wcube`] / [`inspect_wcube`]: the format
//!   (`docs/formats/wcube.md`), little-endian, versioned, checksummed and bounded.
//! - [`NodeCodec`]: raw f32, i16, TQA, lossless zstd and the spectral-Gaussian model
//!   ([`gauss`]); the writer picks one per node from a quality target.
//! - [`import`] / [`export`]: other wavetable formats, in and out.
//! - [`factory`]: the factory banks, generated deterministically.
//! - [`library`]: the SQLite bank library's schema, shared by its writer and its readers.

mod codecs;
mod error;
pub mod export;
pub mod factory;
pub mod gauss;
pub mod import;
pub mod library;
mod wcube;

pub use codecs::{
    decode_node, encode_auto, encode_fixed, encode_node, snr_db, CodecChoice, NodeCodec,
};
pub use error::BankError;
pub use wcube::{
    inspect_wcube, read_wcube, write_wcube, write_wcube_with_progress, NodeInfo, WcubeInfo,
    WriteOptions, MAX_DECODED_BYTES, MAX_META_BYTES, WCUBE_MAGIC, WCUBE_VERSION,
};
