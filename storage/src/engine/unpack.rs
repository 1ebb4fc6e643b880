//! Decoding a stored chunk back to its raw bytes, checked: the one place restore and
//! verify agree on what a good chunk is.

use crate::archive::{ChunkHash, ChunkRef};
use crate::direct::{self, AlignedBuf};

/// A worker's decompression context and buffer, reused from chunk to chunk: a fresh 4 MiB
/// allocation per chunk costs page faults that a restore on every core would notice.
pub(crate) struct Unpacker {
    ctx: Option<zstd::bulk::Decompressor<'static>>,
    buf: AlignedBuf,
}

impl Unpacker {
    pub(crate) fn new() -> Self {
        Self {
            ctx: zstd::bulk::Decompressor::new().ok(),
            buf: AlignedBuf::default(),
        }
    }

    /// The raw bytes of chunk `r` from its `stored` form, after checking their length and
    /// BLAKE3; the error says what is wrong with the chunk.
    pub(crate) fn unpack<'a>(
        &'a mut self,
        r: &ChunkRef,
        stored: &'a [u8],
    ) -> Result<&'a [u8], String> {
        self.decode(r, stored, false)
    }

    /// Like [`unpack`](Self::unpack), for a direct write: the bytes start at an aligned
    /// address and are padded with zeros to a multiple of [`direct::ALIGN`].
    pub(crate) fn unpack_aligned<'a>(
        &'a mut self,
        r: &ChunkRef,
        stored: &'a [u8],
    ) -> Result<&'a [u8], String> {
        self.decode(r, stored, true)
    }

    fn decode<'a>(
        &'a mut self,
        r: &ChunkRef,
        stored: &'a [u8],
        aligned: bool,
    ) -> Result<&'a [u8], String> {
        let raw_len = usize::try_from(r.raw_len).unwrap_or(usize::MAX);
        let too_large = || format!("chunk at offset {} claims {raw_len} bytes", r.offset);
        let padded = if aligned {
            raw_len
                .checked_next_multiple_of(direct::ALIGN)
                .ok_or_else(too_large)?
        } else {
            raw_len
        };
        let out: &[u8] = if r.compressed {
            let ctx = self.ctx.as_mut().ok_or("no zstd decompression context")?;
            let region = self.buf.region(padded).ok_or_else(too_large)?;
            match ctx.decompress_to_buffer(stored, &mut region[..]) {
                Ok(n) if n == raw_len => {
                    region[raw_len..].fill(0);
                    region
                }
                Ok(n) => {
                    return Err(format!(
                        "chunk at offset {} decompressed to {n} bytes, expected {raw_len}",
                        r.offset
                    ));
                }
                Err(e) => return Err(format!("chunk at offset {}: zstd: {e}", r.offset)),
            }
        } else if stored.len() != raw_len {
            return Err(format!(
                "chunk at offset {} is {} bytes stored raw, expected {raw_len}",
                r.offset,
                stored.len()
            ));
        } else if aligned {
            let region = self.buf.region(padded).ok_or_else(too_large)?;
            region[..raw_len].copy_from_slice(stored);
            region[raw_len..].fill(0);
            region
        } else {
            stored
        };
        if ChunkHash::of(&out[..raw_len]) != r.blake3 {
            return Err(format!(
                "chunk at offset {} of backup id_{}/level_{} fails its BLAKE3 check",
                r.offset, r.bid, r.level
            ));
        }
        Ok(out)
    }
}
