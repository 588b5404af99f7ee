//! What a pass writes: fixed byte patterns and the seekable keyed random stream.
//!
//! Every pattern is a pure function of the absolute offset on the target, so a
//! block's bytes can be produced without producing the blocks before it. That
//! is what lets several threads fill blocks at once and what lets a later
//! verification regenerate the bytes at any sampled offset.

use std::fmt;

use rand_chacha::rand_core::{RngCore, SeedableRng};

/// The generator behind random passes. Changing it changes the result format's
/// `construction` string: see `docs/result-format.md` and `docs/performance.md`.
pub type StreamRng = rand_chacha::ChaCha8Rng;

/// How the random stream is built, written into every result so that anyone can
/// regenerate it later with the recorded key.
pub const STREAM_CONSTRUCTION: &str =
    "ChaCha8 (8 rounds), 256-bit key, 64-bit nonce/stream 0, 64-bit block counter from 0; \
the byte at offset n is byte (n mod 4) of the little-endian 32-bit keystream word n div 4";

/// The rand_chacha release that produced the stream (checked against Cargo.lock by a test).
pub const STREAM_CRATE: &str = "rand_chacha 0.9.0";

/// Longest fixed pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 64;

/// The 256-bit key of one random pass.
#[derive(Clone, PartialEq, Eq)]
pub struct StreamKey(pub [u8; 32]);

impl StreamKey {
    /// A fresh key from the operating system's entropy source.
    pub fn generate() -> std::io::Result<StreamKey> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(std::io::Error::from)?;
        Ok(StreamKey(key))
    }

    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    pub fn from_hex(s: &str) -> Option<StreamKey> {
        let bytes = parse_hex(s)?;
        Some(StreamKey(bytes.try_into().ok()?))
    }
}

impl fmt::Debug for StreamKey {
    // Keys never reach a log through Debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamKey(…)")
    }
}

/// The bytes one pass writes over the whole target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// A byte sequence repeated from offset 0 of the target (phased by absolute offset).
    Fixed(Vec<u8>),
    /// The keyed ChaCha stream.
    Random(StreamKey),
}

impl Pattern {
    /// Fills `buf` with the bytes this pattern puts at `offset..offset + buf.len()`.
    pub fn fill(&self, offset: u64, buf: &mut [u8]) {
        match self {
            Pattern::Fixed(bytes) => fill_fixed(bytes, offset, buf),
            Pattern::Random(key) => RandomStream::new(key).fill(offset, buf),
        }
    }

    /// Length of the repeating unit of a fixed pattern; `None` for random.
    pub fn period(&self) -> Option<usize> {
        match self {
            Pattern::Fixed(bytes) => Some(bytes.len()),
            Pattern::Random(_) => None,
        }
    }

    /// The pattern as written in `--passes` lists and results: `0x00`, `0x924924`, `random`.
    pub fn label(&self) -> String {
        match self {
            Pattern::Fixed(bytes) => format!("0x{}", hex(bytes).to_uppercase()),
            Pattern::Random(_) => "random".to_string(),
        }
    }
}

fn fill_fixed(bytes: &[u8], offset: u64, buf: &mut [u8]) {
    debug_assert!(!bytes.is_empty());
    if let [b] = bytes {
        buf.fill(*b);
        return;
    }
    let n = bytes.len();
    let phase = (offset % n as u64) as usize;
    // Lay down one period, then double the filled prefix: O(log len) copies.
    let first = buf.len().min(n);
    for (i, dst) in buf[..first].iter_mut().enumerate() {
        *dst = bytes[(phase + i) % n];
    }
    let mut filled = first;
    while filled < buf.len() {
        let len = filled.min(buf.len() - filled);
        // `filled` is a multiple of n here (or the buffer ends), so the phase carries on.
        buf.copy_within(..len, filled);
        filled += len;
    }
}

/// The keyed stream, positioned anywhere in 4-byte units.
pub struct RandomStream {
    rng: StreamRng,
}

impl RandomStream {
    pub fn new(key: &StreamKey) -> RandomStream {
        RandomStream {
            rng: StreamRng::from_seed(key.0),
        }
    }

    /// Fills `buf` with the stream bytes at `offset..offset + buf.len()`.
    pub fn fill(&mut self, offset: u64, buf: &mut [u8]) {
        self.rng.set_word_pos(u128::from(offset / 4));
        let skip = (offset % 4) as usize;
        let mut rest = buf;
        if skip != 0 {
            let mut word = [0u8; 4];
            self.rng.fill_bytes(&mut word);
            let n = rest.len().min(4 - skip);
            rest[..n].copy_from_slice(&word[skip..skip + n]);
            rest = &mut rest[n..];
        }
        // Whole words straight into the buffer; fill_bytes consumes exactly len/4 words.
        let body = rest.len() / 4 * 4;
        let (words, tail) = rest.split_at_mut(body);
        self.rng.fill_bytes(words);
        if !tail.is_empty() {
            let mut word = [0u8; 4];
            self.rng.fill_bytes(&mut word);
            let len = tail.len();
            tail.copy_from_slice(&word[..len]);
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub(crate) fn parse_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(n: u8) -> StreamKey {
        StreamKey([n; 32])
    }

    #[test]
    fn fixed_patterns_are_phased_by_absolute_offset() {
        let p = Pattern::Fixed(vec![0x92, 0x49, 0x24]);
        let mut whole = vec![0u8; 100];
        p.fill(0, &mut whole);
        for start in 0..10u64 {
            let mut part = vec![0u8; 37];
            p.fill(start, &mut part);
            assert_eq!(part, whole[start as usize..start as usize + 37]);
        }
        assert_eq!(&whole[..6], &[0x92, 0x49, 0x24, 0x92, 0x49, 0x24]);
    }

    #[test]
    fn stream_matches_the_chacha8_known_answer() {
        // ChaCha with 8 rounds, all-zero 256-bit key and nonce, block 0: the published
        // test vector (draft-strombergson-chacha-test-vectors, TC1).
        let mut buf = [0u8; 64];
        RandomStream::new(&StreamKey([0; 32])).fill(0, &mut buf);
        assert_eq!(
            hex(&buf),
            "3e00ef2f895f40d67f5bb8e81f09a5a12c840ec3ce9a7f3b181be188ef711a1e\
             984ce172b9216f419f445367456d5619314a42a3da86b001387bfdb80e0cfe42"
        );
    }

    #[test]
    fn the_recorded_crate_version_is_the_one_built() {
        // The mediasan package's own dependency on rand_chacha, as Cargo.lock resolves it
        // (with a version suffix when several versions are in the tree).
        let lock = include_str!("../Cargo.lock");
        let ours = lock
            .split("[[package]]")
            .find(|p| p.contains("name = \"mediasan\""))
            .unwrap();
        let dep = ours
            .lines()
            .map(|l| l.trim().trim_matches(|c| c == '"' || c == ','))
            .find(|l| l.starts_with("rand_chacha"))
            .unwrap();
        let version = match dep.split_once(' ') {
            Some((_, v)) => v.to_string(),
            None => {
                let at = lock.find("name = \"rand_chacha\"\nversion = \"").unwrap();
                lock[at..]
                    .lines()
                    .nth(1)
                    .unwrap()
                    .trim_start_matches("version = ")
                    .trim_matches('"')
                    .to_string()
            }
        };
        assert_eq!(STREAM_CRATE, format!("rand_chacha {version}"));
    }

    #[test]
    fn keys_round_trip_through_hex_and_debug_hides_them() {
        let k = StreamKey::generate().unwrap();
        assert_eq!(StreamKey::from_hex(&k.to_hex()), Some(k.clone()));
        assert!(!format!("{k:?}").contains(&k.to_hex()[..8]));
        assert_eq!(StreamKey::from_hex("zz"), None);
    }

    proptest! {
        #[test]
        fn seeking_equals_streaming(seed in any::<u8>(), offset in 0u64..70_000, len in 0usize..5_000) {
            let k = key(seed);
            let mut streamed = vec![0u8; offset as usize + len];
            RandomStream::new(&k).fill(0, &mut streamed);
            let mut sought = vec![0u8; len];
            RandomStream::new(&k).fill(offset, &mut sought);
            prop_assert_eq!(&sought[..], &streamed[offset as usize..]);
        }

        #[test]
        fn seeking_matches_the_raw_generator(seed in any::<u8>(), offset in 0u64..20_000, len in 0usize..3_000) {
            // An independent reference: the generator itself, read from the start.
            let mut raw = StreamRng::from_seed([seed; 32]);
            let mut streamed = vec![0u8; (offset as usize + len).div_ceil(4) * 4];
            rand_chacha::rand_core::RngCore::fill_bytes(&mut raw, &mut streamed);
            let mut sought = vec![0u8; len];
            RandomStream::new(&key(seed)).fill(offset, &mut sought);
            prop_assert_eq!(&sought[..], &streamed[offset as usize..offset as usize + len]);
        }

        #[test]
        fn blockwise_filling_equals_one_fill(seed in any::<u8>(), block in 1usize..3000) {
            let k = key(seed);
            let total = 20_000usize;
            let mut whole = vec![0u8; total];
            Pattern::Random(k.clone()).fill(0, &mut whole);
            let mut pieces = vec![0u8; total];
            for (i, chunk) in pieces.chunks_mut(block).enumerate() {
                Pattern::Random(k.clone()).fill((i * block) as u64, chunk);
            }
            prop_assert_eq!(whole, pieces);
        }

        #[test]
        fn fixed_fill_is_periodic(bytes in proptest::collection::vec(any::<u8>(), 1..8), offset in 0u64..1000, len in 0usize..300) {
            let mut buf = vec![0u8; len];
            fill_fixed(&bytes, offset, &mut buf);
            for (i, b) in buf.iter().enumerate() {
                prop_assert_eq!(*b, bytes[((offset as usize) + i) % bytes.len()]);
            }
        }
    }
}
