//! Reading back what a pass wrote: the sampling plan (NIST SP 800-88 r1 §4.7
//! style), the assurance it buys, and the comparison of what is read with what
//! the pattern says must be there.
//!
//! The plan is a pure function of (size, unit, coverage, seed): the same seed
//! gives the same locations, so a later `mediasan verify --replay` reads exactly
//! the same places. See `docs/verification.md` for the statistics.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use crate::device::buf::AlignedBuf;
use crate::device::io::Medium;
use crate::model::progress::Progress;
use crate::model::report::{rate, PassVerification, SampleRecord};
use crate::pattern::Pattern;

/// Largest single read.
const CHUNK: u64 = 4 << 20;

pub use crate::model::sample::*;

/// How a sample is drawn: everything [`SamplePlan::new`] needs besides the size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleSpec {
    pub coverage_ppm: u32,
    pub seed: u64,
    pub unit: u64,
}

impl SampleSpec {
    /// The spec a medium gets by default: its direct-I/O alignment as the unit.
    pub fn for_medium(medium: &dyn Medium, coverage_ppm: u32, seed: u64) -> SampleSpec {
        SampleSpec {
            coverage_ppm,
            seed,
            unit: medium.direct_align().unwrap_or(4096),
        }
    }

    /// The spec recorded in a result, to replay it.
    pub fn from_record(r: &SampleRecord) -> Option<SampleSpec> {
        Some(SampleSpec {
            coverage_ppm: r.coverage_ppm,
            seed: u64::from_str_radix(&r.seed, 16).ok()?,
            unit: r.unit.is_power_of_two().then_some(r.unit)?,
        })
    }
}

/// Reads back one pass: at the locations of a sampling plan, or in full (`None`).
/// Returns the record and, for a sample, its plan.
pub fn verify_pass(
    medium: &mut dyn Medium,
    pattern: &Pattern,
    pass: u32,
    sample: Option<SampleSpec>,
    skip: &[Span],
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> (PassVerification, Option<SamplePlan>) {
    let size = medium.identity().size;
    let plan = sample.map(|s| SamplePlan::new(size, s.unit, s.coverage_ppm, s.seed));
    let full = vec![Span {
        offset: 0,
        length: size,
    }];
    // Regions known to be unwritten are listed in the result, not read back.
    let ranges = subtract(plan.as_ref().map_or(&full, |p| &p.ranges), skip);
    let ranges = &ranges[..];
    progress.verify_started(pass as usize, ranges.iter().map(|r| r.length).sum());
    let readback = read_back(medium, pattern, ranges, stop, progress);
    let record = PassVerification {
        pass,
        pattern: pattern.label(),
        scope: if plan.is_some() { "sample" } else { "full" }.into(),
        sample: plan.as_ref().map(|p| SampleRecord {
            seed: format!("{:016x}", p.seed),
            coverage_ppm: p.coverage_ppm,
            unit: p.unit,
            subsections: p.subsections,
            locations: p.locations.len() as u64,
            covered_ppm: p.covered_ppm(),
        }),
        matched: readback.matched(),
        readback,
    };
    progress.verify_finished(&record);
    (record, plan)
}

/// A fresh seed for a sampling plan, from the OS entropy.
pub fn fresh_seed() -> io::Result<u64> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(io::Error::from)?;
    Ok(u64::from_le_bytes(b))
}

use crate::budget::READERS;

/// What one chunk of a readback found.
#[derive(Default)]
struct Chunk {
    read: u64,
    mismatches: Readback,
}

impl Chunk {
    /// Counts `data`, read at `off`, as read and compares it with the pattern
    /// (`want` is scratch space for the expected bytes).
    fn compare(&mut self, pattern: &Pattern, off: u64, data: &[u8], want: &mut [u8]) {
        let expect = &mut want[..data.len()];
        pattern.fill(off, expect);
        if data != &expect[..] {
            compare(data, expect, off, &mut self.mismatches);
        }
        self.read += data.len() as u64;
    }
}

/// Reads `ranges` of `medium` and compares them with `pattern`. Reads are aligned,
/// at most 4 MiB, `O_DIRECT` where the medium has it, [`READERS`] at a time, each
/// reader taking the next chunk in ascending order.
pub fn read_back(
    medium: &dyn Medium,
    pattern: &Pattern,
    ranges: &[Span],
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> Readback {
    let t0 = Instant::now();
    let chunks: Vec<Span> = ranges
        .iter()
        .flat_map(|r| {
            (r.offset..r.end()).step_by(CHUNK as usize).map(move |o| Span {
                offset: o,
                length: (r.end() - o).min(CHUNK),
            })
        })
        .collect();
    let unit = medium.direct_align().unwrap_or(1).max(1);
    // What narrowing read errors down may spend in this readback, for all readers.
    let tries = crate::narrow::Tries::default();
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Chunk)> = Vec::with_capacity(chunks.len());
    let (tx, rx) = mpsc::channel::<(usize, Chunk)>();
    let work = |tx: mpsc::Sender<(usize, Chunk)>| {
        let mut buf = AlignedBuf::new((CHUNK + 2 * unit) as usize);
        let mut want = vec![0u8; CHUNK as usize];
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            if i >= chunks.len() || stop.load(Ordering::SeqCst) {
                return;
            }
            let c = check_chunk(medium, pattern, chunks[i], unit, &tries, &mut buf, &mut want);
            if tx.send((i, c)).is_err() {
                return;
            }
        }
    };
    // The process's readers (and their buffers) are shared by every wipe it runs.
    let grant = crate::budget::readers().take(READERS.min(chunks.len()));
    std::thread::scope(|s| {
        let mut started = 0;
        for _ in 0..grant.n() {
            let tx = tx.clone();
            let work = &work;
            if std::thread::Builder::new()
                .name("mediasan-read".into())
                .spawn_scoped(s, move || work(tx))
                .is_ok()
            {
                started += 1;
            }
        }
        if started == 0 {
            // No thread to be had (a pids limit): read on this one.
            work(tx.clone());
        }
        drop(tx);
        let mut done = 0;
        for (i, c) in rx {
            done += chunks[i].length;
            progress.advanced(done);
            results.push((i, c));
        }
    });
    results.sort_by_key(|(i, _)| *i);
    let mut out = Readback {
        interrupted: results.len() < chunks.len(),
        ..Readback::default()
    };
    for (_, c) in results {
        out.bytes_read += c.read;
        out.read_errors.extend(c.mismatches.read_errors);
        out.mismatched_bytes += c.mismatches.mismatched_bytes;
        for m in c.mismatches.mismatches {
            out.list(m.offset, m.length);
        }
    }
    out.milliseconds = t0.elapsed().as_millis() as u64;
    out.rate = rate(out.bytes_read, out.milliseconds);
    out
}

/// Reads one chunk and compares it: every mismatching byte counted, the first
/// [`MAX_LISTED`] ranges listed.
fn check_chunk(
    medium: &dyn Medium,
    pattern: &Pattern,
    c: Span,
    unit: u64,
    tries: &crate::narrow::Tries,
    buf: &mut AlignedBuf,
    want: &mut [u8],
) -> Chunk {
    let mut out = Chunk::default();
    let (off, n) = (c.offset, c.length);
    // O_DIRECT wants aligned offsets and lengths: read the aligned span around the
    // chunk and compare only the chunk. The tail of a file reads short at its end.
    let skip = off % unit;
    let ask = (skip + n).div_ceil(unit) * unit;
    let got = match read_full(medium, &mut buf.as_mut()[..ask as usize], off - skip) {
        Ok(got) if got as u64 >= skip + n => n,
        Ok(got) => {
            let got = (got as u64).saturating_sub(skip);
            out.mismatches.read_errors.push(IoFault {
                operation: "read".into(),
                offset: Some(off + got),
                length: n - got,
                error: "the target ended early".into(),
            });
            got
        }
        Err(e) if skip == 0 => {
            // Retry, then narrow the failure down by halves to the sector: what reads
            // is compared, what does not is recorded.
            salvage_read(medium, pattern, c, unit, tries, buf, want, e, &mut out);
            return out;
        }
        Err(e) => {
            out.mismatches.read_errors.push(IoFault {
                operation: "read".into(),
                offset: Some(off),
                length: n,
                error: e.to_string(),
            });
            0
        }
    };
    out.compare(
        pattern,
        off,
        &buf.as_ref()[skip as usize..(skip + got) as usize],
        want,
    );
    out
}

/// A chunk (starting aligned) whose read failed, narrowed down (`narrow`, the same
/// mechanism and limits as for writes): every part that reads is compared, every
/// sector that does not is listed.
#[allow(clippy::too_many_arguments)]
fn salvage_read(
    medium: &dyn Medium,
    pattern: &Pattern,
    c: Span,
    unit: u64,
    tries: &crate::narrow::Tries,
    buf: &mut AlignedBuf,
    want: &mut [u8],
    first: io::Error,
    out: &mut Chunk,
) {
    // Read errors as they are found, in any order; listed by offset at the end.
    let failed = std::cell::RefCell::new(Vec::<(u64, u64, String)>::new());
    let done = crate::narrow::narrow(
        c.offset,
        c.length,
        unit,
        tries,
        &first,
        |off, len| {
            let ask = len.div_ceil(unit) * unit;
            let got = (read_full(medium, &mut buf.as_mut()[..ask as usize], off)? as u64).min(len);
            out.compare(pattern, off, &buf.as_ref()[..got as usize], want);
            if got < len {
                let end = "the target ended early".to_string();
                failed.borrow_mut().push((off + got, len - got, end));
            }
            Ok(())
        },
        |off, len, error| failed.borrow_mut().push((off, len, error)),
    );
    let mut failed = failed.into_inner();
    if let Err(e) = done {
        // The device is gone: the chunk is one read error (what was read of it is
        // compared all the same).
        failed = vec![(c.offset, c.length, format!("the device is gone: {e}"))];
    }
    failed.sort_by_key(|f| f.0);
    for (off, len, error) in failed {
        match out.mismatches.read_errors.last_mut() {
            Some(prev) if prev.offset.map(|o| o + prev.length) == Some(off) && prev.error == error => {
                prev.length += len
            }
            _ => out.mismatches.read_errors.push(IoFault {
                operation: "read".into(),
                offset: Some(off),
                length: len,
                error,
            }),
        }
    }
}

/// One read, retried on EINTR. A regular file or a block device reads short only at
/// its end, and under `O_DIRECT` a second read from the unaligned point would fail,
/// so a short read is the end.
fn read_full(medium: &dyn Medium, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    loop {
        match medium.read_at(buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// Records every mismatching run of bytes.
fn compare(data: &[u8], expect: &[u8], base: u64, out: &mut Readback) {
    let mut i = 0;
    while i < data.len() {
        if data[i] == expect[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < data.len() && data[i] != expect[i] {
            i += 1;
        }
        out.mismatch(base + start as u64, (i - start) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatches_are_merged_and_listed_up_to_the_limit() {
        let mut r = Readback::default();
        compare(&[1, 0, 0, 1, 0], &[0, 0, 0, 0, 0], 100, &mut r);
        compare(&[1, 1], &[0, 1], 105, &mut r);
        assert_eq!(
            r.mismatches,
            vec![
                Span {
                    offset: 100,
                    length: 1
                },
                Span {
                    offset: 103,
                    length: 1
                },
                Span {
                    offset: 105,
                    length: 1
                }
            ]
        );
        assert_eq!(r.mismatched_bytes, 3);
        let mut many = Readback::default();
        for i in 0..500u64 {
            many.mismatch(i * 10, 1);
        }
        assert_eq!((many.mismatches.len(), many.mismatched_bytes), (MAX_LISTED, 500));
    }
}
