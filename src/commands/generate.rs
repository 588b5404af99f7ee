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
            // Made in memory, written through a checked folder like every output; man
            // pages are for everyone to read (0644).
            let folder = mediasan::files::Folder::create(&dir)?;
            let mut root = Cli::command().disable_help_subcommand(true);
            root.build();
            let mut pages = vec![root];
            while let Some(cmd) = pages.pop() {
                pages.extend(cmd.get_subcommands().filter(|c| !c.is_hide_set()).cloned());
                let man = clap_mangen::Man::new(cmd);
                let mut page = Vec::new();
                man.render(&mut page).map_err(|e| {
                    Failure::new(
                        1,
                        anyhow!(
                            "{}: cannot write the man pages: {e}",
                            mediasan::escape::path(&dir)
                        ),
                    )
                })?;
                folder.write_mode(man.get_filename().as_ref(), &page, true, 0o644)?;
            }
            outln!(
                "{}",
                mediasan::t!("man-written", dir = mediasan::escape::path(&dir))
            );
        }
        GenerateSub::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "mediasan", &mut std::io::stdout());
        }
    }
    Ok(0)
}
