//! `mediasan generate man|completions`: made from the command line's own
//! definition, so they never disagree with it (the committed docs/man/ is checked
//! by a test).

use anyhow::anyhow;
use clap::CommandFactory;

use crate::cli::{Cli, GenerateArgs, GenerateSub};
use crate::ui::Failure;

pub fn run(args: GenerateArgs) -> Result<u8, Failure> {
    match args.what {
        GenerateSub::Man { dir } => {
            std::fs::create_dir_all(&dir).map_err(|e| {
                Failure::new(
                    1,
                    anyhow!("{}: cannot create it: {e}", mediasan::target::escape_path(&dir)),
                )
            })?;
            clap_mangen::generate_to(Cli::command(), &dir).map_err(|e| {
                Failure::new(
                    1,
                    anyhow!(
                        "{}: cannot write the man pages: {e}",
                        mediasan::target::escape_path(&dir)
                    ),
                )
            })?;
            outln!(
                "{}",
                mediasan::t!("man-written", dir = mediasan::target::escape_path(&dir))
            );
        }
        GenerateSub::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "mediasan", &mut std::io::stdout());
        }
    }
    Ok(0)
}
