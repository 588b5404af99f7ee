//! The command line: clap structures whose doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Secure media sanitisation: overwrite, verify and prove it.
#[derive(Debug, Parser)]
#[command(name = "mediasan", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Overwrite block devices, partitions, disk images or files.
    Wipe(WipeArgs),
    /// List the wipe methods with their passes and sources.
    Methods(MethodsArgs),
    /// Read a target back and check it holds a pattern, or replay an earlier wipe's check.
    Verify(VerifyArgs),
    /// Run a whole wipe on a scratch image in a temporary folder (no root needed).
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct WipeArgs {
    /// Block devices (/dev/sdX, /dev/disk/by-id/…, /dev/loopN), partitions, images or files.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<PathBuf>,

    /// Wipe method (see `mediasan methods`); default `random`.
    #[arg(long, value_name = "NAME", conflicts_with = "passes")]
    pub method: Option<String>,

    /// Custom pass sequence, e.g. `0x00,0xFF,0x55AA,random`.
    #[arg(long, value_name = "LIST")]
    pub passes: Option<String>,

    /// Append a final 0x00 pass.
    #[arg(long)]
    pub blank: bool,

    /// Print the plan, the safety checks and an estimate; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// The serial number of each block device to wipe, as the device reports it (for a loop
    /// device: its backing file's path). Repeat for several devices.
    #[arg(long, value_name = "SERIAL")]
    pub confirm: Vec<String>,

    /// Machine-readable output: one JSON object a line (progress events, then the result).
    #[arg(long)]
    pub json: bool,

    /// Read back after writing: `sample` (the last pass at sampled locations), `last`
    /// (the last pass, every byte), `all` (every pass, every byte) or `none`.
    #[arg(long, value_name = "MODE", default_value = "sample")]
    pub verify: mediasan::report::VerifyMode,

    /// The least share of the target a sampled verification reads, in percent (0.1–100).
    #[arg(long, value_name = "PERCENT", default_value = "10")]
    pub coverage: String,

    /// Write the result (format mediasan-result/1) to this file; one target only.
    #[arg(long, value_name = "FILE")]
    pub result: Option<PathBuf>,

    /// Bytes per write (a multiple of 4096); for benchmarks.
    #[arg(long, value_name = "BYTES", hide = true)]
    pub block_size: Option<usize>,

    /// Threads generating the random stream; for benchmarks.
    #[arg(long, value_name = "N", hide = true)]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The block device, image or file to read.
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,

    /// The pattern the target must hold: `zero`, `one`, or hex such as `0xAA` or `0x924924`.
    #[arg(
        long,
        value_name = "PATTERN",
        required_unless_present = "replay",
        conflicts_with = "replay"
    )]
    pub expect: Option<String>,

    /// Re-run the check of an earlier wipe: its last pass's pattern and key, and its sample's
    /// seed (or, with --full, every byte).
    #[arg(long, value_name = "RESULT.json")]
    pub replay: Option<PathBuf>,

    /// Read every byte instead of a sample.
    #[arg(long)]
    pub full: bool,

    /// The least share a sample reads, in percent (0.1–100); a fresh seed is drawn.
    #[arg(long, value_name = "PERCENT", default_value = "10", conflicts_with = "replay")]
    pub coverage: String,

    /// Machine-readable output: one JSON object a line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MethodsArgs {
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's artefacts (default: a new temporary folder, kept afterwards).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn method_and_passes_exclude_each_other() {
        let r = Cli::try_parse_from(["mediasan", "wipe", "x", "--method", "zero", "--passes", "0x00"]);
        assert!(r.is_err());
        let c = Cli::try_parse_from(["mediasan", "wipe", "a", "b", "--confirm", "S1", "--confirm", "S2"])
            .unwrap();
        match c.command {
            Command::Wipe(w) => assert_eq!((w.targets.len(), w.confirm.len()), (2, 2)),
            _ => panic!("wipe expected"),
        }
    }
}
