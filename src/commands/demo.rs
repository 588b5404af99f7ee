//! `mediasan demo`: a whole wipe on a scratch image, without root.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{anyhow, Context};

use mediasan::report::Outcome;
use mediasan::target::{escape_path, Sys};

use super::wipe::{wipe_target, Plan};
use crate::cli::DemoArgs;
use crate::ui::{bytes, Failure};

/// An odd size, so that the unaligned tail is exercised too.
const IMAGE_SIZE: u64 = (32 << 20) + 4097;
const MARKER_EVERY: u64 = 64 << 10;

fn marker(i: u64) -> String {
    format!("MEDIASAN-DEMO-SECRET-{i:06}")
}

pub fn run(args: DemoArgs) -> Result<u8, Failure> {
    let fail = |e: anyhow::Error| Failure::new(1, e);
    let dir = match args.dir {
        Some(d) => {
            fs::create_dir_all(&d)
                .with_context(|| format!("cannot create {}", escape_path(&d)))
                .map_err(fail)?;
            d
        }
        None => tempfile::Builder::new()
            .prefix("mediasan-demo-")
            .tempdir()
            .context("cannot create a temporary folder")
            .map_err(fail)?
            .keep(),
    };
    let image = dir.join("scratch.img");
    let result = dir.join("scratch.result.json");

    let planted = plant_markers(&image).map_err(fail)?;
    outln!(
        "1. scratch image {} ({}), {planted} secret markers planted",
        escape_path(&image),
        bytes(IMAGE_SIZE)
    );

    let plan = Plan {
        method: "bmb21".into(),
        passes: mediasan::method::find("bmb21")
            .map(|m| m.passes.to_vec())
            .ok_or_else(|| fail(anyhow!("the bmb21 method is missing")))?,
        blank: false,
        options: mediasan::engine::Options {
            verify: mediasan::engine::VerifySpec {
                mode: mediasan::report::VerifyMode::Sample,
                ..Default::default()
            },
            ..Default::default()
        },
        dry_run: false,
        json: false,
        confirm: Vec::new(),
        result: Some(result.clone()),
    };
    outln!("2. wiping it with bmb21 (0xFF, 0x00, random ×3, 0xFF), then a sampled readback");
    let report = wipe_target(&image, &plan, &Sys::host(), None, None)?
        .ok_or_else(|| fail(anyhow!("the demo wipe did not run")))?;

    let (wrong, found) = read_back(&image).map_err(fail)?;
    outln!(
        "3. read back {}: {} byte(s) differ from the last pass (0xFF), {found} of {planted} markers found",
        bytes(IMAGE_SIZE),
        wrong
    );
    outln!(
        "   (a file is read back through its file system: this shows the writes, not the medium underneath)"
    );
    outln!("4. result: {}", escape_path(&result));
    let ok = report.outcome == Outcome::Sanitised && wrong == 0 && found == 0;
    outln!(
        "\n{}",
        if ok {
            "demo: the scratch image is sanitised."
        } else {
            "demo: FAILED — see above."
        }
    );
    outln!("artefacts are kept in {}", escape_path(&dir));
    Ok(if ok { 0 } else { 1 })
}

fn plant_markers(path: &PathBuf) -> anyhow::Result<u64> {
    // create_new: never follow or reuse whatever already sits at that name.
    let mut f = File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot create {} (the demo needs an empty folder)",
                escape_path(path)
            )
        })?;
    let mut block = vec![0u8; MARKER_EVERY as usize];
    let mut n = 0;
    let mut at = 0u64;
    while at < IMAGE_SIZE {
        let len = (IMAGE_SIZE - at).min(MARKER_EVERY) as usize;
        block.fill(b'.');
        let m = marker(n);
        if m.len() <= len {
            block[..m.len()].copy_from_slice(m.as_bytes());
            n += 1;
        }
        f.write_all(&block[..len])?;
        at += len as u64;
    }
    f.sync_all()?;
    Ok(n)
}

/// Bytes that are not 0xFF, and markers still present.
fn read_back(path: &PathBuf) -> anyhow::Result<(u64, u64)> {
    let mut data = Vec::with_capacity(IMAGE_SIZE as usize);
    File::open(path)?.read_to_end(&mut data)?;
    let wrong = data.iter().filter(|&&b| b != 0xFF).count() as u64 + IMAGE_SIZE.abs_diff(data.len() as u64);
    let found = data.windows(20).filter(|w| w == b"MEDIASAN-DEMO-SECRET").count() as u64;
    Ok((wrong, found))
}
