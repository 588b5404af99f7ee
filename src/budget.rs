//! Threads budgeted across every wipe of the process: N jobs at once share the
//! machine's cores for generating the random stream and one set of readback
//! buffers, never N × cores generator threads or N × 8 readers.
//!
//! A grant never waits: it gets what is free, and at least one, so that every job
//! makes progress (N jobs start at most the budget plus N threads).

use std::sync::{Mutex, OnceLock};

/// A number of threads shared by the whole process.
#[derive(Debug)]
pub struct Budget {
    total: usize,
    used: Mutex<usize>,
}

/// Threads taken from a budget, given back when dropped.
#[derive(Debug)]
pub struct Grant<'a> {
    budget: &'a Budget,
    n: usize,
}

impl Budget {
    pub fn new(total: usize) -> Budget {
        Budget {
            total: total.max(1),
            used: Mutex::new(0),
        }
    }

    /// Up to `want` threads: what is free, and at least one.
    pub fn take(&self, want: usize) -> Grant<'_> {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let n = want.min(self.total.saturating_sub(*used)).max(1);
        *used += n;
        Grant { budget: self, n }
    }

    pub fn total(&self) -> usize {
        self.total
    }
}

impl Grant<'_> {
    pub fn n(&self) -> usize {
        self.n
    }
}

impl Drop for Grant<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(self.n);
    }
}

/// Most generator threads used by default, and most random blocks in flight:
/// memory stays a few blocks per drive (64 MiB at most) whatever the machine.
pub const MAX_THREADS: usize = 8;

/// Reads in flight at once during a readback: devices (and loop devices with direct
/// I/O) answer several requests far faster than one at a time.
pub const READERS: usize = 8;

/// The random stream's generator threads: one per core, at most [`MAX_THREADS`], for
/// all jobs together.
pub fn generators() -> &'static Budget {
    static B: OnceLock<Budget> = OnceLock::new();
    B.get_or_init(|| {
        Budget::new(std::thread::available_parallelism().map_or(2, |n| n.get().min(MAX_THREADS)))
    })
}

/// Readback threads, each with its buffer: [`READERS`] for all jobs.
pub fn readers() -> &'static Budget {
    static B: OnceLock<Budget> = OnceLock::new();
    B.get_or_init(|| Budget::new(READERS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_share_the_budget_and_give_it_back() {
        let b = Budget::new(4);
        let a = b.take(3);
        assert_eq!(a.n(), 3);
        let c = b.take(3);
        assert_eq!(c.n(), 1, "only one is left");
        let d = b.take(3);
        assert_eq!(d.n(), 1, "at least one, so every job goes on");
        drop((a, c, d));
        assert_eq!(b.take(8).n(), 4, "all given back");
    }
}
