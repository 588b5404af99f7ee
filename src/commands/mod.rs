//! One module per subcommand; each turns its arguments into a validated plan,
//! runs it and returns the exit code.

mod demo;
mod methods;
mod wipe;

use crate::cli::{Cli, Command};
use crate::ui::Failure;

pub fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Wipe(args) => wipe::run(args),
        Command::Methods(args) => methods::run(args),
        Command::Demo(args) => demo::run(args),
    }
}
