//! The writing end of a node's write phase: new chunks, gathered into writes of up to one
//! chunk, go through a short queue to the data object's writer, which runs beside the
//! pump. A write that waits for the disk (or, on S3, for a part upload) then holds only
//! the queue, not the pump, so the workers keep going.

use bytes::Bytes;
use tokio::sync::mpsc;

use super::error::{EngineError, EngineResult};
use crate::buf_pool::{BufPool, Pooled};
use crate::volume::{ObjectWriter, VolumeResult};

/// New chunks smaller than this are copied together into writes of up to one chunk: a small
/// file's chunk is a few KiB, and every write is a hop to a blocking thread (local) or a
/// buffer append (S3). Larger ones are written as they are.
const GATHER_BELOW: usize = 1 << 20;

/// Writes waiting for the writer, each up to one chunk.
const QUEUED_WRITES: usize = 4;

/// The pump's side: where chunks go, in data object order.
pub(crate) struct Gather {
    queue: mpsc::Sender<Bytes>,
    pool: BufPool,
    pending: Option<Pooled>,
    /// Bytes handed to the queue or pending: where the next chunk starts.
    offset: u64,
}

/// A gatherer for a new (empty) data object, and the queue its writer drains.
pub(crate) fn gather(pool: BufPool) -> (Gather, mpsc::Receiver<Bytes>) {
    let (queue, rx) = mpsc::channel(QUEUED_WRITES);
    let g = Gather {
        queue,
        pool,
        pending: None,
        offset: 0,
    };
    (g, rx)
}

/// Writes everything queued, in order, until the gatherer is gone.
pub(crate) async fn write_queued(
    writer: &mut dyn ObjectWriter,
    mut queue: mpsc::Receiver<Bytes>,
) -> VolumeResult<()> {
    while let Some(data) = queue.recv().await {
        writer.write(data).await?;
    }
    Ok(())
}

impl Gather {
    /// Where the next chunk will start in the data object.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    pub(crate) async fn push(&mut self, stored: Bytes) -> EngineResult<()> {
        self.offset += stored.len() as u64;
        if stored.len() >= GATHER_BELOW {
            self.flush().await?;
            return self.send(stored).await;
        }
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.spare() < stored.len())
        {
            self.flush().await?;
        }
        self.pending
            .get_or_insert_with(|| self.pool.get(0))
            .push(&stored);
        Ok(())
    }

    /// Hands the pending small chunks to the writer.
    pub(crate) async fn flush(&mut self) -> EngineResult<()> {
        match self.pending.take() {
            Some(p) if p.len() > 0 => self.send(p.into_bytes()).await,
            _ => Ok(()),
        }
    }

    async fn send(&self, data: Bytes) -> EngineResult<()> {
        // The writer only stops early on a failed write; that error is the one reported.
        self.queue
            .send(data)
            .await
            .map_err(|_| EngineError::Internal("the data object writer stopped".into()))
    }
}
