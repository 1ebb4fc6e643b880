//! Decoding a stored chunk back to its raw bytes, checked: the one place restore and
//! verify agree on what a good chunk is.

use crate::archive::{ChunkHash, ChunkRef};

/// A worker's decompression context and buffer, reused from chunk to chunk: a fresh 4 MiB
/// allocation per chunk costs page faults that a restore on every core would notice.
pub(crate) struct Unpacker {
    ctx: Option<zstd::bulk::Decompressor<'static>>,
    buf: Vec<u8>,
}

impl Unpacker {
    pub(crate) fn new() -> Self {
        Self {
            ctx: zstd::bulk::Decompressor::new().ok(),
            buf: Vec::new(),
        }
    }

    /// The raw bytes of chunk `r` from its `stored` form, after checking their length and
    /// BLAKE3; the error says what is wrong with the chunk.
    pub(crate) fn unpack<'a>(
        &'a mut self,
        r: &ChunkRef,
        stored: &'a [u8],
    ) -> Result<&'a [u8], String> {
        let raw_len = usize::try_from(r.raw_len).unwrap_or(usize::MAX);
        let raw: &[u8] = if r.compressed {
            let ctx = self.ctx.as_mut().ok_or("no zstd decompression context")?;
            self.buf.clear();
            self.buf
                .try_reserve(raw_len)
                .map_err(|_| format!("chunk at offset {} claims {raw_len} bytes", r.offset))?;
            match ctx.decompress_to_buffer(stored, &mut self.buf) {
                Ok(n) if n == raw_len => &self.buf,
                Ok(n) => {
                    return Err(format!(
                        "chunk at offset {} decompressed to {n} bytes, expected {raw_len}",
                        r.offset
                    ));
                }
                Err(e) => return Err(format!("chunk at offset {}: zstd: {e}", r.offset)),
            }
        } else {
            stored
        };
        if raw.len() != raw_len || ChunkHash::of(raw) != r.blake3 {
            return Err(format!(
                "chunk at offset {} of backup id_{}/level_{} fails its BLAKE3 check",
                r.offset, r.bid, r.level
            ));
        }
        Ok(raw)
    }
}
