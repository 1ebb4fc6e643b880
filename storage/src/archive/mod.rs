//! The on-volume backup format (design section 3).
//!
//! ```text
//! <db>/id_<bid>/level_<level>/node_<k>/backup_<ts>     chunked data of node k
//! <db>/id_<bid>/level_<level>/node_<k>/metadata_<ts>   manifest of node k (zstd JSON)
//! <db>/id_<bid>/level_<level>/status_<ts>              commit marker (JSON), written last
//! ```
//!
//! A data object is the concatenation of the chunks this backup stored for the node; each
//! chunk is a 4 MiB (or shorter, at the end of a file) slice of one file, zstd-compressed on
//! its own or stored raw. The manifest lists every entry of the node directory and, for
//! regular files, the ordered [`ChunkRef`]s that rebuild it; a ref may point into the data
//! object of an earlier backup of the chain, which is how incrementals share unchanged data.
//! The status marker names the manifests with their BLAKE3 hashes; a backup without one does
//! not exist.

pub mod layout;
mod manifest;
mod status;

pub use layout::BackupKeys;
pub use manifest::{
    ChunkHash, ChunkRef, Entry, EntryKind, MANIFEST_FORMAT, Manifest, ManifestError,
};
pub use status::{BackupRef, Compression, ManifestInfo, STATUS_FORMAT, StatusMarker, Totals};

/// Chunk size: 4 MiB of raw file data (the last chunk of a file may be shorter).
pub const CHUNK_SIZE: usize = 4 << 20;
