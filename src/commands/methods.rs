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
                "{:<17} {}",
                m.name,
                mediasan::t!(
                    "methods-line",
                    title = mediasan::i18n::method_title(m.name, m.title),
                    count = passes.len()
                )
            );
            outln!(
                "{:<17} {}",
                "",
                mediasan::t!("methods-passes", passes = passes.join(", "))
            );
            outln!("{:<17} {}", "", mediasan::t!("methods-source", source = m.source));
        }
    }
    if !args.json {
        outln!("\n{}", mediasan::t!("methods-custom"));
        outln!("{}", mediasan::t!("methods-blank"));
        outln!("\n{}", mediasan::t!("methods-techniques"));
    }
    use clap::ValueEnum;
    for t in mediasan::purge::Technique::value_variants() {
        if args.json {
            json_line(&json!({ "technique": t.name(), "category": t.category(), "title": t.describe() }));
        } else {
            let category = match t.category() {
                "clear" => mediasan::t!("category-clear"),
                "purge" => mediasan::t!("category-purge"),
                _ => mediasan::t!("category-chosen"),
            };
            outln!("{:<26} {} [{category}]", t.name(), t.describe());
        }
    }
    Ok(0)
}
