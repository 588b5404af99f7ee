//! One module per subcommand; each turns its arguments into a validated plan,
//! runs it and returns the exit code.

mod batch;
mod cert;
mod config;
mod demo;
mod generate;
mod methods;
pub mod register;
mod scan;
mod verify;
mod wipe;

use crate::cli::{Cli, Command};
use crate::ui::Failure;

pub fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Wipe(args) => wipe::run(args),
        Command::Batch(cmd) => batch::run(cmd),
        Command::Methods(args) => methods::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Register(cmd) => register::run_register(cmd),
        Command::Person(cmd) => register::run_person(cmd),
        Command::Carrier(cmd) => register::run_carrier(cmd),
        Command::Approve(args) => register::run_approve(args),
        Command::Key(cmd) => register::run_key(cmd),
        Command::Cert(cmd) => cert::run(cmd),
        Command::Demo(args) => demo::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Config(cmd) => config::run(cmd),
    }
}

/// `--coverage 12.5` → 125 000 parts per million; 0.1 to 100 %.
pub fn parse_coverage(text: &str) -> Result<u32, Failure> {
    let bad = || {
        Failure::usage(anyhow::anyhow!(
            "--coverage {text:?}: expected a percentage from 0.1 to 100, such as 10 or 12.5"
        ))
    };
    mediasan::verify::coverage_ppm(text).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::parse_coverage;

    #[test]
    fn coverage_is_read_without_floating_point() {
        assert_eq!(parse_coverage("10").unwrap(), 100_000);
        assert_eq!(parse_coverage("0.1").unwrap(), 1_000);
        assert_eq!(parse_coverage("12.5").unwrap(), 125_000);
        assert_eq!(parse_coverage("100").unwrap(), 1_000_000);
        for bad in [
            "0.09",
            "100.01",
            "abc",
            "",
            ".",
            "-5",
            "1e2",
            "10.12345",
            "4294967295",
        ] {
            assert!(parse_coverage(bad).is_err(), "{bad}");
        }
    }
}
