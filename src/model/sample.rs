//! The sampling plan of a readback (NIST SP 800-88 r1 §4.7 style) and the assurance it
//! buys, as pure functions of (size, unit, coverage, seed): the same seed gives the same
//! locations, so a later `mediasan verify --replay` reads the same places. What a
//! readback found is a [`Readback`]; reading is verify's. docs/verification.md has the
//! statistics.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

const MIB: u64 = 1 << 20;
/// Subsections the target is cut into (fewer only when it is too small to hold them).
pub const SUBSECTIONS: u64 = 1000;
/// The significance of the stated bound: confidence is 1 − α = 99 %.
pub const ALPHA_PPM: u64 = 10_000;
/// Below this coverage the result does not claim the NIST SP 800-88 r1 §4.7 scheme.
pub const NIST_MIN_COVERAGE_PPM: u32 = 100_000;
/// Mismatching ranges listed in a result; the count of bytes covers them all.
pub const MAX_LISTED: usize = 100;

/// A failed write, sync or read, and where.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IoFault {
    /// `write` or `sync`.
    pub operation: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub offset: Option<u64>,
    pub length: u64,
    pub error: String,
}

/// A byte range of the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub offset: u64,
    pub length: u64,
}

impl Span {
    pub fn end(&self) -> u64 {
        self.offset + self.length
    }
}

/// Where a sampled verification reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamplePlan {
    pub seed: u64,
    pub size: u64,
    /// Alignment and granularity of every location (the direct-I/O alignment).
    pub unit: u64,
    /// The least share of the target to read, in parts per million.
    pub coverage_ppm: u32,
    pub subsections: u64,
    /// The most start positions any half offers its location (half − length + 1, in
    /// units): what the assurance must assume of the least favoured half.
    pub max_starts: u64,
    /// The target's size in units.
    pub units: u64,
    /// The independently placed locations, two per subsection (one in each half).
    pub locations: Vec<Span>,
    /// What is read: the locations plus the first and last MiB, merged, ascending.
    pub ranges: Vec<Span>,
}

impl SamplePlan {
    /// The plan for a target of `size` bytes. `unit` must be a power of two.
    pub fn new(size: u64, unit: u64, coverage_ppm: u32, seed: u64) -> SamplePlan {
        let unit = unit.max(1);
        let units = size.div_ceil(unit);
        let coverage_ppm = coverage_ppm.clamp(1, 1_000_000);
        // Each subsection needs two halves of at least one unit.
        let n = (units / 2).clamp(u64::from(units > 0), SUBSECTIONS);
        let want = (u128::from(size) * u128::from(coverage_ppm)).div_ceil(1_000_000) as u64;
        // Location length in units: two per subsection must cover `want` bytes; grown by a
        // unit until uneven subsection sizes and the clipped last unit cannot make the plan
        // fall short. At full coverage every half is read whole.
        let mut len = want.div_ceil(unit).div_ceil(2 * n.max(1)).max(1);
        loop {
            let plan = Self::place(size, unit, units, n, len, coverage_ppm, seed);
            if plan.located() >= want || len * 2 >= units {
                return plan;
            }
            len += 1;
        }
    }

    fn place(size: u64, unit: u64, units: u64, n: u64, len: u64, coverage_ppm: u32, seed: u64) -> SamplePlan {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut locations = Vec::with_capacity(2 * n as usize);
        let mut max_starts = 0;
        let span = |first: u64, count: u64| {
            let offset = first * unit;
            Span {
                offset,
                length: (count * unit).min(size - offset),
            }
        };
        for i in 0..n {
            let (s, e) = (i * units / n, (i + 1) * units / n);
            let mid = s + (e - s) / 2;
            for (hs, he) in [(s, mid), (mid, e)] {
                let half = he - hs;
                if half == 0 {
                    continue;
                }
                let l = len.min(half);
                max_starts = max_starts.max(half - l + 1);
                // Uniform over the start positions that keep the location inside its half.
                let start = hs + uniform(&mut rng, half - l + 1);
                locations.push(span(start, l));
            }
        }
        let mut reads: Vec<Span> = locations.clone();
        if size > 0 {
            let head = MIB.min(size);
            reads.push(Span {
                offset: 0,
                length: head,
            });
            let tail_start = size.saturating_sub(MIB) / unit * unit;
            reads.push(Span {
                offset: tail_start,
                length: size - tail_start,
            });
        }
        SamplePlan {
            seed,
            size,
            unit,
            coverage_ppm,
            subsections: n,
            max_starts,
            units,
            ranges: merge(reads),
            locations,
        }
    }

    /// Bytes covered by the random locations alone.
    pub fn located(&self) -> u64 {
        self.locations.iter().map(|s| s.length).sum()
    }

    /// Bytes the plan reads.
    pub fn bytes(&self) -> u64 {
        self.ranges.iter().map(|s| s.length).sum()
    }

    /// The share of the target read, in parts per million.
    pub fn covered_ppm(&self) -> u64 {
        if self.size == 0 {
            return 1_000_000;
        }
        (u128::from(self.bytes()) * 1_000_000 / u128::from(self.size)) as u64
    }
}

/// A uniform integer in `0..n` (n > 0), without modulo bias worth speaking of (64-bit draw).
fn uniform(rng: &mut impl RngCore, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

/// `ranges` (sorted, disjoint) without the parts in `skip` (sorted, disjoint).
pub fn subtract(ranges: &[Span], skip: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(ranges.len());
    let mut k = 0;
    for r in ranges {
        let mut start = r.offset;
        while k < skip.len() && skip[k].end() <= start {
            k += 1;
        }
        let mut j = k;
        while start < r.end() {
            match skip.get(j) {
                Some(s) if s.offset < r.end() => {
                    if s.offset > start {
                        out.push(Span {
                            offset: start,
                            length: s.offset - start,
                        });
                    }
                    start = start.max(s.end());
                    j += 1;
                }
                _ => {
                    out.push(Span {
                        offset: start,
                        length: r.end() - start,
                    });
                    break;
                }
            }
        }
    }
    out
}

/// Sorts and merges overlapping or adjacent spans.
pub fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| s.length > 0);
    spans.sort_by_key(|s| s.offset);
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.offset <= last.end() => last.length = last.length.max(s.end() - last.offset),
            _ => out.push(s),
        }
    }
    out
}

/// What `k` matching, independently placed locations say about the share of the
/// medium left unwritten: below `1 − α^(1/k)` at confidence `1 − α`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assurance {
    /// Every byte was read (a full verification): nothing is left to chance.
    pub full: bool,
    pub locations: u64,
    pub alpha_ppm: u64,
    /// Upper bound on the unwritten share, parts per million (rounded up).
    pub unwritten_bound_ppm: u64,
    /// Whether the sample meets NIST SP 800-88 r1 §4.7 (≥ 1000 subsections, ≥ 10 %).
    pub nist_sp800_88_r1: bool,
    pub statement: crate::i18n::Said,
}

impl Assurance {
    pub fn sampled(plan: &SamplePlan) -> Assurance {
        let k = plan.locations.len() as u64;
        let bound = sampled_bound_ppm(plan);
        let nist = plan.subsections >= SUBSECTIONS && plan.coverage_ppm >= NIST_MIN_COVERAGE_PPM;
        let statement = crate::said!(
            "assurance-sampled",
            locations = k.to_string(),
            confidence = (100 - ALPHA_PPM / 10_000).to_string(),
            bound = percent_up(bound),
            nist = if nist { "yes" } else { "no" }
        );
        Assurance {
            full: false,
            locations: k,
            alpha_ppm: ALPHA_PPM,
            unwritten_bound_ppm: bound,
            nist_sp800_88_r1: nist,
            statement,
        }
    }

    pub fn full() -> Assurance {
        Assurance {
            full: true,
            locations: 0,
            alpha_ppm: 0,
            unwritten_bound_ppm: 0,
            nist_sp800_88_r1: true,
            statement: crate::said!("assurance-full"),
        }
    }
}

/// The bound a plan's sample supports, in ppm: `1 − α^(1/k)`, or more where the
/// halves differ in size. A location in a half with `H` start positions finds `d`
/// damaged units there with probability at least `min(1, d/H)`; with `H_max` the most
/// any half has, all `k` miss with probability at most `(1 − D/(k·H_max))^k` for `D`
/// damaged units in all, which is at most α once the damaged share `D/units` reaches
/// `(k·H_max/units)·(1 − α^(1/k))`. For large targets that factor is at most about 1,
/// and the classic `1 − α^(1/k)` (also a true bound then) is stated; for small targets
/// with uneven halves it can approach 2, and the larger figure is stated.
pub fn sampled_bound_ppm(plan: &SamplePlan) -> u64 {
    let k = plan.locations.len() as u64;
    let classic = unwritten_bound_ppm(k);
    if k == 0 || plan.units == 0 {
        return classic;
    }
    let alpha = ALPHA_PPM as f64 / 1e6;
    let factor = k as f64 * plan.max_starts as f64 / plan.units as f64;
    let strict = (factor * -f64::exp_m1(alpha.ln() / k as f64) * 1e6).ceil() as u64;
    classic.max(strict).min(1_000_000)
}

/// `1 − α^(1/k)` in parts per million, rounded up; 1 000 000 when nothing was sampled.
pub fn unwritten_bound_ppm(k: u64) -> u64 {
    if k == 0 {
        return 1_000_000;
    }
    let alpha = ALPHA_PPM as f64 / 1e6;
    let bound = -f64::exp_m1(alpha.ln() / k as f64);
    (bound * 1e6).ceil() as u64
}

/// A share stated as an upper bound ("less than …"): rounded *up* to the hundredth
/// of a percent, so that the figure printed is never below the one computed
/// (`2300` ppm → `0.23 %`, `9962` → `1 %`).
pub fn percent_up(ppm: u64) -> String {
    hundredths(ppm.div_ceil(100))
}

/// A share stated as achieved ("at least …", "read …"): rounded *down*, so that the
/// figure printed is never above the one measured (`100 999` ppm → `10.09 %`).
pub fn percent_down(ppm: u64) -> String {
    hundredths(ppm / 100)
}

fn hundredths(h: u64) -> String {
    match h % 100 {
        0 => format!("{} %", h / 100),
        f if f % 10 == 0 => format!("{}.{} %", h / 100, f / 10),
        f => format!("{}.{f:02} %", h / 100),
    }
}

/// What one readback found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readback {
    pub bytes_read: u64,
    pub mismatched_bytes: u64,
    /// The first [`MAX_LISTED`] mismatching ranges.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub mismatches: Vec<Span>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub read_errors: Vec<IoFault>,
    pub milliseconds: u64,
    pub rate: u64,
    /// Stopped by a signal before every range was read.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub interrupted: bool,
}

impl Readback {
    pub fn matched(&self) -> bool {
        self.mismatched_bytes == 0 && self.read_errors.is_empty() && !self.interrupted
    }

    pub fn mismatch(&mut self, offset: u64, length: u64) {
        self.mismatched_bytes += length;
        self.list(offset, length);
    }

    /// Lists a mismatching range (joined to the last when adjacent), up to the limit.
    pub fn list(&mut self, offset: u64, length: u64) {
        let listed = self.mismatches.len();
        match self.mismatches.last_mut() {
            Some(last) if last.end() == offset => last.length += length,
            _ if listed < MAX_LISTED => self.mismatches.push(Span { offset, length }),
            _ => {}
        }
    }
}

/// A percentage as `--coverage` and the configuration take it (`10`, `12.5`, `0.1`: at
/// most four decimals, from 0.1 to 100) in parts per million, read without floating
/// point; `None` for anything else.
pub fn coverage_ppm(text: &str) -> Option<u32> {
    let (int, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if int.is_empty() && frac.is_empty() || frac.len() > 4 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int: u32 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<4}").parse().ok()?
    };
    let ppm = int.checked_mul(10_000)?.checked_add(frac)?;
    (1_000..=1_000_000).contains(&ppm).then_some(ppm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_bound_matches_the_issue() {
        // k = 2000 gives about 0.23 %.
        assert_eq!(unwritten_bound_ppm(2000), 2300);
        assert_eq!(percent_up(2300), "0.23 %");
        // Never rounded down: 0.9962 % is "less than 1 %", not "less than 0.99 %".
        assert_eq!(percent_up(9962), "1 %");
        assert_eq!(percent_up(4501), "0.46 %");
        assert_eq!(percent_down(100_999), "10.09 %");
        assert_eq!(percent_down(100_000), "10 %");
        assert_eq!(percent_up(1_000_000), "100 %");
        assert_eq!(unwritten_bound_ppm(1), 990_000);
        assert_eq!(unwritten_bound_ppm(0), 1_000_000);
    }

    #[test]
    fn a_gib_at_ten_percent() {
        let p = SamplePlan::new(1 << 30, 4096, 100_000, 7);
        assert_eq!(p.subsections, 1000);
        assert_eq!(p.locations.len(), 2000);
        assert!(p.covered_ppm() >= 100_000);
        let a = Assurance::sampled(&p);
        assert!(a.nist_sp800_88_r1);
        assert_eq!(a.unwritten_bound_ppm, 2300);
        assert!(a.statement.en().contains("0.23 %"), "{}", a.statement);
        assert!(!Assurance::sampled(&SamplePlan::new(1 << 30, 4096, 50_000, 7)).nist_sp800_88_r1);
    }

    #[test]
    fn tiny_targets_get_fewer_subsections() {
        let p = SamplePlan::new(10 * 4096, 4096, 100_000, 1);
        assert_eq!(p.subsections, 5);
        assert_eq!(
            p.ranges,
            vec![Span {
                offset: 0,
                length: 10 * 4096
            }],
            "first and last MiB cover it"
        );
        assert_eq!(SamplePlan::new(0, 4096, 100_000, 1).ranges, vec![]);
        let odd = SamplePlan::new(4097, 4096, 100_000, 1);
        assert_eq!(
            odd.ranges,
            vec![Span {
                offset: 0,
                length: 4097
            }]
        );
    }

    #[test]
    fn skipped_regions_are_cut_out_of_the_reads() {
        let s = |o, l| Span { offset: o, length: l };
        assert_eq!(
            subtract(&[s(0, 100)], &[s(10, 10), s(50, 5)]),
            vec![s(0, 10), s(20, 30), s(55, 45)]
        );
        assert_eq!(
            subtract(&[s(0, 10), s(20, 10)], &[s(5, 20)]),
            vec![s(0, 5), s(25, 5)]
        );
        assert_eq!(subtract(&[s(0, 10)], &[s(0, 10)]), vec![]);
        assert_eq!(subtract(&[s(0, 10)], &[]), vec![s(0, 10)]);
    }

    /// Fraction of `trials` seeds whose sample misses every one of `spots` damaged,
    /// 4 KiB-aligned spots of 4 KiB, placed at random outside the first and last MiB
    /// (which are always read), counting only the random locations.
    fn miss_rate_ppm(size: u64, spots: u64, trials: u64, salt: u64) -> u64 {
        let spot = 4096;
        let units = size / spot;
        let edge = MIB / spot;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(salt);
        let mut misses = 0;
        for trial in 0..trials {
            let mut damage: Vec<u64> = (0..spots)
                .map(|_| (edge + uniform(&mut rng, units - 2 * edge)) * spot)
                .collect();
            damage.sort_unstable();
            let plan = SamplePlan::new(size, spot, 100_000, trial ^ (salt << 32));
            let hit = plan.locations.iter().any(|l| {
                let i = damage.partition_point(|&d| d + spot <= l.offset);
                damage.get(i).is_some_and(|&d| d < l.end())
            });
            misses += u64::from(!hit);
        }
        misses * 1_000_000 / trials
    }

    /// 20 000 units of 4 KiB at 10 %: every location is a single unit, so a location finds a
    /// damaged spot exactly when it lands on it — the case the bound is tight for.
    const POINT_SIZE: u64 = 20_000 * 4096;

    /// Damage scattered in 4 KiB spots, covering more than the stated bound, is missed
    /// by the default sample in at most α of the seeds.
    #[test]
    fn scattered_damage_above_the_bound_is_found_as_often_as_promised() {
        let plan = SamplePlan::new(POINT_SIZE, 4096, 100_000, 0);
        assert!(plan.locations.iter().all(|l| l.length == 4096) && plan.locations.len() == 2000);
        let bound = unwritten_bound_ppm(2000);
        for factor_permille in [1_250, 2_000] {
            let spots = (POINT_SIZE / 4096) * bound * factor_permille / 1000 / 1_000_000;
            let rate = miss_rate_ppm(POINT_SIZE, spots, 2000, factor_permille);
            assert!(
                rate <= ALPHA_PPM,
                "missed {rate} ppm of the time with {spots} damaged spots"
            );
        }
    }

    /// Damage placed where the sample is weakest — one unit in each of the largest
    /// halves of a small target with uneven halves — above the stated bound is still
    /// missed in at most α of the seeds.
    #[test]
    fn damage_in_the_largest_halves_above_the_stated_bound_is_found() {
        for units in [2037u64, 2999, 20_400] {
            let size = units * 4096;
            let probe = SamplePlan::new(size, 4096, 100_000, 0);
            let bound = sampled_bound_ppm(&probe);
            assert!(bound >= unwritten_bound_ppm(2000));
            let len = probe.locations.iter().map(|l| l.length / 4096).max().unwrap();
            let n = probe.subsections;
            let edge = MIB / 4096;
            let largest: Vec<(u64, u64)> = (0..n)
                .flat_map(|i| {
                    let (s, e) = (i * units / n, (i + 1) * units / n);
                    let mid = s + (e - s) / 2;
                    [(s, mid), (mid, e)]
                })
                .filter(|&(a, b)| b - a >= len && b - a - len + 1 == probe.max_starts)
                .filter(|&(a, b)| a >= edge && b <= units - edge)
                .collect();
            let spots = (units * bound).div_ceil(1_000_000) + 1;
            assert!(
                largest.len() as u64 >= spots,
                "{units}: not enough large halves for the test"
            );
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(units);
            let trials = 2000u64;
            let mut misses = 0;
            for trial in 0..trials {
                let damage: Vec<u64> = largest
                    .iter()
                    .take(spots as usize)
                    .map(|&(a, b)| (a + uniform(&mut rng, b - a)) * 4096)
                    .collect();
                let plan = SamplePlan::new(size, 4096, 100_000, trial + 1);
                let hit = damage
                    .iter()
                    .any(|&d| plan.locations.iter().any(|l| l.offset <= d && d < l.end()));
                misses += u64::from(!hit);
            }
            assert!(
                misses * 1_000_000 <= trials * ALPHA_PPM,
                "{units} units: {misses} misses of {trials}, bound {bound} ppm"
            );
        }
    }

    /// The lemma behind the bound, checked exhaustively on small halves: of the `H`
    /// windows of length `L` in a half of `h` units, at least `min(|D|, H)` meet any
    /// damaged set `D`, so a uniformly placed location meets it with probability at
    /// least `min(1, |D|/H)`.
    #[test]
    fn enough_windows_meet_any_damage() {
        for h in 1u32..=12 {
            for l in 1..=h {
                let starts = h - l + 1;
                for d in 0u32..(1 << h) {
                    let window = ((1u32 << l) - 1) as u64;
                    let meeting = (0..starts).filter(|s| (window << s) & u64::from(d) != 0).count() as u32;
                    assert!(meeting >= d.count_ones().min(starts), "h {h} L {l} D {d:b}");
                }
            }
        }
    }

    /// The same check has teeth: with a quarter of the bound damaged, samples often miss.
    #[test]
    fn damage_well_below_the_bound_is_often_missed() {
        let spots = (POINT_SIZE / 4096) * unwritten_bound_ppm(2000) / 4 / 1_000_000;
        let rate = miss_rate_ppm(POINT_SIZE, spots, 500, 99);
        assert!(rate > 100_000, "missed only {rate} ppm of the time");
    }

    /// The ppm a printed `W[.F] %` stands for.
    fn printed_ppm(text: &str) -> u64 {
        let n = text.strip_suffix(" %").unwrap();
        let (w, f) = n.split_once('.').unwrap_or((n, ""));
        let f = format!("{f:0<2}");
        (w.parse::<u64>().unwrap() * 100 + f.parse::<u64>().unwrap()) * 100
    }

    proptest! {
        #[test]
        fn printed_bounds_never_round_down_and_shares_never_up(ppm in 0u64..=1_000_000) {
            let up = printed_ppm(&percent_up(ppm));
            prop_assert!(up >= ppm && up < ppm + 100, "{ppm} ppm printed as {}", percent_up(ppm));
            let down = printed_ppm(&percent_down(ppm));
            prop_assert!(down <= ppm && down + 100 > ppm, "{ppm} ppm printed as {}", percent_down(ppm));
        }

        #[test]
        fn the_assurance_statement_is_never_below_its_bound(
            size in 1u64..(1 << 34),
            coverage in 1_000u32..=1_000_000,
            seed in any::<u64>(),
        ) {
            let plan = SamplePlan::new(size / 4096 * 4096 + 4096, 4096, coverage, seed);
            let a = Assurance::sampled(&plan);
            let printed = a
                .statement.en()
                .split("less than ")
                .nth(1)
                .and_then(|rest| rest.split(" of the medium").next())
                .unwrap();
            prop_assert!(printed_ppm(printed) >= a.unwritten_bound_ppm, "{}: {}", a.unwritten_bound_ppm, a.statement);
        }

        #[test]
        fn plans_are_sound(size in 0u64..(64u64 << 30), unit_pow in 9u32..13, cov in 1_000u32..=1_000_000, seed in any::<u64>()) {
            let unit = 1u64 << unit_pow;
            let p = SamplePlan::new(size, unit, cov, seed);
            // Stable per seed.
            prop_assert_eq!(&p, &SamplePlan::new(size, unit, cov, seed));
            let units = size.div_ceil(unit);
            if units >= 2 * SUBSECTIONS {
                prop_assert_eq!(p.subsections, SUBSECTIONS);
            }
            prop_assert!(p.locations.len() as u64 >= 2 * p.subsections.min(units / 2));
            // In bounds, aligned, non-overlapping.
            let mut prev_end = 0;
            for l in &p.locations {
                prop_assert!(l.length > 0 && l.end() <= size);
                prop_assert_eq!(l.offset % unit, 0);
                prop_assert!(l.offset >= prev_end, "locations overlap");
                prev_end = l.end();
            }
            for r in &p.ranges {
                prop_assert!(r.end() <= size && r.offset % unit == 0);
            }
            // First and last MiB, each whole inside one range.
            if size > 0 {
                let whole = |from: u64, to: u64| p.ranges.iter().any(|r| r.offset <= from && to <= r.end());
                prop_assert!(whole(0, MIB.min(size)));
                prop_assert!(whole(size.saturating_sub(MIB), size));
            }
            // Coverage met by the random locations alone.
            let want = (u128::from(size) * u128::from(cov)).div_ceil(1_000_000) as u64;
            prop_assert!(p.located() >= want, "located {} want {}", p.located(), want);
            prop_assert!(p.bytes() >= p.located());
        }

        #[test]
        fn different_seeds_give_different_plans(seed in any::<u64>()) {
            let a = SamplePlan::new(1 << 30, 4096, 100_000, seed);
            let b = SamplePlan::new(1 << 30, 4096, 100_000, seed ^ 1);
            prop_assert_ne!(a.locations, b.locations);
        }
    }
}
