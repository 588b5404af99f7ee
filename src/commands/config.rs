//! `mediasan config show`: the effective configuration, each value with where it came
//! from (a flag, the environment, the file and its line, or the built-in default).

use serde_json::json;

use crate::cli::{ConfigCmd, ConfigSub};
use crate::settings::{self, Named};
use crate::ui::{json_line, print_table, Failure};
use mediasan::escape;
use mediasan::register::Classification;

/// One value and its source.
struct Row {
    key: String,
    value: Option<String>,
    from: String,
}

fn given(flag: &str) -> bool {
    let eq = format!("{flag}=");
    std::env::args().any(|a| a == flag || a.starts_with(&eq))
}

pub fn run(cmd: ConfigCmd) -> Result<u8, Failure> {
    let ConfigSub::Show { json, register } = cmd.command;
    let s = settings::get();
    let c = &s.config;
    let file = |line: usize| c.at(line);
    let mut rows = vec![Row {
        key: "config".into(),
        value: Some(escape::path(&s.path)),
        from: match (&s.named, &c.file) {
            (Named::Flag, _) => mediasan::t!("from-flag", flag = "--config"),
            (Named::Environment, _) => mediasan::t!("from-environment", var = "MEDIASAN_CONFIG"),
            (Named::Default, Some(_)) => mediasan::t!("from-default"),
            (Named::Default, None) => mediasan::t!("from-default-no-file"),
        },
    }];
    for (key, item) in [
        ("organisation", &c.organisation),
        ("location", &c.location),
        ("contact", &c.contact),
        ("trusted_register_id", &c.trusted_register_id),
    ] {
        rows.push(Row {
            key: key.into(),
            value: item.as_ref().map(|i| i.value.clone()),
            from: item
                .as_ref()
                .map_or_else(|| mediasan::t!("from-not-set"), |i| file(i.line)),
        });
    }
    // Values that stand for a flag: the flag, the caller's environment, the file, the
    // built-in default, in that order.
    let layered = |key: &str, flag: Option<&str>, var: &str, line: Option<usize>, value: String| Row {
        key: key.into(),
        value: Some(value),
        from: if flag.is_some_and(given) {
            mediasan::t!("from-flag", flag = flag.unwrap_or_default())
        } else if settings::caller_env(var).is_some() {
            mediasan::t!("from-environment", var = var)
        } else if let Some(l) = line {
            file(l)
        } else {
            mediasan::t!("from-default")
        },
    };
    rows.push(layered(
        "register",
        Some("--register"),
        "MEDIASAN_REGISTER",
        c.register.as_ref().map(|i| i.line),
        escape::path(&register.path),
    ));
    rows.push(layered(
        "index",
        Some("--index"),
        "MEDIASAN_INDEX",
        None,
        escape::path(&register.index),
    ));
    let env_or = |var: &str, default: &str| {
        std::env::var_os(var).map_or(default.to_string(), |v| v.to_string_lossy().into_owned())
    };
    rows.push(layered(
        "certificates",
        None,
        "MEDIASAN_CERT_DIR",
        c.certificates.as_ref().map(|i| i.line),
        env_or("MEDIASAN_CERT_DIR", "."),
    ));
    rows.push(layered(
        "coverage",
        None,
        "MEDIASAN_COVERAGE",
        c.coverage.as_ref().map(|i| i.line),
        format!("{} %", env_or("MEDIASAN_COVERAGE", "10")),
    ));
    rows.push(Row {
        key: "file_mode".into(),
        value: Some(format!("{:04o}", mediasan::files::mode())),
        from: c
            .file_mode
            .as_ref()
            .map_or_else(|| mediasan::t!("from-default"), |m| file(m.line)),
    });
    rows.push(layered(
        "checkpoints",
        None,
        "MEDIASAN_CHECKPOINTS",
        None,
        env_or("MEDIASAN_CHECKPOINTS", mediasan::checkpoint::DEFAULT_DIR),
    ));
    for class in Classification::ALL {
        let d = c.classification.get(&class);
        let method = d.and_then(|d| d.method.as_ref());
        let verify = d.and_then(|d| d.verify.as_ref());
        rows.push(Row {
            key: format!("classification.{}.method", class.name()),
            value: Some(
                method.map_or(mediasan::job::default_method(Some(class)).to_string(), |m| {
                    m.value.clone()
                }),
            ),
            from: method.map_or_else(|| mediasan::t!("from-default"), |m| file(m.line)),
        });
        rows.push(Row {
            key: format!("classification.{}.verify", class.name()),
            value: Some(verify.map_or("sample".to_string(), |v| v.value.name().to_string())),
            from: verify.map_or_else(|| mediasan::t!("from-default"), |v| file(v.line)),
        });
    }
    if json {
        json_line(&json!({
            "event": "config",
            "file": c.file.as_ref().map(|f| escape::path(f)),
            "values": rows.iter().map(|r| json!({ "key": r.key, "value": r.value, "from": r.from })).collect::<Vec<_>>(),
        }));
    } else {
        let cells: Vec<[String; 3]> = rows
            .into_iter()
            .map(|r| [r.key, r.value.unwrap_or_else(|| "-".into()), r.from])
            .collect();
        let heads = mediasan::t!("config-heads");
        print_table(&crate::ui::heads(&heads), &cells);
    }
    Ok(0)
}
