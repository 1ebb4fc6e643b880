//! Storage layer of confd-rs: the catalogue (sled), archive volumes, the on-volume backup
//! format and the backup/restore engine, plus the generator of the demo database's data.
//!
//! This crate knows bytes, files, buckets and records. It never imports `dxr`, `axum` or
//! anything of the ConfD wire vocabulary (result codes, job names): those live in
//! `confd-jobs` and `confd-daemon`. Only [`catalog`] names `sled`, so the key-value engine
//! can be swapped without touching the layers above.

pub mod archive;
mod buf_pool;
pub mod catalog;
pub mod datagen;
mod direct;
pub mod engine;
pub mod error;
pub mod records;
pub mod volume;

pub use catalog::Catalog;
pub use error::StorageError;
