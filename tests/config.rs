//! The station's configuration: `config show` names where each value comes from; the
//! file's values become the defaults of the flags they stand for, under flags and the
//! environment; errors name the line; a registered carrier's classification takes its
//! configured method and verification; certificates carry the station's contact, and
//! `cert verify` checks the register id the station trusts.

mod common;

use std::fs;

use common::{plant_markers, Office};

fn config(o: &Office, text: &str) -> String {
    let p = o.path("config.toml");
    fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// The line of `config show`'s table for `key`.
fn row(out: &str, key: &str) -> String {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no {key} in {out}"))
        .to_string()
}

#[test]
fn config_show_names_the_source_of_every_value() {
    let o = Office::new();
    let file = config(
        &o,
        "# station\norganisation = \"某市某局\"\nregister = \"/srv/r.db\"\ncoverage = 12.5\n\n[classification.secret]\nverify = \"all\"\n",
    );
    let (code, out, err) = o.run_with(
        None,
        &["config", "show"],
        &[
            ("MEDIASAN_CONFIG", &file),
            ("MEDIASAN_REGISTER", ""),
            ("MEDIASAN_COVERAGE", ""),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let line = |key: &str| row(&out, key);
    assert!(line("config").contains("environment MEDIASAN_CONFIG"), "{out}");
    assert!(
        line("organisation").contains("某市某局") && line("organisation").contains("line 2"),
        "{out}"
    );
    assert!(
        line("register").contains("/srv/r.db") && line("register").contains("line 3"),
        "{out}"
    );
    assert!(
        line("coverage").contains("12.5 %") && line("coverage").contains("line 4"),
        "{out}"
    );
    assert!(
        line("classification.secret.verify").contains("all")
            && line("classification.secret.verify").contains("line 7")
    );
    assert!(
        line("classification.secret.method").contains("bmb21")
            && line("classification.secret.method").contains("default")
    );
    assert!(line("location").contains("not set"), "{out}");
    // The environment wins over the file, a flag over both.
    let (_, out, _) = o.run_with(
        None,
        &["config", "show", "--config", &file, "--register", "/flag.db"],
        &[("MEDIASAN_CONFIG", ""), ("MEDIASAN_COVERAGE", "20")],
    );
    let line = |key: &str| row(&out, key);
    assert!(line("config").contains("flag --config"), "{out}");
    assert!(
        line("register").contains("/flag.db") && line("register").contains("flag --register"),
        "{out}"
    );
    assert!(
        line("coverage").contains("20 %") && line("coverage").contains("environment MEDIASAN_COVERAGE"),
        "{out}"
    );
    // --json, for scripts.
    let (_, out, _) = o.run_with(None, &["config", "show", "--json"], &[("MEDIASAN_CONFIG", &file)]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(v["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["key"] == "organisation" && r["value"] == "某市某局"));
}

#[test]
fn a_bad_configuration_is_refused_with_its_line_and_nothing_runs() {
    let o = Office::new();
    for (text, says) in [
        (
            "organisation = \"x\"\n\norganization = \"y\"\n",
            "line 3: unknown field `organization`",
        ),
        ("contact = 12345\n", "line 1: invalid type"),
        (
            "[classification.secret]\nmethod = \"melt\"\n",
            "line 2: unknown method \"melt\"",
        ),
    ] {
        let file = config(&o, text);
        let (code, out, err) = o.run_with(None, &["methods"], &[("MEDIASAN_CONFIG", &file)]);
        assert_eq!(code, 2, "{text:?}: {err}");
        assert!(err.contains(says), "{text:?}: {err}");
        assert!(out.is_empty(), "nothing ran: {out}");
        assert_eq!(err.matches(says).count(), 1, "said once: {err}");
    }
    // A file named and missing is an error; the default path may hold none.
    let (code, _, err) = o.run_with(
        None,
        &["methods"],
        &[("MEDIASAN_CONFIG", "/nonexistent/config.toml")],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read the configuration"), "{err}");
}

#[test]
fn the_configuration_sets_the_register_the_carrier_defaults_and_the_certificate() {
    let o = Office::staffed();
    let reg = o.register();
    let file = config(
        &o,
        &format!(
            "organisation = \"配置单位\"\ncontact = \"010-87654321\"\nregister = \"{}\"\ncertificates = \"certs\"\n\
             [classification.secret]\nmethod = \"zero\"\nverify = \"all\"\n",
            reg.display()
        ),
    );
    let env = [("MEDIASAN_CONFIG", file.as_str()), ("MEDIASAN_REGISTER", "")];
    // The register of the file is the one used (MEDIASAN_REGISTER unset).
    let (code, out, err) = o.run_with(None, &["register", "verify"], &env);
    assert_eq!(code, 0, "{err}{out}");
    let img = o.path("drive.img");
    plant_markers(&img, 1 << 20);
    let id = o.register_image(&img);
    o.ok(Some("approver"), &["approve", &id]);
    let (code, out, err) = o.run_with(
        Some("operator"),
        &["wipe", "--carrier", &id, "--result", "r.json", "drive.img"],
        &env,
    );
    assert_eq!(code, 0, "{err}{out}");
    let r: serde_json::Value = serde_json::from_slice(&fs::read(o.path("r.json")).unwrap()).unwrap();
    assert_eq!(
        r["method"]["name"], "zero",
        "the secret class's configured method"
    );
    assert_eq!(
        r["verification"]["mode"], "all",
        "the secret class's configured verification"
    );
    let cert = fs::read_dir(o.path("certs"))
        .expect("the certificates folder of the configuration")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".cert.json"))
        .expect("a certificate");
    let c: serde_json::Value = serde_json::from_slice(&fs::read(&cert).unwrap()).unwrap();
    assert_eq!(c["body"]["person"]["phone"], "010-87654321");
    // The register's organisation, which its founder signed, not the station's word.
    assert_eq!(c["body"]["organisation"]["name"], "某市某局");
    // A flag still wins: --verify sample.
    let img2 = o.path("drive2.img");
    plant_markers(&img2, 1 << 20);
    let id2 = o.register_image(&img2);
    o.ok(Some("approver"), &["approve", &id2]);
    let (code, _, err) = o.run_with(
        Some("operator"),
        &[
            "wipe",
            "--carrier",
            &id2,
            "--verify",
            "sample",
            "--result",
            "r2.json",
            "drive2.img",
        ],
        &env,
    );
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_slice(&fs::read(o.path("r2.json")).unwrap()).unwrap();
    assert_eq!(r["verification"]["mode"], "sample");

    // cert verify checks the register id this station trusts when none is given.
    let rid = c["body"]["register"]["register_id"].as_str().unwrap().to_string();
    let cert = cert.to_str().unwrap();
    for (trusted, ok) in [
        (rid, true),
        ("00000000000000000000000000000000".to_string(), false),
    ] {
        let file = config(&o, &format!("trusted_register_id = \"{trusted}\"\n"));
        let (_, out, err) = o.run_with(None, &["cert", "verify", cert], &[("MEDIASAN_CONFIG", &file)]);
        assert!(out.contains("the register id this station trusts"), "{out}{err}");
        let failed = out.contains("FAIL register id filed on paper");
        assert_eq!(!failed, ok, "trusted {trusted}: {out}");
    }
}

#[test]
fn register_init_takes_the_organisation_of_the_configuration() {
    let o = Office::new();
    o.ok(
        None,
        &[
            "key",
            "new",
            "--name",
            "a",
            "--out",
            o.path("a").to_str().unwrap(),
        ],
    );
    let file = config(&o, "organisation = \"某市某局\"\nlocation = \"某楼 3 层\"\n");
    let args = [
        "register",
        "init",
        "--name",
        "王五",
        "--key",
        "a.pub",
        "--signed-by",
        "a",
    ];
    let (code, _, err) = o.run(None, &args);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--org") && err.contains("organisation in the configuration"),
        "{err}"
    );
    let (code, out, err) = o.run_with(None, &args, &[("MEDIASAN_CONFIG", &file)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("某市某局"), "{out}");
}

#[test]
fn an_unlinked_certificate_names_the_station_of_the_configuration() {
    let o = Office::new();
    o.ok(
        None,
        &[
            "key",
            "new",
            "--name",
            "me",
            "--out",
            o.path("me").to_str().unwrap(),
        ],
    );
    plant_markers(&o.path("f.img"), 1 << 20);
    let file = config(
        &o,
        "organisation = \"某市某局\"\nlocation = \"某楼\"\ncontact = \"010-1\"\n",
    );
    let (code, out, err) = o.run_with(
        None,
        &["wipe", "--method", "zero", "--key", "me", "f.img"],
        &[("MEDIASAN_CONFIG", &file), ("MEDIASAN_REGISTER", "")],
    );
    assert_eq!(code, 0, "{err}");
    let cert = out
        .lines()
        .find_map(|l| l.strip_prefix("certificate: "))
        .expect("a certificate");
    let c: serde_json::Value = serde_json::from_slice(&fs::read(o.path(cert)).unwrap()).unwrap();
    assert_eq!(c["body"]["register"]["linked"], false);
    assert_eq!(c["body"]["organisation"]["name"], "某市某局");
    assert_eq!(c["body"]["organisation"]["location"], "某楼");
    assert_eq!(c["body"]["person"]["phone"], "010-1");
}
