//! A printable certificate: one A4 page of PDF (two when many signatures) and the
//! same as HTML. Labels in Chinese and English, the carrier's classification
//! marked, the verdict prominent, a block per signature with room for wet ink, and
//! a QR code holding the certificate id and body digest, so that a paper copy leads
//! back to the JSON.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use printpdf::{Color, IndirectFontRef, Line, Mm, PdfDocument, PdfLayerReference, Point, Rect, Rgb};
use qrcode::QrCode;

use super::{shown, Body, Certificate};

/// The font every PDF gets unless `--font` names another: "Mediasan Cert", a subset of
/// LXGW WenKai (SIL Open Font License 1.1) holding ASCII, Latin-1, GB 2312's symbols and
/// level-1 hanzi and every character of mediasan's own labels, built by
/// `assets/fonts/build.sh` from Debian's fonts-lxgw-wenkai. Nothing needs installing.
pub const EMBEDDED_FONT: &[u8] = include_bytes!("../../assets/fonts/mediasan-cert.ttf");

/// The largest font file read (a whole CJK font is 10–25 MiB).
pub const MAX_FONT: u64 = 64 << 20;

/// Where the PDF's font comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Font {
    /// [`EMBEDDED_FONT`].
    Embedded,
    /// A TrueType/OpenType file given with `--font`.
    File(PathBuf),
}

impl Font {
    pub fn describe(&self) -> String {
        match self {
            Font::Embedded => "the embedded Mediasan Cert (LXGW WenKai subset)".into(),
            Font::File(p) => crate::escape::path(p),
        }
    }

    fn bytes(&self) -> Result<std::borrow::Cow<'static, [u8]>, String> {
        match self {
            Font::Embedded => Ok(EMBEDDED_FONT.into()),
            Font::File(p) => {
                let data = crate::files::read_limited(p, MAX_FONT)
                    .map_err(|e| format!("{}: {e}", crate::escape::path(p)))?;
                check_font_bytes(&data).map_err(|e| format!("{}: {e}", crate::escape::path(p)))?;
                Ok(data.into())
            }
        }
    }
}

/// Whether a font file can carry the certificate: one face, Latin and Chinese glyphs.
pub fn check_font(path: &Path) -> Result<(), String> {
    let data = crate::files::read_limited(path, MAX_FONT)
        .map_err(|e| format!("{}: {e}", crate::escape::path(path)))?;
    check_font_bytes(&data).map_err(|e| format!("{}: {e}", crate::escape::path(path)))
}

fn check_font_bytes(data: &[u8]) -> Result<(), String> {
    if data.starts_with(b"ttcf") {
        return Err("a font collection (.ttc); give a single .ttf or .otf".into());
    }
    let face = ttf_parser::Face::parse(data, 0).map_err(|e| format!("not a TrueType/OpenType font ({e})"))?;
    let missing: String = "Aa0机密证"
        .chars()
        .filter(|c| face.glyph_index(*c).is_none())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "has no glyphs for {missing:?}; the certificate needs Latin and Chinese"
        ))
    }
}

/// What a certificate shows a person, shared by the PDF and the HTML.
pub struct Sheet {
    pub classification: Option<(String, String)>,
    pub verdict: (String, String),
    pub good: bool,
    pub rows: Vec<(&'static str, &'static str, String)>,
    pub signatures: Vec<SigBlock>,
    pub qr_text: String,
    pub footer: String,
}

pub struct SigBlock {
    pub role: (&'static str, &'static str),
    pub name: String,
    pub fingerprint: String,
    pub signed: String,
    /// The signature verifies over this body (who the key belongs to is for the register).
    pub valid: Option<bool>,
}

fn zh_class(c: &str) -> &'static str {
    match c {
        "top-secret" => "绝密",
        "secret" => "机密",
        "confidential" => "秘密",
        "internal" => "内部",
        _ => "非密",
    }
}

/// The content of a certificate, laid out for people.
pub fn sheet(cert: &Certificate) -> Result<Sheet, super::CertError> {
    let b: Body = cert.typed_body()?;
    let digest = cert.digest()?;
    let r = &b.sanitisation.result;
    let good = b.sanitisation.outcome == "sanitised" && b.verification.result == "match";
    let mut verdict = if good {
        ("已消除".to_string(), "SANITISED".to_string())
    } else {
        (
            "未完成消除".to_string(),
            format!("NOT SANITISED ({})", b.sanitisation.outcome),
        )
    };
    if b.must_destroy_physically {
        verdict.0.push_str(" · 须物理销毁");
        verdict.1.push_str(" · MUST BE DESTROYED PHYSICALLY");
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let passes: Vec<String> = r.passes.iter().map(|p| p.pattern.clone()).collect();
    let mut rows = vec![
        ("证书编号", "Certificate", b.id.clone()),
        ("签发时间", "Issued", b.issued.clone()),
        (
            "单位",
            "Organisation",
            b.organisation.as_ref().map_or("—".into(), |o| o.name.clone()),
        ),
        ("载体编号", "Carrier", opt(&b.media.carrier)),
        ("类型", "Kind", opt(&b.media.kind)),
        (
            "厂商 / 型号",
            "Make / model",
            format!("{} {}", opt(&b.media.make), opt(&b.media.model)),
        ),
        ("序列号", "Serial", opt(&b.media.serial)),
        ("容量", "Capacity", format!("{} bytes", b.media.capacity)),
        (
            "密级",
            "Classification",
            b.media
                .classification
                .as_deref()
                .map_or("—".into(), |c| format!("{} {c}", zh_class(c))),
        ),
        ("所属设备", "Host asset", opt(&b.media.host_asset)),
        ("来源", "Source", opt(&b.media.source)),
        (
            "数据备份",
            "Data backed up",
            match &b.media.backup_location {
                Some(l) => format!("{} ({l})", b.media.backed_up),
                None => b.media.backed_up.clone(),
            },
        ),
        (
            "消除方法",
            "Method",
            format!(
                "{} ({}, {}): {}",
                b.sanitisation.method,
                b.sanitisation.category,
                b.sanitisation.technique,
                passes.join(", ")
            ),
        ),
        (
            "结果",
            "Outcome",
            format!("{}, {} bytes written", b.sanitisation.outcome, r.bytes_written),
        ),
        (
            "验证",
            "Verification",
            format!("{}: {}", b.verification.method, b.verification.result),
        ),
        ("置信度", "Assurance", opt(&b.verification.assurance)),
        ("隐藏区", "Hidden areas", b.media.hidden_areas.clone()),
        (
            "未写入区",
            "Unwritten",
            if r.unwritten.is_empty() {
                "none".into()
            } else {
                let lost: u64 = r.unwritten.iter().map(|s| s.length).sum();
                let first: Vec<String> = r
                    .unwritten
                    .iter()
                    .take(4)
                    .map(|s| format!("{}+{}", s.offset, s.length))
                    .collect();
                format!(
                    "{} region(s), {lost} bytes: {}",
                    r.unwritten.len(),
                    first.join(", ")
                )
            },
        ),
        (
            "去向",
            "Destination",
            match &b.destination_category {
                Some(c) => format!("{c}: {}", b.destination),
                None => b.destination.clone(),
            },
        ),
        (
            "操作人",
            "Operator",
            [
                Some(b.person.id.clone()),
                b.person.name.clone(),
                b.person.title.clone(),
                b.person.phone.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        ),
        (
            "台账登记",
            "Register",
            if b.register.linked {
                format!(
                    "{} · event {} · {}",
                    opt(&b.register.register_id),
                    b.register.event_seq.map_or("—".into(), |s| s.to_string()),
                    opt(&b.register.approval)
                )
            } else {
                "not linked to any register 未登记".into()
            },
        ),
        ("摘要", "Body SHA-256", digest.clone()),
    ];
    for n in &b.notes {
        rows.push(("备注", "Note", n.clone()));
    }
    // Every value comes from the certificate, which comes from outside: shown escaped.
    for row in &mut rows {
        row.2 = shown(&row.2);
    }
    let signatures = cert
        .signatures
        .iter()
        .map(|s| SigBlock {
            role: if s.role == "operator" {
                ("操作人", "Operator")
            } else {
                ("监销人", "Supervisor")
            },
            name: shown(&match &s.title {
                Some(t) => format!("{} ({}), {t}", s.name.clone().unwrap_or_default(), s.signer),
                None => format!("{} ({})", s.name.clone().unwrap_or_default(), s.signer),
            }),
            fingerprint: shown(&s.fingerprint),
            signed: shown(&s.signed),
            valid: Some(cert.check(s).is_ok()),
        })
        .collect();
    Ok(Sheet {
        classification: b
            .media
            .classification
            .as_deref()
            .map(|c| (zh_class(c).to_string(), shown(&c.to_uppercase()))),
        verdict: (verdict.0, shown(&verdict.1)),
        good,
        rows,
        signatures,
        // Data for a scanner: the id as it is, to find the file by.
        qr_text: format!("mediasan-certificate:{}:sha256:{digest}", b.id),
        footer: shown(&format!(
            "{} {} · check: mediasan cert verify {}.cert.json",
            b.tool.name, b.tool.version, b.id
        )),
    })
}

/// Splits text into lines of at most `width` units (CJK characters count two).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = if c.is_ascii() { 1 } else { 2 };
        if used + w > width {
            lines.push(String::new());
            used = 0;
        }
        if let Some(l) = lines.last_mut() {
            l.push(c);
        }
        used += w;
    }
    lines
}

fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

struct Pen<'f> {
    layer: PdfLayerReference,
    font: IndirectFontRef,
    /// The font's faces, to find characters it has no glyph for.
    face: &'f ttf_parser::Face<'f>,
    missing: &'f std::cell::RefCell<std::collections::BTreeSet<char>>,
}

impl Pen<'_> {
    fn text(&self, s: &str, size: f32, x: f32, y: f32) {
        self.missing.borrow_mut().extend(
            s.chars()
                .filter(|c| !c.is_whitespace() && !c.is_control() && self.face.glyph_index(*c).is_none()),
        );
        self.layer.use_text(s, size, Mm(x), Mm(y), &self.font);
    }
    fn line(&self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.layer.add_line(Line {
            points: vec![
                (Point::new(Mm(x1), Mm(y1)), false),
                (Point::new(Mm(x2), Mm(y2)), false),
            ],
            is_closed: false,
        });
    }
    fn fill(&self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.layer.add_rect(Rect::new(Mm(x1), Mm(y1), Mm(x2), Mm(y2)));
    }
}

/// The certificate as a PDF, with `font` embedded (subset). A character the font has no
/// glyph for is an error naming it, never a blank on the page.
pub fn pdf(cert: &Certificate, font: &Font) -> Result<Vec<u8>, String> {
    let sheet = sheet(cert).map_err(|e| e.to_string())?;
    let id = cert.typed_body().map(|b| b.id).unwrap_or_default();
    let (doc, page, layer) = PdfDocument::new(
        format!("mediasan certificate {id}"),
        Mm(210.0),
        Mm(297.0),
        "certificate",
    );
    let data = font.bytes()?;
    let face = ttf_parser::Face::parse(&data, 0).map_err(|e| format!("{}: {e}", font.describe()))?;
    let missing = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let font_ref = doc
        .add_external_font_with_subsetting(&data[..], true)
        .map_err(|e| {
            format!(
                "{}: cannot embed this font ({e}); give a .ttf or .otf with --font",
                font.describe()
            )
        })?;
    let mut pen = Pen {
        layer: doc.get_page(page).get_layer(layer),
        font: font_ref.clone(),
        face: &face,
        missing: &missing,
    };
    let black = rgb(0.0, 0.0, 0.0);
    let red = rgb(0.75, 0.05, 0.05);
    let grey = rgb(0.4, 0.4, 0.4);

    pen.text("信息消除证明书", 18.0, 18.0, 276.0);
    pen.text("Certificate of Media Sanitisation", 11.0, 18.0, 269.0);
    if let Some((zh, en)) = &sheet.classification {
        pen.layer.set_outline_color(red.clone());
        pen.layer.set_fill_color(red.clone());
        pen.layer.set_outline_thickness(1.2);
        for (x1, y1, x2, y2) in [
            (140.0, 266.0, 192.0, 266.0),
            (192.0, 266.0, 192.0, 282.0),
            (192.0, 282.0, 140.0, 282.0),
            (140.0, 282.0, 140.0, 266.0),
        ] {
            pen.line(x1, y1, x2, y2);
        }
        pen.text(&format!("{zh}  {en}"), 14.0, 144.0, 271.5);
    }
    pen.layer.set_fill_color(if sheet.good {
        rgb(0.0, 0.4, 0.1)
    } else {
        red.clone()
    });
    pen.text(&format!("结论 {}", sheet.verdict.0), 14.0, 18.0, 256.0);
    pen.text(&format!("Verdict: {}", sheet.verdict.1), 11.0, 18.0, 250.0);
    pen.layer.set_fill_color(black.clone());
    pen.layer.set_outline_color(grey.clone());
    pen.layer.set_outline_thickness(0.3);
    pen.line(18.0, 246.0, 192.0, 246.0);

    let mut y = 240.0;
    for (zh, en, value) in &sheet.rows {
        let lines = wrap(value, 74);
        pen.text(zh, 9.0, 18.0, y);
        pen.layer.set_fill_color(grey.clone());
        pen.text(en, 7.5, 42.0, y);
        pen.layer.set_fill_color(black.clone());
        for (i, l) in lines.iter().enumerate() {
            pen.text(l, 8.5, 70.0, y - i as f32 * 4.2);
        }
        y -= 4.2 * lines.len() as f32 + 1.6;
    }

    // Signature blocks, with room for wet ink.
    let mut blocks: Vec<Option<&SigBlock>> = sheet.signatures.iter().map(Some).collect();
    if sheet.signatures.len() < 2 {
        blocks.push(None);
    }
    y -= 2.0;
    for block in blocks {
        if y < 66.0 {
            let (p, l) = doc.add_page(Mm(210.0), Mm(297.0), "signatures");
            pen = Pen {
                layer: doc.get_page(p).get_layer(l),
                font: font_ref.clone(),
                face: &face,
                missing: &missing,
            };
            pen.layer.set_outline_color(grey.clone());
            pen.layer.set_outline_thickness(0.3);
            y = 276.0;
        }
        pen.line(18.0, y + 3.0, 150.0, y + 3.0);
        match block {
            Some(s) => {
                pen.text(
                    &format!("{} {}: {}", s.role.0, s.role.1, s.name),
                    9.5,
                    18.0,
                    y - 2.0,
                );
                pen.text(
                    &format!("key {} · signed {}", s.fingerprint, s.signed),
                    7.5,
                    18.0,
                    y - 6.5,
                );
                let v = match s.valid {
                    Some(true) => "签名与本证书相符（未对照台账）signature matches this body; signer not checked against the register",
                    Some(false) => "数字签名无效 DIGITAL SIGNATURE NOT VALID",
                    None => "",
                };
                pen.text(v, 7.5, 18.0, y - 10.5);
            }
            None => {
                pen.text(
                    "监销人 Supervisor: (awaiting co-signature 待会签)",
                    9.5,
                    18.0,
                    y - 2.0,
                );
            }
        }
        pen.text(
            "签字 Signature: ______________________   日期 Date: ____________",
            9.0,
            18.0,
            y - 16.0,
        );
        y -= 24.0;
    }

    // The QR code, on the first page's bottom right: id and body digest.
    let first = Pen {
        layer: doc.get_page(page).get_layer(layer),
        font: font_ref.clone(),
        face: &face,
        missing: &missing,
    };
    if let Ok(code) = QrCode::new(sheet.qr_text.as_bytes()) {
        let n = code.width();
        let size = 34.0f32;
        let cell = size / n as f32;
        let (x0, y0) = (158.0f32, 20.0f32);
        first.layer.set_fill_color(black.clone());
        for (i, dark) in code.to_colors().iter().enumerate() {
            if *dark == qrcode::Color::Dark {
                let (cx, cy) = ((i % n) as f32, (i / n) as f32);
                let x = x0 + cx * cell;
                let yy = y0 + size - (cy + 1.0) * cell;
                first.fill(x, yy, x + cell, yy + cell);
            }
        }
        first.text("扫码核对 scan to check", 6.5, 158.0, 16.5);
    }
    first.layer.set_fill_color(grey);
    first.text(&sheet.footer, 6.5, 18.0, 10.0);
    let missing: String = missing.into_inner().into_iter().collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} has no glyphs for {missing:?}, which the certificate shows; give a font that has them with --font",
            font.describe()
        ));
    }
    let mut out = BufWriter::new(Vec::new());
    doc.save(&mut out).map_err(|e| e.to_string())?;
    let drawn = out.into_inner().map_err(|e| e.to_string())?;
    // The signed certificate itself goes inside: the paper carries its own proof.
    let file = cert.to_file();
    let digest = cert.digest().map_err(|e| e.to_string())?;
    super::pdfa::attach(
        &drawn,
        &super::pdfa::Proof {
            file: file.as_bytes(),
            name: &format!("{id}.cert.json"),
            title: &format!("信息消除证明书 Certificate of Media Sanitisation {id}"),
            id: &id,
            digest: &digest,
            producer: &format!("mediasan {}", env!("CARGO_PKG_VERSION")),
            created: printed_at(cert),
        },
    )
}

/// What `cert verify` asks a person to compare with the paper: the attached certificate's
/// id, carrier, serial, outcome and category, as the page shows them (escaped).
#[derive(Clone, Debug, serde::Serialize)]
pub struct OnPaper {
    pub certificate: String,
    pub carrier: String,
    pub serial: String,
    pub outcome: String,
    pub category: String,
}

pub fn on_paper(cert: &Certificate) -> Result<OnPaper, super::CertError> {
    let b = cert.typed_body()?;
    let or_dash = |v: Option<String>| shown(&v.unwrap_or_else(|| "—".into()));
    Ok(OnPaper {
        certificate: shown(&b.id),
        carrier: or_dash(b.media.carrier),
        serial: or_dash(b.media.serial),
        outcome: shown(&b.sanitisation.outcome),
        category: shown(&b.sanitisation.category),
    })
}

/// Whether `file`, a PDF [`super::pdfa::read`] read, is the rendering of the certificate
/// it carries (`cert`) with `font`: the same bytes. `Ok` with what holds, or `Err` with the
/// first difference, named, and what to do.
pub fn check_print(
    file: &[u8],
    printed: &super::pdfa::Printed,
    cert: &Certificate,
    font: &Font,
) -> Result<String, String> {
    use super::pdfa::Mismatch;
    let described = font.describe();
    let rendered = pdf(cert, font)
        .map_err(|e| crate::t!("pdf-print-cannot-render", font = described.as_str(), error = e))?;
    let mismatch = super::pdfa::guarded(|| super::pdfa::compare(file, printed, &rendered))?;
    let font = described.as_str();
    Err(match mismatch {
        None => return Ok(crate::t!("pdf-print-same", font = font)),
        Some(Mismatch::Producer {
            found: Some(found),
            ours,
        }) => {
            crate::t!("pdf-print-producer", found = found, ours = ours)
        }
        Some(Mismatch::Producer { found: None, ours }) => crate::t!("pdf-print-no-producer", ours = ours),
        Some(Mismatch::Update { at }) => crate::t!("pdf-print-update", at = at.to_string()),
        Some(Mismatch::Trailing { at, count }) => crate::t!(
            "pdf-print-trailing",
            at = at.to_string(),
            count = count.to_string()
        ),
        Some(Mismatch::Extra { id }) => crate::t!("pdf-print-extra", id = id.to_string()),
        Some(Mismatch::Missing { id }) => crate::t!("pdf-print-missing", id = id.to_string()),
        Some(Mismatch::Font { found }) => crate::t!("pdf-print-font", found = found, font = font),
        Some(Mismatch::Page { page, at }) => {
            crate::t!("pdf-print-page", page = page.to_string(), at = at.to_string())
        }
        Some(Mismatch::FontData) => crate::t!("pdf-print-font-data", font = font),
        Some(Mismatch::Object { id, kind }) => {
            crate::t!("pdf-print-object", id = id.to_string(), kind = kind)
        }
        Some(Mismatch::Trailer) => crate::t!("pdf-print-trailer"),
        Some(Mismatch::Compressed) => crate::t!("pdf-print-compressed"),
        Some(Mismatch::Bytes { at }) => crate::t!("pdf-print-bytes", at = at.to_string()),
    })
}

/// The PDF's date: the latest of the certificate's issue and its signatures (the moment
/// the certificate became what it is), never the time of printing, so that the same
/// certificate always prints as the same file. A time that does not parse counts for
/// nothing; with none at all, the Unix epoch.
pub fn printed_at(cert: &Certificate) -> chrono::DateTime<chrono::Utc> {
    let issued = cert.body.get("issued").and_then(serde_json::Value::as_str);
    issued
        .into_iter()
        .chain(cert.signatures.iter().map(|s| s.signed.as_str()))
        .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .max()
        .unwrap_or_default()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The certificate as a self-contained HTML page (the QR code inline as SVG).
pub fn html(cert: &Certificate) -> Result<String, String> {
    let s = sheet(cert).map_err(|e| e.to_string())?;
    let mut h = String::from("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>信息消除证明书 Certificate of Media Sanitisation</title>\n<style>body{font-family:sans-serif;max-width:48em;margin:2em auto}th{text-align:left;vertical-align:top;padding-right:1em}td{font-family:monospace;word-break:break-all}.class{float:right;border:2px solid #b00;color:#b00;padding:.3em .8em;font-size:1.3em}.good{color:#060}.bad{color:#b00}.sig{border-top:1px solid #888;margin-top:1.5em;padding-top:.4em}.ink{margin-top:1.5em}</style></head><body>\n");
    if let Some((zh, en)) = &s.classification {
        h.push_str(&format!("<div class=\"class\">{} {}</div>", esc(zh), esc(en)));
    }
    h.push_str("<h1>信息消除证明书<br><small>Certificate of Media Sanitisation</small></h1>\n");
    h.push_str(&format!(
        "<h2 class=\"{}\">结论 {}<br><small>Verdict: {}</small></h2>\n<table>\n",
        if s.good { "good" } else { "bad" },
        esc(&s.verdict.0),
        esc(&s.verdict.1)
    ));
    for (zh, en, v) in &s.rows {
        h.push_str(&format!(
            "<tr><th>{zh}<br><small>{en}</small></th><td>{}</td></tr>\n",
            esc(v)
        ));
    }
    h.push_str("</table>\n");
    for b in &s.signatures {
        h.push_str(&format!(
            "<div class=\"sig\"><b>{} {}</b>: {}<br><small>key {} · signed {} · {}</small><div class=\"ink\">签字 Signature: ____________________ 日期 Date: __________</div></div>\n",
            b.role.0,
            b.role.1,
            esc(&b.name),
            esc(&b.fingerprint),
            esc(&b.signed),
            if b.valid == Some(true) { "签名与本证书相符（未对照台账）signature matches this body; check the signer with mediasan cert verify" } else { "数字签名无效 SIGNATURE NOT VALID" }
        ));
    }
    if s.signatures.len() < 2 {
        h.push_str("<div class=\"sig\"><b>监销人 Supervisor</b>: awaiting co-signature 待会签<div class=\"ink\">签字 Signature: ____________________ 日期 Date: __________</div></div>\n");
    }
    if let Ok(code) = QrCode::new(s.qr_text.as_bytes()) {
        let n = code.width();
        let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"160\" height=\"160\" viewBox=\"-2 -2 {} {}\" shape-rendering=\"crispEdges\"><rect x=\"-2\" y=\"-2\" width=\"{}\" height=\"{}\" fill=\"#fff\"/>", n + 4, n + 4, n + 4, n + 4);
        for (i, c) in code.to_colors().iter().enumerate() {
            if *c == qrcode::Color::Dark {
                svg.push_str(&format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\"/>",
                    i % n,
                    i / n
                ));
            }
        }
        svg.push_str("</svg>");
        h.push_str(&format!(
            "<p>{svg}<br><small>{}</small></p>\n",
            esc(&shown(&s.qr_text))
        ));
    }
    h.push_str(&format!(
        "<p><small>{}</small></p></body></html>\n",
        esc(&s.footer)
    ));
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Certificate {
        Certificate::parse(include_bytes!("../../fixtures/certs/sample-linked.cert.json")).unwrap()
    }

    /// Rendered twice in one process (printpdf's "random" ids advance with every document):
    /// the same bytes; nothing compressed, no cross-reference stream, the certificate's date.
    #[test]
    fn the_same_certificate_prints_as_the_same_bytes() {
        let c = sample();
        let a = pdf(&c, &Font::Embedded).unwrap();
        let b = pdf(&c, &Font::Embedded).unwrap();
        assert!(a == b, "two renderings differ");
        let text = String::from_utf8_lossy(&a);
        assert!(!text.contains("/FlateDecode") && !text.contains("/XRef"));
        assert!(text.contains("\nxref\n0 "), "a cross-reference table");
        let date = printed_at(&c);
        assert_eq!(date.to_rfc3339(), "2026-11-27T08:32:15.694769+00:00");
        assert!(text.contains(&date.format("(D:%Y%m%d%H%M%SZ)").to_string()));
        // Another signature is another file: its date and its identifier.
        let mut later = c.clone();
        later.signatures[1].signed = "2026-11-28T00:00:00Z".into();
        let other = pdf(&later, &Font::Embedded).unwrap();
        assert!(String::from_utf8_lossy(&other).contains("(D:20261128000000Z)"));
        assert_ne!(other, a);
    }

    /// Fields from outside show their control and bidirectional characters escaped, on
    /// the page and in the HTML: a right-to-left override would otherwise turn a serial
    /// around, an escape sequence colour a terminal.
    #[test]
    fn control_and_bidi_characters_are_shown_escaped() {
        let mut c = sample();
        c.body["media"]["serial"] = "WD-\u{202e}4321".into();
        c.body["media"]["model"] = "X\x1b[32m\u{85}".into();
        c.body["notes"] = serde_json::json!(["a\u{2066}b\u{2069}\u{200f}\u{061c}\x7f\n"]);
        c.signatures[0].name = Some("张三\u{202d}".into());
        let sheet = sheet(&c).unwrap();
        let all: Vec<&str> = sheet
            .rows
            .iter()
            .map(|r| r.2.as_str())
            .chain(sheet.signatures.iter().map(|s| s.name.as_str()))
            .collect();
        let text = all.join("\n");
        for raw in [
            '\u{202e}', '\x1b', '\u{85}', '\u{2066}', '\u{2069}', '\u{200f}', '\u{061c}', '\x7f', '\u{202d}',
        ] {
            assert!(!text.contains(raw), "{raw:?} raw in {text}");
        }
        for shown in [
            "WD-\\u{202e}4321",
            "X\\x1b[32m\\u{85}",
            "a\\u{2066}b\\u{2069}\\u{200f}\\u{61c}\\x7f\\x0a",
            "张三\\u{202d}",
        ] {
            assert!(text.contains(shown), "{shown} in {text}");
        }
        let page = html(&c).unwrap();
        assert!(!page.contains('\u{202e}') && page.contains("WD-\\u{202e}4321"));
        // The PDF prints them (escaped, every character has a glyph).
        pdf(&c, &Font::Embedded).unwrap();
    }

    #[test]
    fn wrapping_counts_cjk_as_two() {
        assert_eq!(wrap("abcdef", 4), ["abcd", "ef"]);
        assert_eq!(wrap("机密文件", 4), ["机密", "文件"]);
        assert_eq!(wrap("", 4), [""]);
    }
}
