//! The kernel's random number generator, waited for with a bound and in sight.
//!
//! A wipe draws from it: the random passes' keys, the sampled verification's seed, the
//! markers' token of a firmware erase, a security erase's temporary password. Until the
//! kernel has seeded it (a fresh virtual machine without a CPU random source can take a
//! minute or more), a draw blocks: `getrandom(2)` sleeps, and a static build's `getrandom`
//! crate polls `/dev/random` with no timeout and starts again after every signal. So a wipe
//! asks first, without blocking, and waits here: shown every few seconds, stopped by the
//! caller's flag, given up after a limit.

#![allow(unsafe_code)]

use std::io;
use std::time::{Duration, Instant};

/// How long a wipe waits for the kernel's generator before it gives up.
pub const LIMIT: Duration = Duration::from_secs(600);
/// How often a wait is shown.
pub const EVERY: Duration = Duration::from_secs(2);
/// How often a wait looks at the generator and at the stop flag.
const NAP: Duration = Duration::from_millis(100);

/// Why the generator could not be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unseeded {
    /// The caller's stop flag was raised (SIGINT, SIGTERM).
    Stopped,
    /// Still unseeded after this long.
    TimedOut(Duration),
}

/// Whether a draw from the kernel's generator would return at once: `getrandom(2)` with
/// `GRND_NONBLOCK` says so, and `/dev/random` is readable (what the `getrandom` crate waits
/// for when it cannot call the function: a static build). Never blocks.
pub fn seeded() -> bool {
    let mut b = [0u8; 1];
    loop {
        // SAFETY: one byte into a buffer of one byte.
        let r = unsafe { libc::getrandom(b.as_mut_ptr().cast(), 1, libc::GRND_NONBLOCK) };
        if r >= 0 {
            break;
        }
        match io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => return false,
            // No such system call (or forbidden): /dev/random alone tells.
            _ => break,
        }
    }
    random_readable()
}

fn random_readable() -> bool {
    use std::os::fd::AsRawFd;
    let Ok(f) = std::fs::File::open("/dev/random") else {
        return true; // nothing to wait on: the draw says what it says
    };
    let mut p = libc::pollfd {
        fd: f.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd, timeout 0: returns at once.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n != 0
}

/// Fills `buf` from the kernel's generator without ever blocking: `WouldBlock` while it
/// is not seeded ([`wait`] first).
pub fn fill(buf: &mut [u8]) -> io::Result<()> {
    if !seeded() {
        return Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            "the kernel's random number generator is not seeded yet",
        ));
    }
    getrandom::fill(buf).map_err(io::Error::other)
}

/// Waits until the kernel's generator is seeded: at once when it is. `waiting` is told the
/// time waited every [`EVERY`]; `stop` is looked at ten times a second. While it waits, a
/// thread of its own blocks in `getrandom(2)`: the kernel then gathers entropy from the
/// jitter of its timer for it (what it does for any blocking caller, and not for one
/// that only asks, as a non-blocking call or a poll of /dev/random does), which seeds
/// it within seconds where interrupts alone take minutes.
pub fn wait(stop: &dyn Fn() -> bool, waiting: &mut dyn FnMut(Duration)) -> Result<(), Unseeded> {
    let mut asked = false;
    let probe = || {
        let now = seeded();
        if !now && !asked {
            asked = true;
            seed_in_background();
        }
        now
    };
    wait_with(probe, std::thread::sleep, LIMIT, EVERY, stop, waiting)
}

/// One thread per process, blocked in `getrandom(2)` until the kernel is seeded (it ends
/// then, or with the process).
fn seed_in_background() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("mediasan-entropy".into())
        .spawn(|| {
            let mut b = [0u8; 1];
            loop {
                // SAFETY: one byte into a buffer of one byte.
                let r = unsafe { libc::getrandom(b.as_mut_ptr().cast(), 1, 0) };
                if r >= 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    break;
                }
            }
        });
}

/// [`wait`] with its probe, its clock's naps and its limits given (for tests).
pub fn wait_with(
    mut seeded: impl FnMut() -> bool,
    mut nap: impl FnMut(Duration),
    limit: Duration,
    every: Duration,
    stop: &dyn Fn() -> bool,
    waiting: &mut dyn FnMut(Duration),
) -> Result<(), Unseeded> {
    let started = Instant::now();
    // Time as the naps count it, so that a test's naps need not sleep.
    let mut waited = Duration::ZERO;
    let mut shown = Duration::ZERO;
    loop {
        if seeded() {
            return Ok(());
        }
        if stop() {
            return Err(Unseeded::Stopped);
        }
        let elapsed = waited.max(started.elapsed());
        if elapsed >= limit {
            return Err(Unseeded::TimedOut(elapsed));
        }
        if elapsed >= shown {
            waiting(elapsed);
            shown = elapsed + every;
        }
        nap(NAP);
        waited += NAP;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_seeded_generator_is_not_waited_for() {
        let mut shown = 0;
        let r = wait_with(
            || true,
            |_| panic!("no nap"),
            LIMIT,
            EVERY,
            &|| false,
            &mut |_| shown += 1,
        );
        assert_eq!((r, shown), (Ok(()), 0));
    }

    #[test]
    fn a_wait_is_shown_every_few_seconds_until_the_generator_is_seeded() {
        // Seeded after 7 s of naps: shown at 0, 2, 4 and 6 s.
        let probes = Cell::new(0);
        let mut shown = Vec::new();
        let r = wait_with(
            || {
                probes.set(probes.get() + 1);
                probes.get() > 70
            },
            |_| {},
            LIMIT,
            EVERY,
            &|| false,
            &mut |d| shown.push(d.as_secs()),
        );
        assert_eq!(r, Ok(()));
        assert_eq!(shown, [0, 2, 4, 6]);
    }

    #[test]
    fn a_stop_ends_the_wait_and_so_does_the_limit() {
        let naps = Cell::new(0);
        let r = wait_with(
            || false,
            |_| naps.set(naps.get() + 1),
            LIMIT,
            EVERY,
            &|| naps.get() == 5,
            &mut |_| {},
        );
        assert_eq!((r, naps.get()), (Err(Unseeded::Stopped), 5));
        let r = wait_with(
            || false,
            |_| {},
            Duration::from_secs(3),
            EVERY,
            &|| false,
            &mut |_| {},
        );
        assert!(
            matches!(r, Err(Unseeded::TimedOut(d)) if d >= Duration::from_secs(3)),
            "{r:?}"
        );
    }

    #[test]
    fn this_machines_generator_answers_without_blocking() {
        // Seeded on any machine that runs the tests for long; what matters is that
        // asking returns, and that a draw after it does.
        if seeded() {
            let mut b = [0u8; 16];
            fill(&mut b).unwrap();
        }
    }
}
