//! `cargo bench --bench stream`: how fast one core fills 4 MiB blocks with
//! ChaCha8, ChaCha12 and ChaCha20 (rand_chacha), and with the engine's stream.
//! The figures behind the choice of rounds in docs/performance.md.

use std::time::Instant;

use mediasan::pattern::{RandomStream, StreamKey};
use rand_chacha::rand_core::{RngCore, SeedableRng};

const BLOCK: usize = 4 << 20;
const TOTAL: usize = 2 << 30;

fn measure(name: &str, mut fill: impl FnMut(u64, &mut [u8])) {
    let mut buf = vec![0u8; BLOCK];
    let t = Instant::now();
    let mut off = 0u64;
    while (off as usize) < TOTAL {
        fill(off, &mut buf);
        off += BLOCK as u64;
    }
    let s = t.elapsed().as_secs_f64();
    println!("{name:<28} {:>6.2} GB/s (one core)", TOTAL as f64 / s / 1e9);
}

fn main() {
    let key = [7u8; 32];
    let mut c8 = rand_chacha::ChaCha8Rng::from_seed(key);
    measure("rand_chacha ChaCha8", |_, b| c8.fill_bytes(b));
    let mut c12 = rand_chacha::ChaCha12Rng::from_seed(key);
    measure("rand_chacha ChaCha12", |_, b| c12.fill_bytes(b));
    let mut c20 = rand_chacha::ChaCha20Rng::from_seed(key);
    measure("rand_chacha ChaCha20", |_, b| c20.fill_bytes(b));
    let mut s = RandomStream::new(&StreamKey(key));
    measure("mediasan stream (seeking)", |off, b| s.fill(off, b));
}
