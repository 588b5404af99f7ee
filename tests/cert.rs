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
    let fingerprint = mediasan::keys::fingerprint(&mediasan::keys::parse_public(public).unwrap());
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
