//! `mediasan methods`: the method table with passes and sources.

use serde_json::json;

use mediasan::method::{describe, METHODS};

use crate::cli::MethodsArgs;
use crate::ui::{json_line, Failure};

pub fn run(args: MethodsArgs) -> Result<u8, Failure> {
    for m in METHODS {
        let passes: Vec<String> = m.passes.iter().map(describe).collect();
        if args.json {
            json_line(&json!({
                "name": m.name, "title": m.title, "passes": passes, "source": m.source,
            }));
        } else {
            outln!(
                "{:<17} {} ({} pass{})",
                m.name,
                m.title,
                passes.len(),
                if passes.len() == 1 { "" } else { "es" }
            );
            outln!("{:<17} passes: {}", "", passes.join(", "));
            outln!("{:<17} source: {}", "", m.source);
        }
    }
    if !args.json {
        outln!("\ncustom: --passes 0x00,0xFF,0x55AA,random (hex patterns of 1 to 64 bytes, phased by offset, and `random`)");
        outln!("--blank appends a final 0x00 pass to any method.");
        outln!("\ntechniques (wipe --technique; the drive's own commands where overwriting cannot reach):");
    }
    use clap::ValueEnum;
    for t in mediasan::purge::Technique::value_variants() {
        if args.json {
            json_line(&json!({ "technique": t.name(), "category": t.category(), "title": t.describe() }));
        } else {
            outln!("{:<26} {} [{}]", t.name(), t.describe(), t.category());
        }
    }
    Ok(0)
}
