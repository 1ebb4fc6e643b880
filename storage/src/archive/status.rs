//! The status marker: the small JSON object whose existence commits a backup.
//!
//! It is written last, after the data objects and manifests are durable and the manifests
//! have been re-read and checked, so its presence means "complete". Deleting a backup removes
//! it first, so a crash mid-delete never leaves a marker that points at missing data.

use serde::{Deserialize, Serialize};

use super::layout::BackupKeys;
use super::manifest::ChunkHash;

/// Version of the status marker encoding written by this build.
pub const STATUS_FORMAT: u32 = 1;

/// How chunks of a backup were compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "algo", rename_all = "lowercase")]
pub enum Compression {
    /// Stored raw (the volume's `nocompression` option).
    None,
    /// zstd at `level`; a chunk that does not shrink is still stored raw.
    Zstd {
        /// zstd level (1 by default).
        level: i32,
    },
}

/// Identity of another backup (the base of an incremental).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BackupRef {
    /// Backup id.
    pub bid: u64,
    /// Level.
    pub level: u8,
    /// Timestamp `YYYYMMDDHHMM`.
    pub ts: String,
}

/// Counters of a backup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Regular files.
    pub files: u64,
    /// Directories (node directories included).
    pub dirs: u64,
    /// Symlinks.
    pub symlinks: u64,
    /// Sum of the sizes of all files (what a restore writes).
    pub bytes: u64,
    /// Bytes read from the node directories (changed files only for an incremental).
    pub bytes_read: u64,
    /// Bytes this backup stored in its data objects.
    pub bytes_stored: u64,
    /// Chunks this backup stored.
    pub chunks_stored: u64,
    /// Chunk references to data already in the chain (or stored earlier in this backup).
    pub chunks_reused: u64,
}

/// Manifest of one node as named by the marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestInfo {
    /// Node index.
    pub node: usize,
    /// Size of the encoded manifest.
    pub size: u64,
    /// BLAKE3 of the encoded manifest, checked before it is trusted.
    pub blake3: ChunkHash,
    /// Size of the node's data object.
    pub data_size: u64,
}

/// The commit marker of a backup (`…/status_<ts>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusMarker {
    /// Encoding version ([`STATUS_FORMAT`]).
    pub format: u32,
    /// Database name.
    pub db: String,
    /// Backup id.
    pub bid: u64,
    /// Level 0..9.
    pub level: u8,
    /// Timestamp `YYYYMMDDHHMM` (UTC).
    pub ts: String,
    /// Number of nodes.
    pub nodes: usize,
    /// The base backup (level − 1) for incrementals.
    pub base: Option<BackupRef>,
    /// Expiry as Unix seconds, `None` for never.
    pub expire: Option<i64>,
    /// Chunk compression.
    pub compression: Compression,
    /// When the marker was written, Unix seconds (for ordering, never the key's name).
    pub committed_at: i64,
    /// Totals over all nodes.
    pub totals: Totals,
    /// One per node, in node order.
    pub manifests: Vec<ManifestInfo>,
}

impl StatusMarker {
    /// The keys of this backup's objects.
    pub fn keys(&self) -> Option<BackupKeys> {
        BackupKeys::new(&self.db, self.bid, self.level, &self.ts)
    }

    /// This backup as a [`BackupRef`].
    pub fn backup_ref(&self) -> BackupRef {
        BackupRef {
            bid: self.bid,
            level: self.level,
            ts: self.ts.clone(),
        }
    }

    /// Bid of the base backup, if any.
    pub fn base_bid(&self) -> Option<u64> {
        self.base.as_ref().map(|b| b.bid)
    }

    /// Bytes this backup occupies on its volume: its data objects and manifests (chunks it
    /// reuses from its base are counted there).
    pub fn stored_bytes(&self) -> u64 {
        self.manifests.iter().map(|m| m.data_size + m.size).sum()
    }

    /// Pretty JSON (it is small and meant to be readable on the volume).
    pub fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec_pretty(self)
    }

    /// Inverse of [`encode`](Self::encode).
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let m: Self = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if m.format != STATUS_FORMAT {
            return Err(format!(
                "unsupported status marker format {} (this build reads {STATUS_FORMAT})",
                m.format
            ));
        }
        Ok(m)
    }
}
