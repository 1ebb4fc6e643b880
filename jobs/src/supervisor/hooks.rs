//! Engine hooks per operation. The daemon may be given an [`OperationHooks`]; the
//! supervisor asks it once for every backup or restore it starts, so a test can hold the
//! second backup of one database at a named point while everything else runs freely.
//! Without one (production), operations get no hooks and the engine calls nothing.

use std::fmt;
use std::sync::Arc;

use confd_storage::engine::EngineHooks;
use confd_storage::records::OperationRecord;
use tokio_util::sync::CancellationToken;

/// Chooses the engine hooks of each operation the supervisor starts.
pub trait OperationHooks: Send + Sync {
    /// The hooks for `op` (recorded as running, not started yet), or `None`. Called under
    /// the supervisor's lock, so it must answer at once. `cancel` is the operation's
    /// token (abort and shutdown cancel it; a hook may too): a hook that blocks must
    /// return once it is cancelled, or the abort waits for it.
    fn hooks_for(
        &self,
        op: &OperationRecord,
        cancel: &CancellationToken,
    ) -> Option<Arc<dyn EngineHooks>>;
}

// Lets configuration structs that hold hooks keep `#[derive(Debug)]`.
impl fmt::Debug for dyn OperationHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OperationHooks")
    }
}
