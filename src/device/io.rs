//! What a pass writes to and a readback reads from: an opened target, or a
//! fault-injecting stand-in in tests.

use std::io;

use crate::model::identity::Identity;
use crate::model::report::CacheReport;

/// What the engine writes to and verify reads back: an opened target, or a
/// fault-injecting stand-in in tests.
/// `Sync`, because readbacks read from several threads at once.
pub trait Medium: Sync {
    fn identity(&self) -> &Identity;
    /// Alignment of `O_DIRECT` writes; `None` when written through the page cache.
    fn direct_align(&self) -> Option<u64>;
    fn set_direct(&mut self, on: bool) -> io::Result<()>;
    /// Gives up `O_DIRECT` for the rest of the wipe.
    fn drop_direct(&mut self) -> io::Result<()>;
    fn write_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()>;
    fn sync(&mut self) -> io::Result<()>;
    /// The size now (fstat or BLKGETSIZE64), to notice a target that changed under the wipe.
    fn current_size(&self) -> io::Result<u64>;
    /// Reads at `offset` (aligned, when the medium reads with `O_DIRECT`).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    /// Gets the medium ready to be read back past the host's caches, and says what
    /// could and could not be bypassed.
    fn prepare_readback(&mut self) -> CacheReport;
}
