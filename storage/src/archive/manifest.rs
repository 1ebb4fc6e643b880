//! The per-node manifest: every entry of a node directory and the chunks of each file.
//!
//! Encoded as JSON and zstd-compressed. JSON keeps the format readable with `zstd -d | jq`
//! when something goes wrong on a customer volume; zstd takes away most of its size. The
//! `format` field lets a later version refuse (or migrate) manifests it does not know.

use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Version of the manifest encoding written by this build.
pub const MANIFEST_FORMAT: u32 = 1;

/// zstd level for manifests: they are small and written once, so spend a little CPU.
const MANIFEST_ZSTD_LEVEL: i32 = 3;

/// BLAKE3 hash of a chunk's raw (uncompressed) bytes; hex in JSON.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChunkHash(pub [u8; 32]);

impl ChunkHash {
    /// Hash of `data`.
    pub fn of(data: &[u8]) -> Self {
        Self(*blake3::hash(data).as_bytes())
    }
}

impl fmt::Debug for ChunkHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", blake3::Hash::from_bytes(self.0).to_hex())
    }
}

impl fmt::Display for ChunkHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl Serialize for ChunkHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(blake3::Hash::from_bytes(self.0).to_hex().as_str())
    }
}

impl<'de> Deserialize<'de> for ChunkHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        blake3::Hash::from_hex(s.as_bytes())
            .map(|h| Self(*h.as_bytes()))
            .map_err(serde::de::Error::custom)
    }
}

/// Where one chunk of a file is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkRef {
    /// Backup whose data object (of the same node) holds the chunk.
    pub bid: u64,
    /// Level of that backup.
    pub level: u8,
    /// Byte offset of the stored chunk in that data object.
    pub offset: u64,
    /// Stored (possibly compressed) length.
    pub stored_len: u64,
    /// Raw length (bytes of the file).
    pub raw_len: u64,
    /// BLAKE3 of the raw bytes, verified on restore.
    pub blake3: ChunkHash,
    /// Whether the stored bytes are a zstd frame (else raw).
    pub compressed: bool,
}

/// Kind of a directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// Regular file.
    File,
    /// Directory.
    Dir,
    /// Symbolic link (its target is stored, never followed).
    Symlink,
}

/// One entry of a node directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path relative to the node directory as raw bytes (Unix names need not be UTF-8);
    /// empty for the node directory itself.
    #[serde(with = "raw_bytes")]
    pub path: Vec<u8>,
    /// File, directory or symlink.
    pub kind: EntryKind,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Size in bytes (files; 0 otherwise).
    pub size: u64,
    /// Inode number at backup time, for change detection by the next incremental.
    pub inode: u64,
    /// Target of a symlink.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_raw_bytes"
    )]
    pub target: Option<Vec<u8>>,
    /// Chunks of a file, in order; their `raw_len`s add up to `size`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chunks: Vec<ChunkRef>,
}

impl Entry {
    /// The entry's path relative to the node directory.
    pub fn rel_path(&self) -> &Path {
        Path::new(OsStr::from_bytes(&self.path))
    }

    /// The symlink target as a path.
    pub fn target_path(&self) -> Option<&Path> {
        self.target
            .as_deref()
            .map(|t| Path::new(OsStr::from_bytes(t)))
    }
}

/// Manifest of one node of one backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Encoding version ([`MANIFEST_FORMAT`]).
    pub format: u32,
    /// Database name.
    pub db: String,
    /// Backup id.
    pub bid: u64,
    /// Backup level.
    pub level: u8,
    /// Backup timestamp `YYYYMMDDHHMM`.
    pub ts: String,
    /// Node index.
    pub node: usize,
    /// Every entry of the node directory, parents before children, the root first.
    pub entries: Vec<Entry>,
}

/// A manifest could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// zstd failed.
    #[error("zstd: {0}")]
    Zstd(std::io::Error),
    /// JSON failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Written by a newer version.
    #[error("unsupported manifest format {0} (this build reads {MANIFEST_FORMAT})")]
    Format(u32),
    /// An entry's path could reach outside the node directory.
    #[error("unsafe entry path {0:?}: {1}")]
    UnsafePath(String, &'static str),
}

impl Manifest {
    /// zstd-compressed JSON.
    pub fn encode(&self) -> Result<Vec<u8>, ManifestError> {
        // Streamed into the compressor: the JSON of 200,000 files is 50 MB that a backup
        // would otherwise hold beside its compressed form, once per node.
        let encoder = zstd::stream::Encoder::new(Vec::new(), MANIFEST_ZSTD_LEVEL)
            .map_err(ManifestError::Zstd)?;
        let mut out = std::io::BufWriter::with_capacity(64 << 10, encoder);
        serde_json::to_writer(&mut out, self)?;
        let encoder = out
            .into_inner()
            .map_err(|e| ManifestError::Zstd(e.into_error()))?;
        encoder.finish().map_err(ManifestError::Zstd)
    }

    /// Inverse of [`encode`](Self::encode); refuses unknown formats.
    pub fn decode(bytes: &[u8]) -> Result<Self, ManifestError> {
        let json = zstd::stream::decode_all(bytes).map_err(ManifestError::Zstd)?;
        #[derive(Deserialize)]
        struct Version {
            format: u32,
        }
        let v: Version = serde_json::from_slice(&json)?;
        if v.format != MANIFEST_FORMAT {
            return Err(ManifestError::Format(v.format));
        }
        let mut manifest: Manifest = serde_json::from_slice(&json)?;
        manifest.check_paths()?;
        // A JSON list decodes into a Vec grown to at least four: 288 bytes for the one
        // chunk of each small file, which a restore of 200,000 files holds throughout.
        for e in &mut manifest.entries {
            e.chunks.shrink_to_fit();
        }
        Ok(manifest)
    }

    /// A manifest comes from a volume that others may write to (remote volumes are shared,
    /// foreign backups are imported), so a restore must never follow it outside the node
    /// directory: every path is relative, made of plain names only, and each parent is a
    /// directory listed earlier (so no path runs through a symlink the restore created).
    pub fn check_paths(&self) -> Result<(), ManifestError> {
        use std::path::Component;
        let mut dirs: std::collections::HashSet<&[u8]> =
            std::collections::HashSet::from([&b""[..]]);
        for e in &self.entries {
            let shown = || String::from_utf8_lossy(&e.path).into_owned();
            if e.path.is_empty() {
                if e.kind != EntryKind::Dir {
                    return Err(ManifestError::UnsafePath(
                        shown(),
                        "the node directory itself must be a directory",
                    ));
                }
                continue;
            }
            if e.path.contains(&0) {
                return Err(ManifestError::UnsafePath(shown(), "contains NUL"));
            }
            if !e
                .rel_path()
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
            {
                return Err(ManifestError::UnsafePath(
                    shown(),
                    "only plain names are allowed (no '/', '.', '..' parts)",
                ));
            }
            let parent = e
                .path
                .iter()
                .rposition(|b| *b == b'/')
                .map_or(&b""[..], |i| &e.path[..i]);
            if !dirs.contains(parent) {
                return Err(ManifestError::UnsafePath(
                    shown(),
                    "its parent is not a directory listed before it",
                ));
            }
            if e.kind == EntryKind::Dir {
                dirs.insert(&e.path);
            }
        }
        Ok(())
    }

    /// Sum of the sizes of all regular files.
    pub fn file_bytes(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| e.size)
            .sum()
    }
}

/// Bytes as a JSON string when they are UTF-8 (the common case, readable), else as an
/// array of numbers.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum RawRepr {
    Text(String),
    Bytes(Vec<u8>),
}

mod raw_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(v) {
            Ok(t) => s.serialize_str(t),
            Err(_) => RawRepr::Bytes(v.to_vec()).serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(match RawRepr::deserialize(d)? {
            RawRepr::Text(t) => t.into_bytes(),
            RawRepr::Bytes(b) => b,
        })
    }
}

mod opt_raw_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => raw_bytes::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        raw_bytes::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_including_non_utf8_names() {
        let m = Manifest {
            format: MANIFEST_FORMAT,
            db: "db".into(),
            bid: 1,
            level: 0,
            ts: "202611251208".into(),
            node: 0,
            entries: vec![Entry {
                path: b"\xff\xfe".to_vec(),
                kind: EntryKind::Symlink,
                mode: 0o777,
                mtime_ns: -5,
                size: 0,
                inode: 7,
                target: Some(b"x\x80".to_vec()),
                chunks: vec![ChunkRef {
                    bid: 1,
                    level: 0,
                    offset: 0,
                    stored_len: 3,
                    raw_len: 3,
                    blake3: ChunkHash::of(b"abc"),
                    compressed: false,
                }],
            }],
        };
        let back = Manifest::decode(&m.encode().unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn unknown_manifest_format_is_refused() {
        let json = br#"{"format":99}"#;
        let z = zstd::bulk::compress(json, 1).unwrap();
        assert!(matches!(
            Manifest::decode(&z),
            Err(ManifestError::Format(99))
        ));
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;

    fn entry(path: &str, kind: EntryKind) -> Entry {
        Entry {
            path: path.as_bytes().to_vec(),
            kind,
            mode: 0o755,
            mtime_ns: 0,
            size: 0,
            target: None,
            inode: 0,
            chunks: Vec::new(),
        }
    }

    fn manifest(entries: Vec<Entry>) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT,
            db: "DB".into(),
            bid: 1,
            level: 0,
            ts: "202611251200".into(),
            node: 0,
            entries,
        }
    }

    #[test]
    fn paths_that_could_leave_the_node_directory_are_refused() {
        let ok = manifest(vec![
            entry("", EntryKind::Dir),
            entry("a", EntryKind::Dir),
            entry("a/f", EntryKind::File),
        ]);
        assert!(Manifest::decode(&ok.encode().unwrap()).is_ok());
        for bad in [
            vec![entry("", EntryKind::Dir), entry("../etc", EntryKind::File)],
            vec![
                entry("", EntryKind::Dir),
                entry("/etc/passwd", EntryKind::File),
            ],
            vec![entry("", EntryKind::Dir), entry("a/./b", EntryKind::File)],
            vec![
                entry("", EntryKind::Dir),
                entry("link", EntryKind::Symlink),
                entry("link/f", EntryKind::File),
            ],
            vec![
                entry("", EntryKind::Dir),
                entry("missing/f", EntryKind::File),
            ],
            vec![entry("", EntryKind::File)],
        ] {
            let err = Manifest::decode(&manifest(bad).encode().unwrap()).unwrap_err();
            assert!(matches!(err, ManifestError::UnsafePath(..)), "{err}");
        }
    }
}
