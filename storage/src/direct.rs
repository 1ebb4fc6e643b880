//! Writes that bypass the page cache (`O_DIRECT`): the large files of a restore and the
//! data objects of a backup on a local volume.
//!
//! A buffered write first allocates a page-cache page for every 4 KiB it copies. On a
//! virtual machine whose free memory goes back to the host (virtio-balloon free page
//! reporting, as on Firecracker and most clouds), each such page costs a host fault: the
//! bench measured 0.3 s to 10 s of system time per GiB for `dd` of the same 1 GiB, and
//! `O_DIRECT` 0.16-0.23 s. Neither a restore's output nor a data object is read again
//! soon, so keeping them in the cache is of no use either.
//!
//! `O_DIRECT` needs the buffer's address, the file offset and the length aligned to the
//! device's logical block. [`ALIGN`] (4 KiB) satisfies every common device. A file's last
//! block is written padded with zeros and the file cut to its size afterwards. File
//! systems without direct I/O refuse the flag, and a device that wants a larger
//! alignment refuses the write (`EINVAL`, [`write_padded_at`]); the file is then written
//! through the page cache as before.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use rustix::fs::OFlags;

/// Alignment of buffers, offsets and lengths of direct writes.
pub(crate) const ALIGN: usize = 4096;

/// Files smaller than this are written through the page cache: a direct write waits for
/// the device, which costs more than the cache for a few KiB.
pub(crate) const MIN_FILE: u64 = 1 << 20;

/// Turns on `O_DIRECT` for `file`; false where its file system does not offer it.
pub(crate) fn enable(file: &File) -> bool {
    set(file, true).is_ok()
}

/// Writes `padded` at `offset` of `file`, opened direct: its first `len` bytes are data,
/// the rest zero padding up to the alignment. A device that wants more than [`ALIGN`]
/// refuses the write (`EINVAL`, rather than a real I/O error): `O_DIRECT` is then turned
/// off for `file` and the `len` bytes go through the page cache. Returns whether `file`
/// is still direct.
pub(crate) fn write_padded_at(
    file: &File,
    padded: &[u8],
    len: usize,
    offset: u64,
) -> io::Result<bool> {
    match file.write_all_at(padded, offset) {
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) => {
            set(file, false)?;
            file.write_all_at(&padded[..len.min(padded.len())], offset)?;
            Ok(false)
        }
        other => other.map(|()| true),
    }
}

fn set(file: &File, on: bool) -> io::Result<()> {
    let flags = rustix::fs::fcntl_getfl(file)?;
    let flags = if on {
        flags | OFlags::DIRECT
    } else {
        flags - OFlags::DIRECT
    };
    rustix::fs::fcntl_setfl(file, flags).map_err(io::Error::from)
}

/// A byte buffer whose contents start at an [`ALIGN`]ed address, grown as needed and
/// reused: a worker's buffer for direct writes. Alignment comes from over-allocating, so
/// no `unsafe` allocation is needed.
#[derive(Default)]
pub(crate) struct AlignedBuf {
    bytes: Vec<u8>,
}

impl AlignedBuf {
    /// The first `len` bytes of the aligned region (contents unspecified, never
    /// uninitialised); `None` if that much memory cannot be had (a damaged manifest may
    /// claim any length).
    pub(crate) fn region(&mut self, len: usize) -> Option<&mut [u8]> {
        let needed = len.checked_add(ALIGN)?;
        if self.bytes.len() < needed {
            // Growing moves the allocation, so the offset is taken afterwards.
            let mut bytes = Vec::new();
            bytes.try_reserve_exact(needed).ok()?;
            bytes.resize(needed, 0);
            self.bytes = bytes;
        }
        let start = self.bytes.as_ptr().align_offset(ALIGN);
        self.bytes.get_mut(start..start + len)
    }
}

/// Bytes gathered for a direct append: whole buffers go out, the rest waits.
const STAGE: usize = 4 << 20;

/// Writes a file front to back, directly where its file system allows: bytes are staged
/// in an aligned buffer and written a whole buffer at a time, the last one padded and the
/// file cut to its length in [`finish`](Self::finish). Where direct writes are refused,
/// every append goes through the page cache instead. Writes are positional, so switching
/// mid-file needs no seek.
pub(crate) struct Appender {
    direct: bool,
    /// Padding of the last write: [`ALIGN`], except in the test of a refused write.
    align: usize,
    stage: AlignedBuf,
    staged: usize,
    /// File offset of the first staged byte: everything before it is written.
    at: u64,
}

impl Appender {
    /// An appender for the empty `file`, direct if its file system offers it.
    pub(crate) fn new(file: &File) -> Self {
        Self {
            direct: enable(file),
            align: ALIGN,
            stage: AlignedBuf::default(),
            staged: 0,
            at: 0,
        }
    }

    pub(crate) fn append(&mut self, file: &File, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            if !self.direct {
                file.write_all_at(data, self.at)?;
                self.at += data.len() as u64;
                return Ok(());
            }
            let stage = self.stage.region(STAGE).ok_or_else(no_memory)?;
            let n = data.len().min(STAGE - self.staged);
            stage[self.staged..self.staged + n].copy_from_slice(&data[..n]);
            self.staged += n;
            data = &data[n..];
            if self.staged == STAGE {
                self.flush(file, STAGE)?;
            }
        }
        Ok(())
    }

    /// Writes what is staged, padded, and cuts the file to the bytes appended.
    pub(crate) fn finish(&mut self, file: &File) -> io::Result<()> {
        if self.staged == 0 {
            return Ok(());
        }
        let len = self.staged;
        let padded = len.next_multiple_of(self.align);
        let stage = self.stage.region(padded).ok_or_else(no_memory)?;
        stage[len..].fill(0);
        let end = self.at + len as u64;
        self.flush(file, padded)?;
        if self.direct {
            file.set_len(end)?;
        }
        Ok(())
    }

    /// Writes the first `len` bytes of the stage (a multiple of the alignment: the staged
    /// bytes and their padding), through the page cache if the device refuses.
    fn flush(&mut self, file: &File, len: usize) -> io::Result<()> {
        let staged = self.staged;
        let stage = self.stage.region(len).ok_or_else(no_memory)?;
        self.direct = write_padded_at(file, stage, staged, self.at)?;
        self.at += staged as u64;
        self.staged = 0;
        Ok(())
    }
}

fn no_memory() -> io::Error {
    io::Error::new(io::ErrorKind::OutOfMemory, "no memory for a write buffer")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append_all(appender: &mut Appender, file: &File, pieces: &[&[u8]]) {
        for piece in pieces {
            appender.append(file, piece).expect("append");
        }
        appender.finish(file).expect("finish");
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn appended_bytes_are_the_file_exactly_whatever_the_sizes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sizes: &[&[usize]] = &[
            &[],
            &[1],
            &[ALIGN - 1],
            &[ALIGN],
            &[STAGE - 1, 2],
            &[STAGE],
            &[STAGE + 1],
            &[3, STAGE, 7, 2 * STAGE + ALIGN + 5],
        ];
        for (n, pieces) in sizes.iter().enumerate() {
            let data: Vec<Vec<u8>> = pieces
                .iter()
                .enumerate()
                .map(|(i, &len)| pattern(len, i as u8))
                .collect();
            let path = dir.path().join(format!("f{n}"));
            let file = File::create_new(&path).expect("create");
            let mut appender = Appender::new(&file);
            // The tests' directory is on ext4 or tmpfs: both take direct writes.
            assert!(appender.direct, "{} refuses O_DIRECT", path.display());
            let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
            append_all(&mut appender, &file, &refs);
            assert_eq!(
                std::fs::read(&path).expect("read"),
                data.concat(),
                "{pieces:?}"
            );
        }
    }

    #[test]
    fn a_refused_direct_write_goes_through_the_page_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        let file = File::create_new(&path).expect("create");
        // No padding: the last write is as unaligned as a device with larger blocks than
        // ALIGN would find ours.
        let mut appender = Appender {
            align: 1,
            ..Appender::new(&file)
        };
        let data = [pattern(STAGE, 1), pattern(1001, 2)];
        append_all(&mut appender, &file, &[&data[0], &data[1]]);
        assert!(!appender.direct, "the unaligned write was refused");
        assert_eq!(std::fs::read(&path).expect("read"), data.concat());
    }

    #[test]
    fn regions_are_aligned_and_as_long_as_asked() {
        let mut buf = AlignedBuf::default();
        for len in [1, ALIGN, 3 * ALIGN + 5, 4 << 20, 100] {
            let region = buf.region(len).expect("a small region");
            assert_eq!(region.len(), len);
            assert_eq!(region.as_ptr() as usize % ALIGN, 0);
        }
        assert!(buf.region(usize::MAX - 1).is_none());
    }
}
