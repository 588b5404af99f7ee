//! The write pipeline: every pass over every byte of the target, in large
//! aligned blocks, with the random stream generated ahead of the writer on all
//! cores, `fdatasync` at the end of each pass, and a stop flag checked between
//! blocks.

use std::collections::BTreeMap;
use std::io;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Instant;

use chrono::Utc;

pub use crate::device::buf::AlignedBuf;
pub use crate::device::io::Medium;
use crate::medium::{Identity, Target};
pub use crate::model::progress::{Progress, Silent};
pub use crate::model::report::CacheReport;
use crate::model::report::{
    rate, IoFault, IoRecord, MethodRecord, Outcome, PassReport, RandomRecord, Tool, WipeReport, FORMAT,
};
use crate::model::report::{Verification, VerifyMode, VerifyResult};
use crate::pattern::{Pattern, RandomStream, STREAM_CONSTRUCTION, STREAM_CRATE};
use crate::verify::{self, Span};

/// Default size of one write.
pub const DEFAULT_BLOCK: usize = 4 << 20;

/// How often a pass syncs and reports a checkpoint.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Where a resumed wipe starts: the pass, the synced offset in it, what it could not
/// write so far, and the reports of the passes already done.
#[derive(Clone, Debug, Default)]
pub struct Resume {
    /// 0-based pass index.
    pub pass: usize,
    pub offset: u64,
    pub unwritten: Vec<Span>,
    pub done: Vec<PassReport>,
}

use crate::narrow::{self, gone};

/// Most random blocks in flight: memory stays a few blocks per drive whatever the machine.
const MAX_IN_FLIGHT: usize = 16;
use crate::budget::MAX_THREADS;

impl Medium for Target {
    fn identity(&self) -> &Identity {
        &self.identity
    }
    fn direct_align(&self) -> Option<u64> {
        Target::direct_align(self)
    }
    fn set_direct(&mut self, on: bool) -> io::Result<()> {
        Target::set_direct(self, on)
    }
    fn drop_direct(&mut self) -> io::Result<()> {
        Target::drop_direct(self)
    }
    fn write_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        Target::write_at(self, buf, offset)
    }
    fn sync(&mut self) -> io::Result<()> {
        Target::sync(self)
    }
    fn current_size(&self) -> io::Result<u64> {
        Target::current_size(self)
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        Target::read_at(self, buf, offset)
    }
    fn prepare_readback(&mut self) -> CacheReport {
        Target::prepare_readback(self)
    }
}

/// What to read back after writing.
#[derive(Clone, Copy, Debug)]
pub struct VerifySpec {
    pub mode: VerifyMode,
    /// The least share a sample reads, parts per million.
    pub coverage_ppm: u32,
    /// The seed of the sampling plan.
    pub seed: u64,
    /// A pass (0-based) read back besides the last, as `mode` reads the last: the
    /// method's standard requires it verified even when passes follow (`--blank`).
    pub required: Option<usize>,
}

impl Default for VerifySpec {
    fn default() -> VerifySpec {
        VerifySpec {
            mode: VerifyMode::None,
            coverage_ppm: 100_000,
            seed: 0,
            required: None,
        }
    }
}

/// Tuning of the pipeline, and the verification to run.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub block_size: usize,
    /// Threads generating random blocks; the writer is the calling thread.
    pub threads: usize,
    pub verify: VerifySpec,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            block_size: DEFAULT_BLOCK,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get().min(MAX_THREADS)),
            verify: VerifySpec::default(),
        }
    }
}

/// Wipes `medium` with `patterns` in order and reports what happened.
///
/// `stop` is checked before every block: once set, the current pass ends after the
/// block in flight, is synced, and the outcome is `interrupted`.
pub fn wipe(
    medium: &mut dyn Medium,
    method: MethodRecord,
    patterns: &[Pattern],
    opts: Options,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> WipeReport {
    resume(medium, method, patterns, opts, None, stop, progress)
}

/// Like [`wipe`], continuing from a checkpoint: the passes before `from.pass` are
/// taken as done, that pass starts at `from.offset`.
#[allow(clippy::too_many_arguments)]
pub fn resume(
    medium: &mut dyn Medium,
    method: MethodRecord,
    patterns: &[Pattern],
    opts: Options,
    from: Option<Resume>,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> WipeReport {
    let started = Utc::now();
    let mut passes = from.as_ref().map(|r| r.done.clone()).unwrap_or_default();
    // A wipe without passes sanitises nothing.
    let mut outcome = if patterns.is_empty() {
        Outcome::Failed
    } else {
        Outcome::Sanitised
    };
    let mut verification = Verification {
        mode: opts.verify.mode,
        result: VerifyResult::NotRun,
        cache: None,
        passes: Vec::new(),
        assurance: None,
    };
    let mut last_plan = None;
    let first = from.as_ref().map_or(0, |r| r.pass);
    let mut unreadable = false;
    for (i, pattern) in patterns.iter().enumerate().skip(first) {
        if stop.load(Ordering::SeqCst) {
            outcome = Outcome::Interrupted;
            break;
        }
        let size = medium.identity().size;
        progress.pass_started(i + 1, patterns.len(), &pattern.label(), size);
        let here = from.as_ref().filter(|r| r.pass == i);
        let pass = run_pass(medium, pattern, i, opts, here, stop, progress);
        progress.pass_finished(&pass);
        let failed = !pass.errors.is_empty();
        let completed = pass.completed;
        passes.push(pass);
        if failed {
            outcome = Outcome::Failed;
            break;
        }
        if !completed {
            outcome = Outcome::Interrupted;
            break;
        }
        // The last pass is read back as asked, and so is a pass the method's standard
        // requires verified, although passes follow it.
        let read = i + 1 == patterns.len() || opts.verify.required == Some(i);
        let sample = match opts.verify.mode {
            VerifyMode::All => None,
            VerifyMode::Last if read => None,
            VerifyMode::Sample if read => Some(verify::SampleSpec::for_medium(
                medium,
                opts.verify.coverage_ppm,
                opts.verify.seed,
            )),
            _ => continue,
        };
        // The report of the latest readback: a later pass may have given up O_DIRECT.
        verification.cache = Some(medium.prepare_readback());
        // Regions this pass could not write are known and listed; the readback checks
        // the rest.
        let skip = passes
            .last()
            .map(|p: &PassReport| p.unwritten.clone())
            .unwrap_or_default();
        let (pv, plan) = verify::verify_pass(medium, pattern, i as u32 + 1, sample, &skip, stop, progress);
        last_plan = plan;
        let (matched, interrupted) = (pv.matched, pv.readback.interrupted);
        let mismatched = pv.readback.mismatched_bytes > 0;
        verification.passes.push(pv);
        if !matched && !interrupted && !mismatched {
            // Sectors that could not be read back: recorded, and the wipe goes on; it
            // cannot end better than incomplete.
            unreadable = true;
            continue;
        }
        if !matched {
            outcome = if interrupted {
                Outcome::Interrupted
            } else {
                Outcome::Failed
            };
            break;
        }
    }
    // A wipe that wrote nothing of a medium that holds something sanitised nothing,
    // whatever a checkpoint said was written before.
    let prior = from.as_ref().map_or(0, |r| r.done.len());
    let resumed_at = from.as_ref().map_or(0, |r| r.offset);
    let wrote: u64 = passes[prior.min(passes.len())..].iter().map(|p| p.bytes).sum();
    if outcome == Outcome::Sanitised && medium.identity().size > 0 && wrote <= resumed_at {
        outcome = Outcome::Failed;
    }
    let unwritten = verify::merge(passes.iter().flat_map(|p| p.unwritten.iter().copied()).collect());
    let all_written =
        passes.len() == patterns.len() && passes.iter().all(|p| p.completed) && unwritten.is_empty();
    // Some regions could not be written: the medium must be destroyed physically.
    if outcome == Outcome::Sanitised && (!unwritten.is_empty() || unreadable) {
        outcome = Outcome::Incomplete;
    }
    let verification = Verification::decide(
        verification.mode,
        verification.cache,
        verification.passes,
        last_plan.as_ref(),
        all_written,
    );
    let direct_align = medium.direct_align();
    WipeReport {
        format: FORMAT.into(),
        tool: Tool::this(),
        target: medium.identity().clone(),
        method,
        io: IoRecord {
            direct: direct_align.is_some(),
            alignment: direct_align,
            block_size: opts.block_size as u64,
            generator_threads: opts.threads as u32,
            sync: "fdatasync after each pass".into(),
        },
        bytes_written: passes.iter().map(|p| p.bytes).sum(),
        passes,
        outcome,
        verification,
        unwritten,
        resumed: Vec::new(),
        register: None,
        firmware: None,
        started,
        finished: Utc::now(),
    }
}

fn run_pass(
    medium: &mut dyn Medium,
    pattern: &Pattern,
    index: usize,
    opts: Options,
    from: Option<&Resume>,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> PassReport {
    let size = medium.identity().size;
    let t0 = Instant::now();
    let mut st = PassState {
        errors: Vec::new(),
        written: from.map_or(0, |r| r.offset.min(size)),
        unwritten: from.map(|r| r.unwritten.clone()).unwrap_or_default(),
        pass: index + 1,
        last_sync: Instant::now(),
        first_write_error: None,
        sector: medium.identity().logical_sector.map_or(4096, u64::from).max(512),
        tries: narrow::Tries::default(),
        interrupted: false,
        stop,
        progress,
    };

    // The aligned body goes through O_DIRECT in large blocks; a file's unaligned
    // tail is written through the page cache afterwards.
    let (unit, body_end) = match medium.direct_align() {
        Some(a) => (a.max(4096), size / a * a),
        None => (4096, size),
    };
    let block = block_len(opts.block_size as u64, unit, pattern.period());
    let flow = match medium.set_direct(true) {
        Ok(()) => for_each_block(
            medium,
            pattern,
            st.written.min(body_end),
            body_end,
            block,
            opts.threads,
            &mut |m, o, d| st.write(m, o, d),
        )
        .unwrap_or_else(|e| st.fault("write", Some(st.written), size - st.written, e)),
        Err(e) => st.fault("write", Some(0), size, format!("cannot enable O_DIRECT: {e}")),
    };
    let tail = size - st.written;
    if flow.is_continue() && tail >= unit {
        // Only a short unaligned tail may be left after the body.
        let _ = st.fault(
            "write",
            Some(st.written),
            tail,
            "internal error: the body stopped short".into(),
        );
    } else if flow.is_continue() && tail > 0 {
        let tail_start = st.written;
        let mut buf = vec![0u8; tail as usize];
        pattern.fill(tail_start, &mut buf);
        let _ = match medium.set_direct(false) {
            Ok(()) => st.write(medium, tail_start, &buf),
            Err(e) => st.fault(
                "write",
                Some(tail_start),
                tail,
                format!("cannot leave O_DIRECT for the unaligned tail: {e}"),
            ),
        };
    }
    // Sync whatever was written, also when interrupted: the result vouches only for
    // synced bytes, and a checkpoint is written only after its data is synced.
    match medium.sync() {
        Ok(()) => progress.synced(index + 1, st.written, &st.unwritten),
        Err(e) => {
            let written = st.written;
            let _ = st.fault("sync", None, written, e.to_string());
        }
    }
    // A file that grew or shrank under the wipe (another writer) was not wiped as recorded.
    match medium.current_size() {
        Ok(now) if now != size => {
            let _ = st.fault(
                "size-check",
                None,
                now,
                format!("the target's size changed during the pass, from {size} to {now} bytes"),
            );
        }
        Ok(_) => {}
        Err(e) => {
            let _ = st.fault(
                "size-check",
                None,
                size,
                format!("cannot read the target's size after the pass: {e}"),
            );
        }
    }
    let milliseconds = t0.elapsed().as_millis() as u64;
    let lost: u64 = st.unwritten.iter().map(|s| s.length).sum();
    let bytes = st.written - lost.min(st.written);
    PassReport {
        index: index as u32 + 1,
        pattern: pattern.label(),
        bytes,
        size,
        milliseconds,
        rate: rate(bytes, milliseconds),
        completed: st.errors.is_empty() && !st.interrupted && st.written == size,
        unwritten: st.unwritten,
        write_error: st.first_write_error,
        errors: st.errors,
        random: match pattern {
            Pattern::Random(key) => Some(RandomRecord {
                key: key.to_hex(),
                construction: STREAM_CONSTRUCTION.into(),
                generator_crate: STREAM_CRATE.into(),
            }),
            Pattern::Fixed(_) => None,
        },
    }
}

/// What one pass has done so far.
struct PassState<'a> {
    /// Errors that end the pass: a device that is gone, a failed sync...
    errors: Vec<IoFault>,
    /// How far the pass has got, contiguous from offset 0 (written or given up on).
    written: u64,
    /// Regions that could not be written, narrowed to the sector, merged.
    unwritten: Vec<Span>,
    /// 1-based pass number, and when the target was last synced (for checkpoints).
    pass: usize,
    last_sync: Instant,
    /// The first write error met in `unwritten`, for people.
    first_write_error: Option<String>,
    /// The sector size errors are narrowed down to.
    sector: u64,
    /// What narrowing write errors down may still spend in this pass.
    tries: narrow::Tries,
    interrupted: bool,
    stop: &'a AtomicBool,
    progress: &'a dyn Progress,
}

impl PassState<'_> {
    /// Writes one block. A failing block is retried, then narrowed down by bisection
    /// to the sectors that fail, which are recorded and skipped; the pass goes on. A
    /// device that is gone ends the pass.
    fn write(&mut self, medium: &mut dyn Medium, offset: u64, data: &[u8]) -> ControlFlow<()> {
        if let Err(e) = write_block(medium, data, offset) {
            if gone(&e) {
                return self.fault(
                    "write",
                    Some(offset),
                    data.len() as u64,
                    format!("the device is gone: {e}"),
                );
            }
            if let Err(e) = self.salvage(medium, offset, data, e) {
                return self.fault(
                    "write",
                    Some(offset),
                    data.len() as u64,
                    format!("the device is gone: {e}"),
                );
            }
        }
        self.written += data.len() as u64;
        self.progress.advanced(self.written);
        if self.stop.load(Ordering::SeqCst) {
            self.interrupted = true;
            return ControlFlow::Break(());
        }
        // Every few seconds: sync, then let a checkpoint vouch for what is synced, so
        // that a crash or power cut leaves one no older than that.
        if self.last_sync.elapsed() >= CHECKPOINT_EVERY {
            if let Err(e) = medium.sync() {
                return self.fault("sync", Some(offset), self.written, e.to_string());
            }
            self.last_sync = Instant::now();
            self.progress.synced(self.pass, self.written, &self.unwritten);
        }
        ControlFlow::Continue(())
    }

    /// Narrows a failed block down to the sectors that fail (`narrow`), which are
    /// recorded and skipped. `Err` only for a device that is gone.
    fn salvage(
        &mut self,
        medium: &mut dyn Medium,
        offset: u64,
        data: &[u8],
        first: io::Error,
    ) -> io::Result<()> {
        self.first_write_error.get_or_insert_with(|| first.to_string());
        let mut lost = Vec::new();
        let done = narrow::narrow(
            offset,
            data.len() as u64,
            self.sector,
            &self.tries,
            &first,
            |off, len| {
                let at = (off - offset) as usize;
                medium.write_at(&data[at..at + len as usize], off)
            },
            |off, len, _| lost.push((off, len)),
        );
        for (off, len) in lost {
            self.lose(off, len);
        }
        done
    }

    fn lose(&mut self, offset: u64, length: u64) {
        match self.unwritten.last_mut() {
            Some(last) if last.offset + last.length == offset => last.length += length,
            _ => self.unwritten.push(Span { offset, length }),
        }
    }

    fn fault(&mut self, operation: &str, offset: Option<u64>, length: u64, error: String) -> ControlFlow<()> {
        self.errors.push(IoFault {
            operation: operation.into(),
            offset,
            length,
            error,
        });
        ControlFlow::Break(())
    }
}

/// Writes one block, falling back from `O_DIRECT` to buffered I/O for good when a
/// file system accepted the flag at open but refuses the I/O (EINVAL).
fn write_block(medium: &mut dyn Medium, data: &[u8], offset: u64) -> io::Result<()> {
    match medium.write_at(data, offset) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) && medium.direct_align().is_some() => {
            medium.drop_direct()?;
            medium.write_at(data, offset)
        }
        other => other,
    }
}

/// The block length for a pattern: a multiple of the I/O unit and of the pattern's
/// period, so that one buffer filled once serves every block of a fixed pass.
pub fn block_len(want: u64, unit: u64, period: Option<usize>) -> u64 {
    let step = unit * period.unwrap_or(1) as u64;
    (want / step).max(1) * step
}

/// Writes one block at an offset; `Break` ends the pass.
type WriteFn<'a> = dyn FnMut(&mut dyn Medium, u64, &[u8]) -> ControlFlow<()> + 'a;

/// Calls `write` with the pattern's bytes for every block of `0..end`, in order.
#[allow(clippy::too_many_arguments)]
fn for_each_block(
    medium: &mut dyn Medium,
    pattern: &Pattern,
    start: u64,
    end: u64,
    block: u64,
    threads: usize,
    write: &mut WriteFn<'_>,
) -> Result<ControlFlow<()>, String> {
    if end <= start {
        return Ok(ControlFlow::Continue(()));
    }
    // Block i starts at `start + i * block` (a resumed pass starts mid-target).
    let count = (end - start).div_ceil(block);
    let at = |i: u64| start + i * block;
    let len_of = |i: u64| (end - at(i)).min(block) as usize;
    match pattern {
        Pattern::Fixed(_) => {
            // Filled once (in the phase of the first block); nothing but I/O remains.
            let mut buf = AlignedBuf::new(block as usize);
            pattern.fill(start, buf.as_mut());
            for i in 0..count {
                if write(medium, at(i), &buf.as_ref()[..len_of(i)]).is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
            Ok(ControlFlow::Continue(()))
        }
        Pattern::Random(key) => {
            let threads = threads.max(1);
            let depth = (threads + 2).min(MAX_IN_FLIGHT).min(count as usize).max(1);
            let (job_tx, job_rx) = mpsc::channel::<(u64, AlignedBuf)>();
            let job_rx = Mutex::new(job_rx);
            let (done_tx, done_rx) = mpsc::channel::<(u64, AlignedBuf)>();
            // The process's generator threads are shared by every wipe it runs.
            let grant = crate::budget::generators().take(threads.min(depth));
            std::thread::scope(|s| {
                let mut started = 0;
                let mut spawn_error = None;
                for _ in 0..grant.n() {
                    let done_tx = done_tx.clone();
                    let job_rx = &job_rx;
                    let spawned = std::thread::Builder::new()
                        .name("mediasan-stream".into())
                        .spawn_scoped(s, move || {
                            let mut stream = RandomStream::new(key);
                            loop {
                                let job = job_rx.lock().map_err(drop).and_then(|rx| rx.recv().map_err(drop));
                                let Ok((i, mut buf)) = job else { return };
                                let n = len_of(i);
                                stream.fill(at(i), &mut buf.as_mut()[..n]);
                                if done_tx.send((i, buf)).is_err() {
                                    return;
                                }
                            }
                        });
                    match spawned {
                        Ok(_) => started += 1,
                        Err(e) => spawn_error = Some(e),
                    }
                }
                drop(done_tx);
                if started == 0 {
                    let e = spawn_error.map_or_else(String::new, |e| e.to_string());
                    return Err(format!(
                        "cannot start a thread to generate the random stream: {e}"
                    ));
                }
                for i in 0..depth as u64 {
                    let _ = job_tx.send((i, AlignedBuf::new(block as usize)));
                }
                let mut ready = BTreeMap::new();
                let mut next = 0u64;
                let mut flow = ControlFlow::Continue(());
                while next < count {
                    let buf = match ready.remove(&next) {
                        Some(buf) => buf,
                        None => match done_rx.recv() {
                            Ok((i, buf)) => {
                                ready.insert(i, buf);
                                continue;
                            }
                            Err(_) => return Err("the random stream's generator threads stopped".into()),
                        },
                    };
                    flow = write(medium, at(next), &buf.as_ref()[..len_of(next)]);
                    if flow.is_break() {
                        break;
                    }
                    let again = next + depth as u64;
                    if again < count {
                        let _ = job_tx.send((again, buf));
                    }
                    next += 1;
                }
                // Closing the job channel ends the workers.
                drop(job_tx);
                Ok(flow)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medium::Kind;

    /// An in-memory medium that can fail writes at chosen offsets.
    struct Memory {
        identity: Identity,
        data: Vec<u8>,
        align: Option<u64>,
        direct_on: bool,
        fail_at: Option<u64>,
        direct_writes: Vec<(u64, usize)>,
        /// Direct writes from this offset on fail with EINVAL (a file system that
        /// accepted O_DIRECT at open but refuses the I/O).
        einval_from: Option<u64>,
        /// The size `current_size` reports, when it differs from the data.
        reported_size: Option<u64>,
        /// Reads return this byte flipped (a medium that did not keep what it was given).
        corrupt_reads_at: Option<u64>,
        /// Reads covering this offset fail with EIO.
        fail_reads_at: Option<u64>,
        /// `fail_at` fails only writes of this byte (one pass of several).
        fail_only_byte: Option<u8>,
        /// Writes covering this offset fail with ENODEV: the device is gone.
        gone_at: Option<u64>,
    }

    impl Memory {
        fn new(size: usize, align: Option<u64>) -> Memory {
            Memory {
                identity: Identity {
                    kind: Kind::File,
                    path: "memory".into(),
                    size: size as u64,
                    device: None,
                    devno: None,
                    partition_of: None,
                    serial: None,
                    serial_source: None,
                    model: None,
                    wwn: None,
                    logical_sector: None,
                    physical_sector: None,
                    rotational: None,
                    partitions: vec![],
                    labels: vec![],
                    inode: None,
                    object: None,
                    drive: None,
                },
                data: vec![0xEE; size],
                align,
                direct_on: false,
                fail_at: None,
                direct_writes: vec![],
                einval_from: None,
                reported_size: None,
                corrupt_reads_at: None,
                fail_reads_at: None,
                fail_only_byte: None,
                gone_at: None,
            }
        }
    }

    impl Medium for Memory {
        fn identity(&self) -> &Identity {
            &self.identity
        }
        fn direct_align(&self) -> Option<u64> {
            self.align
        }
        fn set_direct(&mut self, on: bool) -> io::Result<()> {
            self.direct_on = on && self.align.is_some();
            Ok(())
        }
        fn drop_direct(&mut self) -> io::Result<()> {
            self.align = None;
            self.direct_on = false;
            Ok(())
        }
        fn write_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
            let this_pass = self.fail_only_byte.is_none_or(|b| buf.first() == Some(&b));
            if this_pass
                && self
                    .gone_at
                    .is_some_and(|g| (offset..offset + buf.len() as u64).contains(&g))
            {
                return Err(io::Error::from_raw_os_error(libc::ENODEV));
            }
            if let Some(f) = self.fail_at {
                let this_pass = self.fail_only_byte.is_none_or(|b| buf.first() == Some(&b));
                if this_pass && (offset..offset + buf.len() as u64).contains(&f) {
                    return Err(io::Error::from_raw_os_error(libc::EIO));
                }
            }
            if self.direct_on && self.einval_from.is_some_and(|e| offset >= e) {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
            if self.direct_on {
                let a = self.align.unwrap();
                assert_eq!(offset % a, 0, "unaligned direct offset");
                assert_eq!(buf.len() as u64 % a, 0, "unaligned direct length");
                assert_eq!(buf.as_ptr() as usize % AlignedBuf::ALIGN, 0, "unaligned buffer");
                self.direct_writes.push((offset, buf.len()));
            }
            self.data[offset as usize..offset as usize + buf.len()].copy_from_slice(buf);
            Ok(())
        }
        fn sync(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn current_size(&self) -> io::Result<u64> {
            Ok(self.reported_size.unwrap_or(self.data.len() as u64))
        }
        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            if let Some(a) = self.align.filter(|_| self.direct_on) {
                assert_eq!(offset % a, 0, "unaligned direct read offset");
                assert_eq!(buf.len() as u64 % a, 0, "unaligned direct read length");
            }
            if self
                .fail_reads_at
                .is_some_and(|f| (offset..offset + buf.len() as u64).contains(&f))
            {
                return Err(io::Error::from_raw_os_error(libc::EIO));
            }
            let start = (offset as usize).min(self.data.len());
            let n = buf.len().min(self.data.len() - start);
            buf[..n].copy_from_slice(&self.data[start..start + n]);
            if let Some(at) = self.corrupt_reads_at {
                if (offset..offset + n as u64).contains(&at) {
                    buf[(at - offset) as usize] ^= 0xFF;
                }
            }
            Ok(n)
        }
        fn prepare_readback(&mut self) -> CacheReport {
            self.direct_on = self.align.is_some();
            CacheReport {
                page_cache: "memory".into(),
                not_bypassed: vec![],
                from_medium: false,
            }
        }
    }

    fn method(patterns: &[Pattern]) -> MethodRecord {
        MethodRecord {
            name: "test".into(),
            passes: patterns.iter().map(Pattern::label).collect(),
            blank: false,
        }
    }

    fn expected(p: &Pattern, size: usize) -> Vec<u8> {
        let mut v = vec![0u8; size];
        p.fill(0, &mut v);
        v
    }

    #[test]
    fn every_byte_is_written_odd_sizes_and_tails() {
        let key = crate::pattern::StreamKey([7; 32]);
        for size in [0usize, 1, 4095, 4097, (1 << 20) + 1, 3 * 4096 * 5 + 17] {
            for p in [
                Pattern::Fixed(vec![0x92, 0x49, 0x24]),
                Pattern::Random(key.clone()),
                Pattern::Fixed(vec![0]),
            ] {
                let mut m = Memory::new(size, Some(4096));
                let opts = Options {
                    block_size: 3 * 4096,
                    threads: 3,
                    verify: VerifySpec::default(),
                };
                let r = wipe(
                    &mut m,
                    method(std::slice::from_ref(&p)),
                    std::slice::from_ref(&p),
                    opts,
                    &AtomicBool::new(false),
                    &Silent,
                );
                assert_eq!(r.outcome, Outcome::Sanitised, "size {size}");
                assert_eq!(m.data, expected(&p, size), "size {size} {}", p.label());
                assert_eq!(r.passes[0].bytes, size as u64);
            }
        }
    }

    #[test]
    fn a_bad_sector_is_narrowed_down_skipped_and_listed() {
        let mut m = Memory::new(1 << 20, Some(4096));
        m.fail_at = Some(300_000);
        let p = [Pattern::Fixed(vec![0]), Pattern::Fixed(vec![0xFF])];
        let opts = Options {
            block_size: 65536,
            threads: 2,
            verify: VerifySpec {
                mode: VerifyMode::Last,
                ..Default::default()
            },
        };
        let r = wipe(&mut m, method(&p), &p, opts, &AtomicBool::new(false), &Silent);
        assert_eq!(r.outcome, Outcome::Incomplete);
        assert_eq!(r.passes.len(), 2, "a bad sector does not stop the wipe");
        let bad = verify::Span {
            offset: 299_008,
            length: 4096,
        };
        assert_eq!(r.unwritten, vec![bad]);
        for pass in &r.passes {
            assert_eq!(pass.unwritten, vec![bad]);
            assert!(pass.completed && pass.errors.is_empty());
            assert_eq!(pass.bytes, (1 << 20) - 4096);
            assert!(pass.write_error.as_deref().unwrap().contains("Input/output"));
        }
        // Everything around the bad sector holds the last pass.
        assert!(m.data[..299_008]
            .iter()
            .chain(&m.data[299_008 + 4096..])
            .all(|&b| b == 0xFF));
        // The readback checks the rest, and the verdict is not a clean match.
        assert_eq!(r.verification.passes[0].readback.mismatched_bytes, 0);
        assert_eq!(r.verification.result, VerifyResult::Incomplete);
        assert!(r.verification.assurance.is_none());
    }

    #[test]
    fn a_device_that_is_gone_ends_the_wipe() {
        let mut m = Memory::new(1 << 20, Some(4096));
        m.gone_at = Some(500_000);
        let p = [Pattern::Fixed(vec![0]), Pattern::Fixed(vec![0xFF])];
        let opts = Options {
            block_size: 65536,
            threads: 2,
            verify: VerifySpec::default(),
        };
        let r = wipe(&mut m, method(&p), &p, opts, &AtomicBool::new(false), &Silent);
        assert_eq!(r.outcome, Outcome::Failed);
        assert_eq!(r.passes.len(), 1);
        assert!(r.passes[0].errors[0].error.contains("gone"));
    }

    /// Two wipes at once in one process, each asking for 8 generator threads: together
    /// they never run more than the process's budget plus one guaranteed thread per
    /// job beyond it — theirs, and one for a test running beside them in this process
    /// (without the budget: 16) — counted from /proc/self/task while they run.
    #[test]
    fn concurrent_wipes_share_the_generator_budget() {
        let count = || {
            std::fs::read_dir("/proc/self/task")
                .map(|it| {
                    it.filter_map(Result::ok)
                        .filter(|t| {
                            std::fs::read_to_string(t.path().join("comm"))
                                .is_ok_and(|c| c.trim() == "mediasan-stream")
                        })
                        .count()
                })
                .unwrap_or(0)
        };
        let done = AtomicBool::new(false);
        let most = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            s.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    most.fetch_max(count(), Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            });
            let jobs: Vec<_> = (0..2u8)
                .map(|j| {
                    s.spawn(move || {
                        let mut m = Memory::new(24 << 20, None);
                        let p = [Pattern::Random(crate::pattern::StreamKey([j; 32]))];
                        let opts = Options {
                            block_size: 1 << 20,
                            threads: 8,
                            verify: VerifySpec::default(),
                        };
                        wipe(&mut m, method(&p), &p, opts, &AtomicBool::new(false), &Silent).outcome
                    })
                })
                .collect();
            for j in jobs {
                assert_eq!(j.join().unwrap(), Outcome::Sanitised);
            }
            done.store(true, Ordering::SeqCst);
        });
        let budget = crate::budget::generators().total();
        let seen = most.load(Ordering::SeqCst);
        assert!(seen >= 1, "the generator threads were seen");
        assert!(
            seen <= budget + 2,
            "{seen} generator threads for a budget of {budget}"
        );
    }

    #[test]
    fn a_set_stop_flag_interrupts_after_the_current_block() {
        let mut m = Memory::new(1 << 20, None);
        let p = [Pattern::Random(crate::pattern::StreamKey([1; 32]))];
        let stop = AtomicBool::new(false);
        struct StopAfterFirst<'a>(&'a AtomicBool);
        impl Progress for StopAfterFirst<'_> {
            fn advanced(&self, _: u64) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let opts = Options {
            block_size: 65536,
            threads: 2,
            verify: VerifySpec::default(),
        };
        let r = wipe(&mut m, method(&p), &p, opts, &stop, &StopAfterFirst(&stop));
        assert_eq!(r.outcome, Outcome::Interrupted);
        assert_eq!(r.passes[0].bytes, 65536);
    }

    #[test]
    fn einval_under_o_direct_falls_back_to_buffered_writes() {
        let size = (1 << 20) + 100;
        let mut m = Memory::new(size, Some(4096));
        m.einval_from = Some(3 * 65536);
        let p = [Pattern::Fixed(vec![0x5A])];
        let opts = Options {
            block_size: 65536,
            threads: 2,
            verify: VerifySpec::default(),
        };
        let r = wipe(&mut m, method(&p), &p, opts, &AtomicBool::new(false), &Silent);
        assert_eq!(r.outcome, Outcome::Sanitised);
        assert!(!r.io.direct, "the result says O_DIRECT was given up");
        assert_eq!(m.direct_writes.len(), 3);
        assert!(m.data.iter().all(|&b| b == 0x5A));
    }

    #[test]
    fn a_target_that_changes_size_is_not_sanitised() {
        let mut m = Memory::new(100_000, None);
        m.reported_size = Some(200_000);
        let p = [Pattern::Fixed(vec![0])];
        let r = wipe(
            &mut m,
            method(&p),
            &p,
            Options::default(),
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!(r.outcome, Outcome::Failed);
        assert_eq!(r.passes[0].errors[0].operation, "size-check");
    }

    #[test]
    fn no_passes_is_no_sanitisation() {
        let mut m = Memory::new(10, None);
        let r = wipe(
            &mut m,
            method(&[]),
            &[],
            Options::default(),
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!(r.outcome, Outcome::Failed);
    }

    fn verifying(mode: VerifyMode) -> Options {
        Options {
            block_size: 65536,
            threads: 2,
            verify: VerifySpec {
                mode,
                coverage_ppm: 100_000,
                seed: 42,
                required: None,
            },
        }
    }

    #[test]
    fn every_mode_verifies_what_it_promises() {
        let key = crate::pattern::StreamKey([3; 32]);
        let p = [Pattern::Fixed(vec![0xFF]), Pattern::Random(key)];
        for (mode, verified, scope) in [
            (VerifyMode::None, 0, ""),
            (VerifyMode::Sample, 1, "sample"),
            (VerifyMode::Last, 1, "full"),
            (VerifyMode::All, 2, "full"),
        ] {
            let size = (8 << 20) + 4097;
            let mut m = Memory::new(size, Some(4096));
            let r = wipe(
                &mut m,
                method(&p),
                &p,
                verifying(mode),
                &AtomicBool::new(false),
                &Silent,
            );
            assert_eq!(r.outcome, Outcome::Sanitised, "{mode:?}");
            let v = &r.verification;
            assert_eq!(v.passes.len(), verified, "{mode:?}");
            if verified == 0 {
                assert_eq!(v.result, VerifyResult::NotRun);
                continue;
            }
            assert_eq!(v.result, VerifyResult::Match, "{mode:?}");
            assert_eq!(v.passes.last().unwrap().pass, 2);
            assert_eq!(v.passes[0].scope, scope);
            let read = v.passes.last().unwrap().readback.bytes_read;
            if scope == "full" {
                assert_eq!(read, size as u64);
                assert!(v.assurance.as_ref().unwrap().full);
            } else {
                assert!(read >= size as u64 / 10 && read < size as u64, "{read}");
                assert_eq!(v.passes[0].sample.as_ref().unwrap().seed, "000000000000002a");
            }
        }
    }

    #[test]
    fn a_wrong_byte_in_a_full_readback_fails_the_wipe() {
        let size = (3 << 20) + 5;
        for at in [0, 4095, 1 << 20, size as u64 - 1] {
            let mut m = Memory::new(size, Some(4096));
            m.corrupt_reads_at = Some(at);
            let p = [Pattern::Random(crate::pattern::StreamKey([9; 32]))];
            let r = wipe(
                &mut m,
                method(&p),
                &p,
                verifying(VerifyMode::Last),
                &AtomicBool::new(false),
                &Silent,
            );
            assert_eq!(r.outcome, Outcome::Failed);
            let v = &r.verification;
            assert_eq!(v.result, VerifyResult::Mismatch);
            assert_eq!(v.passes[0].readback.mismatched_bytes, 1);
            assert_eq!(
                v.passes[0].readback.mismatches,
                vec![verify::Span {
                    offset: at,
                    length: 1
                }]
            );
            assert!(v.assurance.is_none());
        }
    }

    #[test]
    fn a_sample_finds_damage_inside_its_random_locations_only() {
        let size = 64 << 20;
        let p = [Pattern::Fixed(vec![0x00])];
        let plan = verify::SamplePlan::new(size as u64, 4096, 100_000, 42);
        let inside = plan.locations[1000];
        let at = inside.offset + inside.length / 2;
        let mut m = Memory::new(size, Some(4096));
        m.corrupt_reads_at = Some(at);
        let r = wipe(
            &mut m,
            method(&p),
            &p,
            verifying(VerifyMode::Sample),
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!(r.outcome, Outcome::Failed);
        assert_eq!(
            r.verification.passes[0].readback.mismatches,
            vec![verify::Span {
                offset: at,
                length: 1
            }]
        );
        // The same damage between the sampled ranges goes unseen, as sampling must.
        let gap = plan
            .ranges
            .windows(2)
            .find(|w| w[1].offset > w[0].end())
            .map(|w| w[0].end())
            .unwrap();
        let mut m = Memory::new(size, Some(4096));
        m.corrupt_reads_at = Some(gap);
        let r = wipe(
            &mut m,
            method(&p),
            &p,
            verifying(VerifyMode::Sample),
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!(r.verification.result, VerifyResult::Match);
    }

    #[test]
    fn a_read_error_leaves_the_verification_incomplete() {
        let mut m = Memory::new(8 << 20, Some(4096));
        m.fail_reads_at = Some(5 << 20);
        let p = [Pattern::Fixed(vec![0xFF])];
        let r = wipe(
            &mut m,
            method(&p),
            &p,
            verifying(VerifyMode::Last),
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!(
            r.outcome,
            Outcome::Incomplete,
            "written, but not all of it could be read back"
        );
        let v = &r.verification;
        assert_eq!(v.result, VerifyResult::Incomplete);
        assert!(v.assurance.is_none());
        // Narrowed down to the one unreadable sector; everything else was read and compared.
        let errors = &v.passes[0].readback.read_errors;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].offset, errors[0].length), (Some(5 << 20), 4096));
        assert_eq!(v.passes[0].readback.bytes_read, (8 << 20) - 4096);
        assert_eq!(v.passes[0].readback.mismatched_bytes, 0);
    }

    #[test]
    fn an_interrupted_readback_is_no_match() {
        struct StopOnVerify<'a>(&'a AtomicBool);
        impl Progress for StopOnVerify<'_> {
            fn verify_started(&self, _: usize, _: u64) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let stop = AtomicBool::new(false);
        let mut m = Memory::new(8 << 20, Some(4096));
        let p = [Pattern::Fixed(vec![0xFF])];
        let r = wipe(
            &mut m,
            method(&p),
            &p,
            verifying(VerifyMode::Last),
            &stop,
            &StopOnVerify(&stop),
        );
        assert_eq!(r.outcome, Outcome::Interrupted);
        assert_eq!(r.verification.result, VerifyResult::Incomplete);
        assert!(r.verification.passes[0].readback.interrupted);
        assert!(r.verification.assurance.is_none());
    }

    #[test]
    fn an_early_match_vouches_for_nothing_when_a_later_pass_fails() {
        // The device goes away half-way through pass 2: pass 1 (0x00) is written and
        // verified, pass 2 is not.
        let mut m = Memory::new(1 << 20, Some(4096));
        m.gone_at = Some(1 << 19);
        m.fail_only_byte = Some(0xFF);
        let p = [Pattern::Fixed(vec![0x00]), Pattern::Fixed(vec![0xFF])];
        let r = wipe(
            &mut m,
            method(&p),
            &p,
            verifying(VerifyMode::All),
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!(r.outcome, Outcome::Failed);
        assert_eq!(r.verification.passes.len(), 1);
        assert!(r.verification.passes[0].matched, "pass 1 itself read back fine");
        assert_eq!(r.verification.result, VerifyResult::Incomplete);
        assert!(r.verification.assurance.is_none());
    }

    #[test]
    fn a_resumed_wipe_ends_as_an_uninterrupted_one() {
        use std::sync::atomic::AtomicU32;
        struct Checkpoints<'a> {
            stop: &'a AtomicBool,
            blocks: AtomicU32,
            last: Mutex<Option<(usize, u64)>>,
            done: Mutex<Vec<PassReport>>,
        }
        impl Progress for Checkpoints<'_> {
            fn advanced(&self, _: u64) {
                if self.blocks.fetch_add(1, Ordering::SeqCst) + 1 == 25 {
                    self.stop.store(true, Ordering::SeqCst);
                }
            }
            fn synced(&self, index: usize, offset: u64, _: &[Span]) {
                *self.last.lock().unwrap() = Some((index, offset));
            }
            fn pass_finished(&self, p: &PassReport) {
                if p.completed {
                    self.done.lock().unwrap().push(p.clone());
                }
            }
        }
        let size = (1 << 20) + 12_345;
        let key = crate::pattern::StreamKey([5; 32]);
        let p = [Pattern::Fixed(vec![0x92, 0x49, 0x24]), Pattern::Random(key)];
        let opts = Options {
            block_size: 3 * 4096 * 4,
            threads: 2,
            verify: VerifySpec::default(),
        };
        let mut m = Memory::new(size, Some(4096));
        let stop = AtomicBool::new(false);
        let cp = Checkpoints {
            stop: &stop,
            blocks: Default::default(),
            last: Mutex::new(None),
            done: Mutex::new(vec![]),
        };
        let r = wipe(&mut m, method(&p), &p, opts, &stop, &cp);
        assert_eq!(r.outcome, Outcome::Interrupted);
        let (pass, offset) = cp
            .last
            .lock()
            .unwrap()
            .expect("a checkpoint after the interruption");
        assert_eq!(pass, 2, "interrupted in the second pass");
        assert!(offset > 0 && offset < size as u64);
        let from = Resume {
            pass: pass - 1,
            offset,
            unwritten: vec![],
            done: cp.done.lock().unwrap().clone(),
        };
        let r = resume(
            &mut m,
            method(&p),
            &p,
            opts,
            Some(from),
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!(r.outcome, Outcome::Sanitised);
        assert_eq!(r.passes.len(), 2);
        assert_eq!(m.data, expected(&p[1], size), "every byte holds the last pass");
    }

    #[test]
    fn block_lengths_respect_unit_and_period() {
        assert_eq!(block_len(4 << 20, 4096, Some(1)), 4 << 20);
        let b = block_len(4 << 20, 4096, Some(3));
        assert_eq!(b % (3 * 4096), 0);
        assert!(b <= 4 << 20 && b > (4 << 20) - 3 * 4096);
        assert_eq!(block_len(100, 4096, None), 4096);
    }
}
