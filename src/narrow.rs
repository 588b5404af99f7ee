//! Narrowing a failed region down to the sectors that fail: one mechanism, with one
//! set of limits, for the writes of a pass and the reads of its readback.
//!
//! A region whose I/O failed is tried again [`RETRIES`] times; then it is cut in
//! halves (on sector boundaries), each half tried, the failing ones cut again, down
//! to one sector, which is given up (recorded, skipped). Bounded: at most
//! [`MAX_ATTEMPTS`] I/Os and [`MAX_TIME`] of narrowing per pass or readback; past
//! either, what is left is given up without more tries. A device that is gone
//! (ENODEV, ENXIO) ends the narrowing at once.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Tries of a failed region, whole, before it is cut in halves.
pub const RETRIES: u32 = 2;
/// I/Os one pass (or one readback) may spend narrowing, and the time.
pub const MAX_ATTEMPTS: u32 = 1 << 16;
pub const MAX_TIME: Duration = Duration::from_secs(300);

/// A device that is gone (unplugged, failed hard): nothing more can be done on it.
pub fn gone(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENODEV | libc::ENXIO))
}

/// What narrowing may still spend, shared by the threads of one pass or readback.
#[derive(Debug)]
pub struct Tries {
    left: AtomicU32,
    deadline: Instant,
}

impl Default for Tries {
    fn default() -> Tries {
        Tries::new(MAX_ATTEMPTS, MAX_TIME)
    }
}

impl Tries {
    pub fn new(attempts: u32, time: Duration) -> Tries {
        Tries {
            left: AtomicU32::new(attempts),
            deadline: Instant::now() + time,
        }
    }

    /// Takes one try, if any is left.
    pub fn take(&self) -> bool {
        Instant::now() <= self.deadline
            && self
                .left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
    }
}

/// Narrows the failed region `offset..offset + length` down. `attempt(off, len)`
/// does the I/O on a part (and, for a read, uses what it read); `give_up(off, len,
/// error)` records a part that failed for good. `first` is the error that started it.
/// `Err` only for a device that is gone; the parts not yet tried are then not given up
/// here: the caller says what a device that vanished leaves.
pub fn narrow(
    offset: u64,
    length: u64,
    unit: u64,
    tries: &Tries,
    first: &io::Error,
    mut attempt: impl FnMut(u64, u64) -> io::Result<()>,
    mut give_up: impl FnMut(u64, u64, String),
) -> io::Result<()> {
    let unit = unit.max(1);
    let mut last = first.to_string();
    for _ in 0..RETRIES {
        if !tries.take() {
            give_up(offset, length, last);
            return Ok(());
        }
        match attempt(offset, length) {
            Ok(()) => return Ok(()),
            Err(e) if gone(&e) => return Err(e),
            Err(e) => last = e.to_string(),
        }
    }
    // The whole failed every time: its halves, the first half first (a stack).
    let mut todo = Vec::new();
    split(offset, length, unit, &mut todo);
    while let Some((off, len)) = todo.pop() {
        if !tries.take() {
            give_up(off, len, last.clone());
            continue;
        }
        match attempt(off, len) {
            Ok(()) => {}
            Err(e) if gone(&e) => return Err(e),
            Err(e) if len > unit => {
                last = e.to_string();
                split(off, len, unit, &mut todo);
            }
            Err(e) => give_up(off, len, e.to_string()),
        }
    }
    Ok(())
}

/// Pushes the halves of a part longer than one unit (cut on a unit boundary), the
/// second first, so that the first is taken first; one unit is pushed whole.
fn split(off: u64, len: u64, unit: u64, todo: &mut Vec<(u64, u64)>) {
    if len <= unit {
        todo.push((off, len));
        return;
    }
    let half = ((len / 2).div_ceil(unit) * unit).min(len - 1);
    todo.push((off + half, len - half));
    todo.push((off, half));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A medium whose units in `bad` fail; returns what was given up and the I/Os.
    fn run(length: u64, unit: u64, bad: &[u64], tries: &Tries) -> (Vec<(u64, u64)>, u32) {
        let mut ios = 0;
        let mut lost = Vec::new();
        let fails = |off: u64, len: u64| bad.iter().any(|b| *b >= off && *b < off + len);
        narrow(
            0,
            length,
            unit,
            tries,
            &io::Error::other("first"),
            |off, len| {
                ios += 1;
                if fails(off, len) {
                    Err(io::Error::other("bad"))
                } else {
                    Ok(())
                }
            },
            |off, len, _| lost.push((off, len)),
        )
        .unwrap();
        (lost, ios)
    }

    #[test]
    fn failing_units_are_found_exactly() {
        let (lost, _) = run(64 * 512, 512, &[5 * 512, 40 * 512 + 7], &Tries::default());
        assert_eq!(lost, [(5 * 512, 512), (40 * 512, 512)]);
        let (lost, ios) = run(64 * 512, 512, &[], &Tries::default());
        assert!(lost.is_empty());
        assert_eq!(ios, 1, "a region that reads on the first retry is done");
    }

    #[test]
    fn the_limits_hold_and_what_is_left_is_given_up() {
        let (lost, ios) = run(
            1 << 20,
            512,
            &(0..2048).map(|i| i * 512).collect::<Vec<_>>(),
            &Tries::new(10, MAX_TIME),
        );
        assert_eq!(ios, 10);
        assert_eq!(
            lost.iter().map(|(_, l)| l).sum::<u64>(),
            1 << 20,
            "every byte given up once"
        );
    }

    #[test]
    fn a_gone_device_ends_it() {
        let r = narrow(
            0,
            4096,
            512,
            &Tries::default(),
            &io::Error::other("x"),
            |_, _| Err(io::Error::from_raw_os_error(libc::ENODEV)),
            |_, _, _| panic!("nothing is given up"),
        );
        assert!(r.is_err());
    }
}
