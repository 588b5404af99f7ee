//! `mediasan demo`: the whole flow on a scratch image, scratch keys and a scratch
//! register in a temporary folder, without root: register, enrol, approve, wipe
//! with `--carrier`, read back, verify the register.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{anyhow, Context};

use mediasan::escape;
use mediasan::medium::Sys;
use mediasan::model::report::Outcome;
use mediasan::t;

use mediasan::cert::{self, Certificate};
use mediasan::keys::{self, Signer};
use mediasan::register::{self, Register, Role, Status};

use mediasan::job::{Link, Plan, Request};

use super::wipe::wipe_target;
use crate::cli::DemoArgs;
use crate::ui::{bytes, Failure};

/// An odd size, so that the unaligned tail is exercised too.
const IMAGE_SIZE: u64 = (32 << 20) + 4097;
const MARKER_EVERY: u64 = 64 << 10;

fn marker(i: u64) -> String {
    format!("MEDIASAN-DEMO-SECRET-{i:06}")
}

pub fn run(args: DemoArgs) -> Result<u8, Failure> {
    let fail = |e: anyhow::Error| Failure::new(1, e);
    let dir = match args.dir {
        Some(d) => {
            mediasan::files::Folder::create(&d)
                .with_context(|| t!("demo-cannot-create", path = escape::path(&d)))
                .map_err(fail)?;
            d
        }
        None => tempfile::Builder::new()
            .prefix("mediasan-demo-")
            .tempdir()
            .with_context(|| t!("demo-no-temporary-folder"))
            .map_err(fail)?
            .keep(),
    };
    let image = dir.join("scratch.img");
    let result = dir.join("scratch.result.json");

    let planted = plant_markers(&image).map_err(fail)?;
    outln!(
        "{}",
        t!(
            "demo-image",
            path = escape::path(&image),
            size = bytes(IMAGE_SIZE),
            markers = planted.to_string()
        )
    );

    // Three people, each with a key of their own.
    let mut signers = Vec::new();
    for who in ["approver", "operator", "supervisor"] {
        let key = keys::generate(who)?;
        keys::write_pair(&key, &dir.join(format!("{who}.key")), None)?;
        signers.push(Signer::from_key(key));
    }
    let [approver, operator, supervisor] =
        <[Signer; 3]>::try_from(signers).map_err(|_| fail(anyhow!("keys")))?;
    let reg_path = dir.join("register.db");
    let founding = register::Founding {
        org: "演示单位 (demo unit)",
        location: None,
        id: "wangwu",
        name: "王五",
        title: Some("局长"),
        supervisors_required: 1,
    };
    let mut reg = Register::create(&reg_path, &founding, &approver.public(), &approver)?;
    reg.enrol(
        &approver,
        Some("zhangsan"),
        "张三",
        None,
        Role::Operator,
        &operator.public(),
    )?;
    reg.enrol(
        &approver,
        Some("lisi"),
        "李四",
        Some("保密员"),
        Role::Supervisor,
        &supervisor.public(),
    )?;
    // An image carrier is registered by its absolute path; the register keeps the
    // file itself (device and inode).
    let serial = fs::canonicalize(&image)
        .map(|p| escape::path(&p))
        .map_err(|e| fail(e.into()))?;
    let carrier = reg
        .add_carrier(
            &operator,
            &register::NewCarrier {
                kind: "printer-hdd".into(),
                serial,
                make: "WDC".into(),
                model: "WD5000LPVX".into(),
                capacity: IMAGE_SIZE,
                classification: "secret".into(),
                unit: "办公室".into(),
                custodian: "zhangsan".into(),
                host_asset: Some("MFP-07".into()),
                label: Some("机密-0007".into()),
            },
        )?
        .subject;
    reg.approve(&approver, &carrier, chrono::Duration::days(30), None)?;
    outln!("{}", t!("demo-register", path = escape::path(&reg_path)));
    outln!("   {}", t!("demo-carrier", carrier = carrier.as_str()));

    // The same plan `mediasan wipe --method bmb21 --result … --cert-dir …` makes.
    let plan = Plan::new(Request {
        method: Some("bmb21".into()),
        result: Some(result.clone()),
        backed_up: mediasan::cert::BackedUp::No,
        ..Request::new(dir.join("checkpoints"), dir.clone())
    })?;
    outln!("{}", t!("demo-wipe", carrier = carrier.as_str()));
    let mut link = Link::new(reg, operator, &carrier)?;
    // Certificates land in the demo folder (the plan's cert_dir).
    let report = wipe_target(&image, &plan, false, &Sys::host(), Some(&mut link), &[], None)?
        .ok_or_else(|| fail(anyhow!(t!("demo-wipe-did-not-run"))))?;
    let mut reg = link.reg;

    let (wrong, found) = read_back(&image).map_err(fail)?;
    outln!(
        "{}",
        t!(
            "demo-read-back",
            size = bytes(IMAGE_SIZE),
            wrong = wrong.to_string(),
            found = found.to_string(),
            planted = planted.to_string()
        )
    );
    outln!("   {}", t!("demo-read-back-note"));
    outln!("{}", t!("demo-result", path = escape::path(&result)));
    // The certificate the operator signed: 李四 co-signs, then it is verified and
    // exported for stock OpenSSH.
    let cert_path = fs::read_dir(&dir)
        .map_err(|e| fail(e.into()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".cert.json"))
        .ok_or_else(|| fail(anyhow!(t!("demo-no-certificate"))))?;
    let mut certificate = Certificate::parse(&fs::read(&cert_path).map_err(|e| fail(e.into()))?)?;
    let now = register::event::format_time(chrono::Utc::now());
    let lisi = mediasan::cert::SignerRef {
        id: "lisi",
        name: Some("李四"),
        title: Some("保密员"),
    };
    certificate.add_signature(&supervisor, "supervisor", lisi, &now)?;
    let digest = certificate.digest()?;
    let body = certificate.typed_body()?;
    reg.certificate_event(
        &supervisor,
        register::Kind::CertificateCosigned,
        &carrier,
        &body.id,
        &digest,
    )?;
    mediasan::files::write(&cert_path, certificate.to_file().as_bytes())?;
    let verdict = cert::verify(&certificate, &cert::Who::Register(&reg))?;
    outln!(
        "{}",
        t!(
            "demo-certificate",
            path = escape::path(&cert_path),
            verdict = if verdict.ok() {
                t!("demo-cert-valid")
            } else {
                t!("demo-cert-not-valid")
            }
        )
    );
    outln!(
        "   {}",
        t!(
            "demo-check-yourself",
            cert = escape::path(&cert_path),
            register = escape::path(&reg_path)
        )
    );
    let export = dir.join("export");
    let commands = super::cert::export(&certificate, &reg, &export)?;
    outln!("   {}", t!("demo-exported", path = escape::path(&export)));
    if let Some(c) = commands.first() {
        outln!("   {c}");
    }
    let html = dir.join("certificate.html");
    let page = cert::render::html(&certificate).map_err(|e| fail(anyhow!(e)))?;
    mediasan::files::write(&html, page.as_bytes())?;
    let pdf = dir.join("certificate.pdf");
    let bytes =
        cert::render::pdf(&certificate, &cert::render::Font::Embedded).map_err(|e| fail(anyhow!(e)))?;
    mediasan::files::write(&pdf, &bytes)?;
    outln!(
        "   {}",
        t!(
            "demo-printable",
            pdf = escape::path(&pdf),
            html = escape::path(&html)
        )
    );
    let audit = reg.verify(None)?;
    let status = reg.carrier(&carrier)?.map(|c| c.status);
    outln!(
        "{}",
        t!(
            "demo-register-verify",
            events = audit.events.to_string(),
            signatures = audit.signatures_checked.to_string(),
            verdict = if audit.ok() {
                t!("demo-register-agrees")
            } else {
                t!("demo-register-broken")
            },
            carrier = carrier.as_str(),
            status = status.map_or_else(|| t!("demo-status-missing"), Status::word)
        )
    );
    let ok = report.outcome == Outcome::Sanitised
        && wrong == 0
        && found == 0
        && audit.ok()
        && status == Some(Status::Wiped);
    outln!(
        "\n{}",
        if ok {
            t!("demo-sanitised")
        } else {
            t!("demo-failed")
        }
    );
    outln!("{}", t!("demo-kept", path = escape::path(&dir)));
    Ok(if ok { 0 } else { 1 })
}

fn plant_markers(path: &PathBuf) -> anyhow::Result<u64> {
    // create_new: never follow or reuse whatever already sits at that name.
    let mut f = File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| t!("demo-image-exists", path = escape::path(path)))?;
    let mut block = vec![0u8; MARKER_EVERY as usize];
    let mut n = 0;
    let mut at = 0u64;
    while at < IMAGE_SIZE {
        let len = (IMAGE_SIZE - at).min(MARKER_EVERY) as usize;
        block.fill(b'.');
        let m = marker(n);
        if m.len() <= len {
            block[..m.len()].copy_from_slice(m.as_bytes());
            n += 1;
        }
        f.write_all(&block[..len])?;
        at += len as u64;
    }
    f.sync_all()?;
    Ok(n)
}

/// Bytes that are not 0xFF, and markers still present.
fn read_back(path: &PathBuf) -> anyhow::Result<(u64, u64)> {
    let mut data = Vec::with_capacity(IMAGE_SIZE as usize);
    File::open(path)?.read_to_end(&mut data)?;
    let wrong = data.iter().filter(|&&b| b != 0xFF).count() as u64 + IMAGE_SIZE.abs_diff(data.len() as u64);
    let found = data.windows(20).filter(|w| w == b"MEDIASAN-DEMO-SECRET").count() as u64;
    Ok((wrong, found))
}
