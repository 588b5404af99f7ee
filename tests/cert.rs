//! Certificates: written by a signed wipe, co-signed by a supervisor (never the
//! operator), verified against the register or an allowed-signers file, and checked
//! by stock OpenSSH after export. Tampered variants, one table.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use mediasan::cert::Certificate;
use mediasan::keys::Signer;

impl Office {
    fn signer(&self, name: &str) -> Signer {
        Signer::from_file(&self.path(name), || None).unwrap()
    }
}

/// An office whose image was wiped with --carrier: returns it and the certificate.
fn wiped() -> (Office, PathBuf) {
    let o = Office::new();
    for k in ["approver", "operator", "supervisor", "stranger"] {
        o.ok(
            None,
            &["key", "new", "--name", k, "--out", o.path(k).to_str().unwrap()],
        );
    }
    o.ok(
        None,
        &[
            "register",
            "init",
            "--org",
            "某局",
            "--name",
            "王五",
            "--key",
            "approver.pub",
            "--signed-by",
            "approver",
        ],
    );
    o.ok(
        Some("approver"),
        &[
            "person",
            "add",
            "--name",
            "张三",
            "--role",
            "operator",
            "--id",
            "zhangsan",
            "--key",
            "operator.pub",
        ],
    );
    o.ok(
        Some("approver"),
        &[
            "person",
            "add",
            "--name",
            "李四",
            "--role",
            "supervisor",
            "--id",
            "lisi",
            "--key",
            "supervisor.pub",
        ],
    );
    let img = o.path("drive.img");
    plant_markers(&img, 2 << 20);
    let c = o.register_image(&img);
    o.ok(Some("approver"), &["approve", &c]);
    let out = o.ok(
        Some("operator"),
        &[
            "wipe",
            "--carrier",
            &c,
            "--method",
            "dod-3",
            "--cert-dir",
            "certs",
            "drive.img",
        ],
    );
    let cert = out
        .lines()
        .find_map(|l| l.strip_prefix("certificate: "))
        .expect("a certificate line")
        .to_string();
    let cert = o.path(&cert);
    (o, cert)
}

fn signer(id: &str) -> mediasan::cert::SignerRef<'_> {
    mediasan::cert::SignerRef {
        id,
        ..Default::default()
    }
}

fn verify(o: &Office, cert: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["cert", "verify", cert.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, out, err) = o.run(None, &args);
    (code, out + &err)
}

#[test]
fn a_certificate_is_signed_cosigned_verified_and_checked_by_openssh() {
    let (o, cert) = wiped();
    let c: serde_json::Value = serde_json::from_slice(&fs::read(&cert).unwrap()).unwrap();
    let body = &c["body"];
    assert_eq!(body["format"], "mediasan-certificate/1");
    assert_eq!(body["media"]["classification"], "secret");
    assert_eq!(body["post_sanitisation_classification"], "secret");
    assert_eq!(body["must_destroy_physically"], true);
    assert_eq!(body["sanitisation"]["category"], "clear");
    // NIST SP 800-88 r1 Appendix G: source, backup, destination's box.
    assert_eq!(body["media"]["source"], "custodian zhangsan");
    assert_eq!(body["media"]["backed_up"], "unknown");
    assert_eq!(body["destination_category"], "other");
    assert_eq!(body["sanitisation"]["result"]["outcome"], "sanitised");
    assert_eq!(body["register"]["linked"], true);
    assert_eq!(body["person"]["id"], "zhangsan");
    assert_eq!(c["signatures"].as_array().unwrap().len(), 1);
    // Operator-signed only: not yet valid.
    let (code, out) = verify(&o, &cert, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("0 of 1 required"), "{out}");
    // A certificate whose operator signature is broken is not co-signed (exit 1).
    let mut broken = Certificate::parse(&fs::read(&cert).unwrap()).unwrap();
    broken.body["notes"] = serde_json::json!(["edited after signing"]);
    let broken_path = o.path("broken.cert.json");
    fs::write(&broken_path, broken.to_file()).unwrap();
    let (code, _, err) = o.run(
        Some("supervisor"),
        &["cert", "cosign", broken_path.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
    // Nobody but a supervisor, who is not the operator, co-signs.
    let (code, _, err) = o.run(Some("operator"), &["cert", "cosign", cert.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    let (code, _, err) = o.run(Some("approver"), &["cert", "cosign", cert.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("supervisor"), "{err}");
    o.ok(Some("supervisor"), &["cert", "cosign", cert.to_str().unwrap()]);
    let (code, out) = verify(&o, &cert, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("VALID") && out.contains("certificate recorded"),
        "{out}"
    );
    let show = o.ok(
        None,
        &["carrier", "show", body["media"]["carrier"].as_str().unwrap()],
    );
    assert!(show.contains("certificate-cosigned"), "{show}");
    // Export, and stock OpenSSH verifies each signature.
    o.ok(
        None,
        &["cert", "export", cert.to_str().unwrap(), "--out", "export"],
    );
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        return skip(
            "a_certificate_is_…_checked_by_openssh",
            "ssh-keygen is not installed",
        );
    }
    for signer in ["zhangsan", "lisi"] {
        let out = Command::new("ssh-keygen")
            .args([
                "-Y",
                "verify",
                "-f",
                "export/allowed_signers",
                "-I",
                signer,
                "-n",
                "mediasan-certificate",
                "-s",
            ])
            .arg(format!("export/{signer}.sig"))
            .current_dir(o.dir.path())
            .stdin(fs::File::open(o.path("export/body.json")).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{signer}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The wrong principal fails, as it must.
    let out = Command::new("ssh-keygen")
        .args([
            "-Y",
            "verify",
            "-f",
            "export/allowed_signers",
            "-I",
            "lisi",
            "-n",
            "mediasan-certificate",
            "-s",
            "export/zhangsan.sig",
        ])
        .current_dir(o.dir.path())
        .stdin(fs::File::open(o.path("export/body.json")).unwrap())
        .output()
        .unwrap();
    assert!(!out.status.success());
    // A register named but missing is an error, not a silent "nobody".
    fs::rename(o.path("register.db"), o.path("elsewhere.db")).unwrap();
    let _ = fs::rename(o.path("register.db-wal"), o.path("elsewhere.db-wal"));
    let (code, out) = verify(&o, &cert, &[]);
    assert_eq!(code, 2, "{out}");
    // No register at all: who signed cannot be established.
    let auditor = bin()
        .env_remove("MEDIASAN_REGISTER")
        .args(["cert", "verify"])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(auditor.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&auditor.stdout).contains("cannot be established"));
    // The allowed-signers file establishes identities, and the verdict says what it cannot.
    let (code, out) = verify(&o, &cert, &["--allowed-signers", "export/allowed_signers"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("roles and the register link need the register"),
        "{out}"
    );
}

/// Every way a certificate can be wrong, one table: (what, how to make it, exit code, what the verdict names).
#[test]
fn tampered_certificates_are_named() {
    let (o, cert) = wiped();
    o.ok(Some("supervisor"), &["cert", "cosign", cert.to_str().unwrap()]);
    let good = Certificate::parse(&fs::read(&cert).unwrap()).unwrap();
    let (op, sup, stranger) = (o.signer("operator"), o.signer("supervisor"), o.signer("stranger"));
    let now = "2026-11-27T00:00:00.000000Z";
    let resign = |mut c: Certificate| {
        c.signatures.clear();
        c.add_signature(&op, "operator", signer("zhangsan"), now).unwrap();
        c.add_signature(&sup, "supervisor", signer("lisi"), now).unwrap();
        c
    };
    type Make<'a> = Box<dyn Fn(&Certificate) -> Vec<u8> + 'a>;
    let json = |c: Certificate| c.to_file().into_bytes();
    let cases: Vec<(&str, Make, i32, &str)> = vec![
        ("valid", Box::new(|c: &Certificate| json(c.clone())), 0, "VALID"),
        (
            "body edited after signing",
            Box::new(|c: &Certificate| {
                let mut c = c.clone();
                c.body["media"]["classification"] = "unclassified".into();
                json(c)
            }),
            1,
            "FAIL signature 1",
        ),
        (
            "a signature suite this mediasan does not know",
            Box::new(|c: &Certificate| {
                let mut v: serde_json::Value = serde_json::from_str(&c.to_file()).unwrap();
                assert_eq!(v["signatures"][0]["suite"], "sshsig");
                v["signatures"][0]["suite"] = "sm2-sm3".into();
                serde_json::to_vec(&v).unwrap()
            }),
            1,
            "suite is not one this mediasan knows",
        ),
        (
            "signature swapped",
            Box::new(|c: &Certificate| {
                let mut c = c.clone();
                c.signatures[0].signature = c.signatures[1].signature.clone();
                json(c)
            }),
            1,
            "FAIL signature 1",
        ),
        (
            "signer not in register",
            Box::new(|c: &Certificate| {
                let mut c = c.clone();
                c.signatures.pop();
                c.add_signature(&stranger, "supervisor", signer("lisi"), now)
                    .unwrap();
                json(c)
            }),
            1,
            "not in the register",
        ),
        (
            "operator = supervisor",
            Box::new(|c: &Certificate| {
                let mut c = c.clone();
                c.signatures.pop();
                c.add_signature(&op, "supervisor", signer("zhangsan"), now)
                    .unwrap();
                json(c)
            }),
            1,
            "FAIL co-signers are other people",
        ),
        (
            "unknown carrier",
            Box::new(|c: &Certificate| {
                let mut c = c.clone();
                c.body["media"]["carrier"] = "C-2099-9999".into();
                json(resign(c))
            }),
            1,
            "FAIL certificate recorded",
        ),
        (
            "register event missing",
            Box::new(|c: &Certificate| {
                let mut c = c.clone();
                c.body["register"]["event_seq"] = 9999.into();
                json(resign(c))
            }),
            1,
            "rolled back",
        ),
        (
            "truncated file",
            Box::new(|c: &Certificate| {
                let b = json(c.clone());
                b[..b.len() / 2].to_vec()
            }),
            2,
            "not a certificate",
        ),
        (
            "wrong format version",
            Box::new(|c: &Certificate| {
                let mut c = c.clone();
                c.body["format"] = "mediasan-certificate/2".into();
                json(c)
            }),
            2,
            "format",
        ),
        (
            "duplicate keys",
            Box::new(|c: &Certificate| {
                let text = String::from_utf8(json(c.clone())).unwrap();
                text.replacen("\"body\": {", "\"body\": {\"id\": \"forged\",", 1)
                    .into_bytes()
            }),
            2,
            "duplicate",
        ),
    ];
    for (what, make, code, needle) in cases {
        let path = o.path(&format!("{}.cert.json", what.replace(' ', "-")));
        fs::write(&path, make(&good)).unwrap();
        let (got, out) = verify(&o, &path, &[]);
        assert_eq!(got, code, "{what}: {out}");
        let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(needle), "{what}: {out} should mention {needle:?}");
    }
}

#[test]
fn an_unregistered_wipe_with_a_key_gets_an_unlinked_certificate() {
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
    let mut cmd = bin();
    let out = cmd
        .current_dir(o.dir.path())
        .env_remove("MEDIASAN_REGISTER")
        .args(["wipe", "--method", "zero", "--key", "me", "f.img"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let cert = text
        .lines()
        .find_map(|l| l.strip_prefix("certificate: "))
        .unwrap();
    let c: serde_json::Value = serde_json::from_slice(&fs::read(o.path(cert)).unwrap()).unwrap();
    assert_eq!(c["body"]["register"]["linked"], false);
    assert_eq!(c["body"]["person"]["id"], "unregistered");
    assert_eq!(c["body"]["must_destroy_physically"], false);
    assert_eq!(c["body"]["media"]["hidden_areas"], "not applicable: a file");
}

/// The sample in fixtures/ keeps verifying: the canonical form and the signature
/// format do not drift between releases.
#[test]
fn the_sample_certificate_still_verifies() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/certs");
    let out = bin()
        .args(["cert", "verify"])
        .arg(fixtures.join("sample-linked.cert.json"))
        .arg("--allowed-signers")
        .arg(fixtures.join("sample-linked.allowed_signers"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

/// The printable certificate: a PDF with the CJK font embedded (converted to an image
/// by pdftoppm where it is installed) and an HTML page with the same content.
#[test]
fn a_certificate_renders_as_pdf_and_html() {
    let test = "a_certificate_renders_as_pdf_and_html";
    let (o, cert) = wiped();
    o.ok(Some("supervisor"), &["cert", "cosign", cert.to_str().unwrap()]);
    let html = o.path("cert.html");
    o.ok(
        None,
        &[
            "cert",
            "render",
            cert.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
    );
    let page = fs::read_to_string(&html).unwrap();
    for needle in [
        "信息消除证明书",
        "Certificate of Media Sanitisation",
        "机密 SECRET",
        "监销人 Supervisor",
        "<svg",
        "签字 Signature",
    ] {
        assert!(page.contains(needle), "the HTML lacks {needle:?}");
    }
    // No usable font: a clear refusal, not a blank PDF.
    let (code, _, err) = o.run(
        None,
        &[
            "cert",
            "render",
            cert.to_str().unwrap(),
            "--pdf",
            "x.pdf",
            "--font",
            "/dev/null",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a TrueType/OpenType font"), "{err}");
    // No font installed is needed: the one built into mediasan is embedded.
    let pdf = o.path("cert.pdf");
    let out = o.ok(
        None,
        &[
            "cert",
            "render",
            cert.to_str().unwrap(),
            "--pdf",
            pdf.to_str().unwrap(),
        ],
    );
    assert!(out.contains("embedded Mediasan Cert"), "{out}");
    // qpdf checks the structure (no PDF/A validator can be installed here).
    match Command::new("qpdf").arg("--check").arg(&pdf).output() {
        Ok(q) => assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stdout)),
        Err(_) => skip(test, "qpdf is not installed to check the PDF's structure"),
    }
    // The printed certificate carries its proof: verified from the PDF alone.
    let (code, out) = verify(&o, &pdf, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("attached to this PDF") && out.contains("VALID"),
        "{out}"
    );
    // The attachment changed inside the PDF (same length, so the PDF still reads): the
    // digest no longer holds.
    let mut forged = fs::read(&pdf).unwrap();
    let at = forged
        .windows(11)
        .position(|w| w == b"\"sanitised\"")
        .expect("the attached JSON is stored as it is");
    forged[at + 1..at + 10].copy_from_slice(b"unchanged");
    let forged_pdf = o.path("forged.pdf");
    fs::write(&forged_pdf, &forged).unwrap();
    let (code, out) = verify(&o, &forged_pdf, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL"), "{out}");
    // A print is not signed in place.
    let (code, _, err) = o.run(Some("supervisor"), &["cert", "cosign", pdf.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not signed in place") && err.contains(".cert.json"),
        "{err}"
    );
    // A character the embedded font lacks (龘 is not in GB 2312) is an error naming it,
    // never a blank; a font that has it, given with --font, prints it.
    let mut c: serde_json::Value = serde_json::from_slice(&fs::read(&cert).unwrap()).unwrap();
    c["body"]["media"]["host_asset"] = "龘-01".into();
    let rare = o.path("rare.cert.json");
    fs::write(&rare, serde_json::to_vec(&c).unwrap()).unwrap();
    let (code, _, err) = o.run(
        None,
        &[
            "cert",
            "render",
            rare.to_str().unwrap(),
            "--pdf",
            o.path("rare.pdf").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains('龘') && err.contains("--font"), "{err}");
    let full = Path::new("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf");
    if full.exists() {
        o.ok(
            None,
            &[
                "cert",
                "render",
                rare.to_str().unwrap(),
                "--pdf",
                o.path("rare.pdf").to_str().unwrap(),
                "--font",
                full.to_str().unwrap(),
            ],
        );
    } else {
        skip(
            test,
            "--font with a full font: fonts-lxgw-wenkai is not installed",
        );
    }
    let bytes = fs::read(&pdf).unwrap();
    assert!(
        bytes.starts_with(b"%PDF-") && bytes.len() > 10_000,
        "{} bytes",
        bytes.len()
    );
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        return skip(
            test,
            "pdftoppm (poppler-utils) is not installed to rasterise the PDF",
        );
    }
    let st = Command::new("pdftoppm")
        .args(["-png", "-r", "40"])
        .arg(&pdf)
        .arg(o.path("page"))
        .status()
        .unwrap();
    assert!(st.success());
    assert!(o.path("page-1.png").exists());
}

/// The register id filed on paper: the certificate must be linked to it and the
/// register consulted must be it; `register verify` says the same of a register.
#[test]
fn the_filed_register_id_is_checked() {
    let (o, cert) = wiped();
    let c: serde_json::Value = serde_json::from_slice(&fs::read(&cert).unwrap()).unwrap();
    let id = c["body"]["register"]["register_id"].as_str().unwrap().to_string();
    let (code, out) = verify(&o, &cert, &["--register-id", &id]);
    assert_eq!(code, 1, "not co-signed yet: {out}");
    assert!(
        out.contains(&format!("register {id} of 某局, founded by")),
        "{out}"
    );
    assert!(!out.contains("FAIL register id"), "{out}");
    // Every check names its kind, for scripts.
    let (_, out) = verify(&o, &cert, &["--register-id", &id, "--json"]);
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let kinds: Vec<&str> = v["verdict"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for k in [
        "digest",
        "signature",
        "register-verifies",
        "role",
        "cosigners",
        "register-event",
        "recorded",
        "filed-register",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let other = "0123456789abcdef0123456789abcdef";
    let (code, out) = verify(&o, &cert, &["--register-id", other]);
    assert_eq!(code, 1);
    assert!(out.contains("FAIL register id filed on paper"), "{out}");
    assert!(out.contains("FAIL register consulted is the filed one"), "{out}");
    let (code, out, _) = o.run(None, &["register", "verify", "--register-id", other]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("REGISTER ID DIFFERS") && out.contains("founder P-0001 (王五)"),
        "{out}"
    );
    let (code, out, _) = o.run(None, &["register", "verify", "--register-id", &id]);
    assert_eq!(code, 0, "{out}");
}

/// Two targets of one name, wiped with a key in one command (one second): two
/// certificates, each of its own target.
#[test]
fn targets_of_one_name_get_a_certificate_each() {
    let o = Office::new();
    o.ok(
        None,
        &[
            "key",
            "new",
            "--name",
            "k",
            "--out",
            o.path("k").to_str().unwrap(),
        ],
    );
    let mut paths = Vec::new();
    for d in ["a", "b"] {
        fs::create_dir(o.path(d)).unwrap();
        let p = o.path(&format!("{d}/disk.img"));
        plant_markers(&p, 1 << 20);
        paths.push(p);
    }
    let out = bin()
        .current_dir(o.dir.path())
        .env_remove("MEDIASAN_REGISTER")
        .args([
            "wipe",
            "--method",
            "zero",
            "--key",
            "k",
            "a/disk.img",
            "b/disk.img",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let certs: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("certificate: "))
        .collect();
    assert_eq!(certs.len(), 2, "{text}");
    assert_ne!(certs[0], certs[1]);
    for (cert, target) in certs.iter().zip(&paths) {
        let c: serde_json::Value = serde_json::from_slice(&fs::read(o.path(cert)).unwrap()).unwrap();
        let wiped = c["body"]["media"]["target"]["path"].as_str().unwrap();
        assert!(target.ends_with(wiped), "{cert}: {wiped}");
        assert!(
            c["body"]["media"]["make"].is_null(),
            "no make for an unregistered target"
        );
    }
}

/// `allowed_signers` files are read as OpenSSH reads them: for every principal of a
/// fixture in the forms ssh-keygen(1) describes, mediasan allows a signature exactly
/// when `ssh-keygen -Y verify` does.
#[test]
fn allowed_signers_are_read_as_openssh_reads_them() {
    use mediasan::cert::signers::AllowedSigners;
    let o = Office::new();
    let key = o.path("k");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "t", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    let public = fs::read_to_string(o.path("k.pub")).unwrap();
    let public = public.trim();
    let template =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/signers/allowed_signers.in"))
            .unwrap();
    let file = o.path("allowed_signers");
    fs::write(&file, template.replace("@KEY@", public)).unwrap();
    let msg = o.path("msg");
    fs::write(&msg, "a canonical body").unwrap();
    let st = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", "mediasan-certificate", "-f"])
        .arg(&key)
        .arg(&msg)
        .status()
        .unwrap();
    assert!(st.success());
    let ours = AllowedSigners::parse(&fs::read_to_string(&file).unwrap(), chrono::Utc::now()).unwrap();
    let fingerprint = mediasan::keys::parse_public(public).unwrap().fingerprint();
    let principals = [
        "zhangsan",
        "lisi",
        "wangwu",
        "indented",
        "a@example.com",
        "onlyfiles",
        "both",
        "wild",
        "negated",
        "spaced",
        "quoted one",
        "p-0001",
        "p-001",
        "early",
        "late",
        "expired",
        "window",
        "nobody",
    ];
    let mut allowed = Vec::new();
    for p in principals {
        let openssh = Command::new("ssh-keygen")
            .args(["-Y", "verify", "-n", "mediasan-certificate", "-I", p, "-f"])
            .arg(&file)
            .arg("-s")
            .arg(o.path("msg.sig"))
            .stdin(fs::File::open(&msg).unwrap())
            .output()
            .unwrap()
            .status
            .success();
        assert_eq!(
            ours.allows(p, &fingerprint),
            openssh,
            "{p}: OpenSSH says {openssh}"
        );
        if openssh {
            allowed.push(p);
        }
    }
    // The fixture says something: some principals are allowed, some not.
    assert_eq!(
        allowed,
        [
            "zhangsan",
            "lisi",
            "wangwu",
            "indented",
            "both",
            "wild",
            "spaced",
            "quoted one",
            "p-0001",
            "early",
            "window"
        ]
    );
}

/// `cert verify` and `cert cosign` in Chinese: every check line, the refusals and the
/// co-signing itself; the JSON stays English, for scripts.
#[test]
fn certificates_are_verified_and_cosigned_in_chinese() {
    let (o, cert) = wiped();
    let path = cert.to_str().unwrap();
    let (code, out, _) = o.run(None, &["--lang", "zh", "cert", "verify", path]);
    assert_eq!(code, 1, "{out}");
    for needle in [
        "：证明书 ",
        "ok   正文摘要",
        "ok   签名 1（操作员 zhangsan）",
        "ok   zhangsan 是操作员",
        "FAIL 监销人会签",
        "须有监销人会签 1 份，现有 0 份",
        "ok   证明书已登记",
        "无效：见上面的 FAIL",
    ] {
        assert!(out.contains(needle), "{needle:?} in {out}");
    }
    // The details line up in terminal columns (a Chinese character takes two): every
    // check's name here is narrower than its column of 32.
    use unicode_width::UnicodeWidthStr;
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  ok ") || l.starts_with("  FAIL "))
        .collect();
    assert!(lines.len() > 8, "{out}");
    for l in lines {
        let rest = &l[7..];
        let cut = rest
            .char_indices()
            .map(|(i, _)| i)
            .find(|&i| rest[..i].width() == 33);
        assert!(
            cut.is_some_and(|i| rest[..i].ends_with(' ') && !rest[i..].starts_with(' ')),
            "{l:?}"
        );
    }
    let (_, json, _) = o.run(None, &["--lang", "zh", "cert", "verify", path, "--json"]);
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    let checks = v["verdict"]["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c["what"] == "co-signatures"
                && c["detail"] == "0 of 1 required supervisor co-signature(s)"),
        "{json}"
    );
    for word in ["签名", "登记簿", "会签", "有效"] {
        assert!(!json.contains(word), "the JSON's checks are English: {json}");
    }
    // The operator does not co-sign; said in Chinese.
    let (code, _, err) = o.run(Some("operator"), &["--lang", "zh", "cert", "cosign", path]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("不是在职的监销人：只有监销人才能会签"), "{err}");
    // The supervisor does, in Chinese too: the co-signature still missing is no obstacle.
    let (code, out, err) = o.run(Some("supervisor"), &["--lang", "zh", "cert", "cosign", path]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("：已由 lisi（李四）会签，密钥 SHA256:"), "{out}");
    let (code, out, _) = o.run(None, &["--lang", "zh", "cert", "verify", path]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("有效：各项检查均通过"), "{out}");
}

/// Two genuine certificates from the sample, signed by keys an allowed-signers file
/// lists (no wipe needed): A of an interrupted wipe, B of another carrier, sanitised.
struct Prints {
    o: Office,
    a: PathBuf,
    b: PathBuf,
}

impl Prints {
    fn new() -> Prints {
        let o = Office::new();
        let op = Signer::from_key(mediasan::keys::generate("op").unwrap());
        let sup = Signer::from_key(mediasan::keys::generate("sup").unwrap());
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/certs/sample-linked.cert.json");
        let sample = Certificate::parse(&fs::read(sample).unwrap()).unwrap();
        let make = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
            let mut c = sample.clone();
            edit(&mut c.body);
            c.signatures.clear();
            c.add_signature(&op, "operator", signer("zhangsan"), "2026-11-27T08:40:00Z")
                .unwrap();
            c.add_signature(&sup, "supervisor", signer("lisi"), "2026-11-27T09:00:00Z")
                .unwrap();
            let path = o.path(name);
            fs::write(&path, c.to_file()).unwrap();
            path
        };
        let a = make("a.cert.json", &|b| {
            b["sanitisation"]["outcome"] = "interrupted".into();
            b["sanitisation"]["category"] = "none".into();
            b["verification"]["result"] = "incomplete".into();
        });
        let b = make("b.cert.json", &|b| {
            b["id"] = "C-2026-0002-20261127T090000Z".into();
            b["media"]["carrier"] = "C-2026-0002".into();
            b["media"]["serial"] = "WD-B-0002".into();
        });
        let line = |who: &str, s: &Signer| {
            format!(
                "{who} namespaces=\"mediasan-certificate\" {}\n",
                s.public().line()
            )
        };
        fs::write(
            o.path("allowed_signers"),
            line("zhangsan", &op) + &line("lisi", &sup),
        )
        .unwrap();
        Prints { o, a, b }
    }

    /// `cert render CERT --pdf NAME` (and more arguments): the PDF's path.
    fn render(&self, cert: &Path, name: &str, extra: &[&str]) -> PathBuf {
        let pdf = self.o.path(name);
        let mut args = vec![
            "cert",
            "render",
            cert.to_str().unwrap(),
            "--pdf",
            pdf.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.o.ok(None, &args);
        pdf
    }

    /// `cert verify FILE --allowed-signers …` and more arguments: exit code and output.
    fn verify(&self, file: &Path, extra: &[&str]) -> (i32, String) {
        let mut args = vec!["--allowed-signers", "allowed_signers"];
        args.extend_from_slice(extra);
        verify(&self.o, file, &args)
    }

    /// `name`, written with `bytes`.
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.o.path(name);
        fs::write(&path, bytes).unwrap();
        path
    }
}

/// A PDF changed with lopdf and saved again (lopdf writes what it read back as mediasan
/// wrote it, a cross-reference table, nothing compressed).
fn edit_pdf(pdf: &Path, change: impl FnOnce(&mut lopdf::Document)) -> Vec<u8> {
    let mut doc = lopdf::Document::load(pdf).unwrap();
    change(&mut doc);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// The id of the object of a PDF whose dictionary has /Type `kind`.
fn object_of(doc: &lopdf::Document, kind: &[u8]) -> lopdf::ObjectId {
    *doc.objects
        .iter()
        .find(|(_, o)| {
            o.as_dict()
                .or_else(|_| o.as_stream().map(|s| &s.dict))
                .is_ok_and(|d| d.type_is(kind))
        })
        .unwrap()
        .0
}

/// The first page's content stream.
fn page_content(doc: &lopdf::Document) -> lopdf::ObjectId {
    let page = *doc.get_pages().get(&1).unwrap();
    doc.get_page_contents(page)[0]
}

/// The printed certificate proves its page: the same certificate gives the same bytes in
/// two processes, `cert verify` renders the attachment again and finds the file, names
/// what the paper must show; and says what differs when the page is not the print of
/// what it carries (edited, another certificate's page, an update appended, another font,
/// another version).
#[test]
fn a_printed_certificate_is_the_rendering_of_what_it_carries() {
    let test = "a_printed_certificate_is_the_rendering_of_what_it_carries";
    let p = Prints::new();
    let a = p.render(&p.a, "a.pdf", &[]);
    let again = p.render(&p.a, "a-again.pdf", &[]);
    let genuine = fs::read(&a).unwrap();
    assert!(genuine == fs::read(&again).unwrap(), "two renderings differ");
    let (code, out) = p.verify(&a, &[]);
    assert_eq!(code, 0, "{out}");
    for needle in [
        "ok   page is the attachment's print   the file is, byte for byte, the rendering",
        "the paper must show: certificate C-2026-0001-20261127T083214Z, carrier C-2026-0001, serial /tmp/demo-x/scratch.img, outcome interrupted, category none",
        "VALID",
    ] {
        assert!(out.contains(needle), "{needle:?} in {out}");
    }
    let (code, json) = p.verify(&a, &["--json"]);
    assert_eq!(code, 0, "{json}");
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(v["paper"]["carrier"], "C-2026-0001");
    assert_eq!(v["paper"]["serial"], "/tmp/demo-x/scratch.img");
    assert_eq!(v["paper"]["outcome"], "interrupted");
    assert_eq!(v["paper"]["category"], "none");
    assert_eq!(v["verdict"]["checks"][0]["kind"], "printed");
    // --font belongs to a PDF.
    let (code, out) = p.verify(&p.a, &["--font", "x.ttf"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--font is for a printed certificate"), "{out}");

    let fails = |name: &str, bytes: &[u8], needle: &str| {
        let file = p.write(name, bytes);
        let (code, out) = p.verify(&file, &[]);
        assert_eq!(code, 1, "{name}: {out}");
        let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("FAIL page is the attachment's print") && flat.contains(needle),
            "{name}: {out} should say {needle:?}"
        );
        assert!(
            out.contains("NOT VALID") && !out.contains("the paper must show"),
            "{out}"
        );
        out
    };

    // The page of an interrupted wipe edited to show the page of a sanitised one (drawn
    // from a forged, unsigned copy), the genuine certificate still attached.
    let mut forged: serde_json::Value = serde_json::from_slice(&fs::read(&p.a).unwrap()).unwrap();
    forged["body"]["sanitisation"]["outcome"] = "sanitised".into();
    forged["body"]["verification"]["result"] = "match".into();
    let forged = p.write("forged.cert.json", &serde_json::to_vec(&forged).unwrap());
    let green = lopdf::Document::load(p.render(&forged, "forged.pdf", &[])).unwrap();
    let green_page = green.get_object(page_content(&green)).unwrap().clone();
    let edited = edit_pdf(&a, |doc| {
        let id = page_content(doc);
        doc.objects.insert(id, green_page);
    });
    fails(
        "edited.pdf",
        &edited,
        "the content of page 1 differs from the rendering",
    );
    // The same with a colour changed in place by qpdf's editable form, then saved by qpdf.
    if Command::new("qpdf").arg("--version").output().is_ok() {
        let qdf = p.o.path("a.qdf");
        let st = Command::new("qpdf")
            .args(["--qdf", "--object-streams=disable"])
            .arg(&a)
            .arg(&qdf)
            .status()
            .unwrap();
        assert!(st.success());
        let text = fs::read(&qdf).unwrap();
        let red = b"0.75 0.05 0.05 rg";
        let at = text
            .windows(red.len())
            .rposition(|w| w == red)
            .expect("the verdict's red");
        let mut text = text;
        text.splice(at..at + red.len(), b"0.00 0.40 0.10 rg".iter().copied());
        fs::write(&qdf, text).unwrap();
        let out = p.o.path("qpdf-edited.pdf");
        let st = Command::new("qpdf").arg(&qdf).arg(&out).status().unwrap();
        assert!(st.success());
        fails(
            "qpdf-edited.pdf",
            &fs::read(&out).unwrap(),
            "the content of page 1 differs",
        );
    } else {
        skip(test, "qpdf is not installed: the page edited with qpdf");
    }

    // The page of certificate A carrying B, another genuine certificate.
    let b_file = fs::read(&p.b).unwrap();
    let swapped = edit_pdf(&a, |doc| {
        let id = object_of(doc, b"EmbeddedFile");
        doc.get_object_mut(id)
            .unwrap()
            .as_stream_mut()
            .unwrap()
            .set_content(b_file);
    });
    let out = fails("swapped.pdf", &swapped, "the content of page 1 differs");
    assert!(
        out.contains("certificate C-2026-0002-20261127T090000Z") && out.contains("ok   signature 2"),
        "{out}"
    );

    // An incremental update appended to the genuine file: the page's content replaced by
    // the green one.
    let mut updated = genuine.clone();
    let pages = lopdf::Document::load_mem(&genuine).unwrap();
    let root = pages.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let info = pages.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let content = page_content(&pages);
    let prev = String::from_utf8_lossy(&genuine)
        .rsplit("startxref\n")
        .next()
        .unwrap()
        .split('\n')
        .next()
        .unwrap()
        .to_string();
    let body = green
        .get_object(page_content(&green))
        .unwrap()
        .as_stream()
        .unwrap()
        .content
        .clone();
    updated.push(b'\n');
    let at = updated.len();
    updated.extend(format!("{} 0 obj\n<</Length {}>>stream\n", content.0, body.len()).as_bytes());
    updated.extend(&body);
    updated.extend(b"\nendstream\nendobj\n");
    let xref = updated.len();
    updated.extend(
        format!(
            "xref\n{} 1\n{at:010} 00000 n \ntrailer\n<</Size {}/Root {} 0 R/Info {} 0 R/Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n",
            content.0,
            pages.max_id + 1,
            root.0,
            info.0
        )
        .as_bytes(),
    );
    if Command::new("qpdf").arg("--version").output().is_ok() {
        let file = p.write("updated.pdf", &updated);
        let q = Command::new("qpdf").arg("--check").arg(&file).output().unwrap();
        assert!(
            q.status.success(),
            "the update is a good PDF: {}",
            String::from_utf8_lossy(&q.stdout)
        );
    }
    fails(
        "updated.pdf",
        &updated,
        &format!("an incremental update was appended after byte {}", genuine.len()),
    );
    // Bytes after the end.
    let mut trailing = genuine.clone();
    trailing.extend(b"\n% nothing\n");
    fails(
        "trailing.pdf",
        &trailing,
        &format!(
            "bytes after the end of the rendering: 11 more from byte {}",
            genuine.len()
        ),
    );
    // Another mediasan version printed it (the producer's name, the same length).
    let ours = format!("mediasan {}", env!("CARGO_PKG_VERSION"));
    let theirs = format!(
        "{}{}",
        &ours[..ours.len() - 1],
        if ours.ends_with('9') { '8' } else { '9' }
    );
    let mut older = genuine.clone();
    let named = format!("({ours})");
    let n = named.len();
    for at in (0..genuine.len() - n).filter(|&i| genuine[i..i + n] == *named.as_bytes()) {
        older[at + 1..at + n - 1].copy_from_slice(theirs.as_bytes());
    }
    assert_ne!(older, genuine);
    let out = fails(
        "older.pdf",
        &older,
        &format!("produced by {theirs}, not by {ours}"),
    );
    assert!(
        out.contains("mediasan cert render FILE.pdf --pdf NEW.pdf"),
        "{out}"
    );

    // Printed with another font: checked with that font only.
    let full = Path::new("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf");
    if !full.exists() {
        return skip(test, "--font: fonts-lxgw-wenkai is not installed");
    }
    let font = full.to_str().unwrap();
    let other_font = p.render(&p.a, "font.pdf", &["--font", font]);
    let out = fails(
        "font.pdf",
        &fs::read(&other_font).unwrap(),
        "the font differs: the file embeds LXGW WenKai",
    );
    assert!(out.contains("--font FILE"), "{out}");
    let (code, out) = p.verify(&other_font, &["--font", font]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = p.verify(&a, &["--font", font]);
    assert_eq!(
        code, 1,
        "the embedded font's print checked with another font: {out}"
    );
}

/// Hostile PDFs (and a device given as a certificate) meet stated limits, under a memory
/// limit: refused with the reason (exit 2), never a crash.
#[test]
fn hostile_pdfs_are_refused_within_limits() {
    let p = Prints::new();
    let a = p.render(&p.a, "a.pdf", &[]);
    // Under 512 MiB of address space: inflating gigabytes, or reading /dev/zero to its
    // end, would fail to allocate (an abort, not exit 2).
    let limited = |file: &Path, args: &[&str]| {
        let out = Command::new("prlimit")
            .arg(format!("--as={}", 512u64 << 20))
            .arg(bin_path())
            .args(args)
            .arg(file)
            .env("MEDIASAN_CONFIG", "/dev/null")
            .env("MEDIASAN_INDEX", test_index())
            .env("LANG", "C")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("MEDIASAN_REGISTER")
            .current_dir(p.o.dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let refused = |name: &str, bytes: Option<&[u8]>, args: &[&str], needle: &str| {
        let file = match bytes {
            Some(b) => p.write(name, b),
            None => PathBuf::from(name),
        };
        let (code, out) = limited(&file, args);
        assert_eq!(code, Some(2), "{name}: {out}");
        assert!(out.contains(needle), "{name}: {out} should say {needle:?}");
        assert!(!out.contains("panicked"), "{out}");
    };
    // 100 000 nested '[' (lopdf's parser recurses: its stack overflowed).
    let mut deep = b"%PDF-1.7\n1 0 obj\n".to_vec();
    deep.extend(vec![b'['; 100_000]);
    deep.extend(b"\nendobj\n");
    refused(
        "deep.pdf",
        Some(&deep),
        &["cert", "verify"],
        "nested deeper than 32 levels",
    );
    // The certificate attachment compressed to inflate to 4 GiB of zeros (4 MiB of file).
    let bomb = zeros(4096);
    assert!(bomb.len() < 8 << 20, "{} bytes", bomb.len());
    // It does inflate past the limit.
    let mut head = vec![0u8; 32 << 20];
    std::io::Read::read_exact(&mut flate2::read::ZlibDecoder::new(&bomb[..]), &mut head).unwrap();
    assert!(head.iter().all(|&b| b == 0));
    let bombed = edit_pdf(&a, |doc| {
        let id = object_of(doc, b"EmbeddedFile");
        let s = doc.get_object_mut(id).unwrap().as_stream_mut().unwrap();
        s.dict.set("Filter", "FlateDecode");
        s.set_content(bomb);
    });
    refused(
        "bomb.pdf",
        Some(&bombed),
        &["cert", "verify"],
        "inflates to more than 16 MiB",
    );
    refused(
        "bomb.pdf",
        Some(&bombed),
        &["cert", "render", "--html", "x.html"],
        "inflates to more than 16 MiB",
    );
    assert!(!p.o.path("x.html").exists(), "nothing written");
    // A device as a certificate, a PDF or a file to co-sign: reading stops at 16 MiB.
    for args in [
        &["cert", "verify"][..],
        &["cert", "cosign"],
        &["cert", "export", "--out", "e"],
    ] {
        refused("/dev/zero", None, args, "/dev/zero: larger than 16 MiB");
    }
    let mut huge = b"%PDF-1.7\n".to_vec();
    huge.resize(17 << 20, b' ');
    refused("huge.pdf", Some(&huge), &["cert", "verify"], "larger than 16 MiB");
    // The file it was is still read as it was.
    let (code, out) = p.verify(&a, &[]);
    assert_eq!(code, 0, "{out}");
}

/// A zlib stream that inflates to `mib` MiB of zeros: one compressed MiB, then another
/// (over a window of zeros) repeated; each ends with a sync flush, on a byte.
fn zeros(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut c = Compress::new(Compression::best(), true);
    let zeros = vec![0u8; 1 << 20];
    let mut chunk = || {
        let mut out = Vec::with_capacity(1 << 16);
        c.compress_vec(&zeros, &mut out, FlushCompress::Sync).unwrap();
        out
    };
    let mut bomb = chunk();
    let again = chunk();
    for _ in 1..mib {
        bomb.extend(&again);
    }
    bomb
}
