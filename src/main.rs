//! The `mediasan` binary: read the configuration, parse, run, map to an exit code.
//! Nothing else.

#[macro_use]
mod ui;
mod cli;
mod commands;
mod settings;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The language first: every message after this speaks it (help included).
    mediasan::i18n::set(settings::lang(&args));
    // Before parsing: the file's values are the flags' defaults.
    if let Err(e) = settings::load(&args) {
        let hint = e.hint.unwrap_or_else(|| mediasan::t!("config-error-hint"));
        ui::Failure::usage(anyhow::anyhow!(e.message)).hint(hint).print();
        return ExitCode::from(2);
    }
    let matches = cli::localized(<cli::Cli as clap::CommandFactory>::command()).get_matches_from(args);
    let cli = match <cli::Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            failure.print();
            ExitCode::from(failure.code)
        }
    }
}
