//! The printed certificate carries its proof: the signed certificate file is attached to
//! the PDF as an associated file (PDF/A-3 allows one), described by XMP metadata (title,
//! certificate id, body digest), with an sRGB output intent for the page's colours; and
//! `cert verify FILE.pdf` takes the attachment out again.
//!
//! printpdf draws the page; this module rewrites its catalogue with lopdf. How far the
//! result gets towards PDF/A-3b is said in docs/certificate-format.md.

use lopdf::xref::{Xref, XrefType};
use lopdf::{dictionary, Dictionary, Document, Object, Stream, StringFormat};
use sha2::{Digest, Sha256};

use crate::t;

/// An sRGB profile (icc-profiles-free 2.0.1, zlib licence): the output intent that makes
/// the page's DeviceRGB colours defined, as PDF/A requires.
const SRGB: &[u8] = include_bytes!("../../assets/icc/sRGB.icc");

/// What the attachment and the metadata say.
pub struct Proof<'a> {
    /// The certificate file's bytes, as `cert verify` reads them.
    pub file: &'a [u8],
    /// Its name inside the PDF: `<id>.cert.json`.
    pub name: &'a str,
    pub title: &'a str,
    pub id: &'a str,
    /// `sha256:…` of the canonical body.
    pub digest: &'a str,
    pub producer: &'a str,
    pub created: chrono::DateTime<chrono::Utc>,
}

fn text(s: &str) -> Object {
    // PDF text strings: ASCII as it is, anything else as UTF-16BE with its byte order mark.
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut b = vec![0xfe, 0xff];
        b.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(b, StringFormat::Hexadecimal)
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XMP packet: PDF/A identification, Dublin Core title, identifier and description,
/// the dates and the producer, matching the document information dictionary.
fn xmp(p: &Proof<'_>) -> String {
    let date = p.created.format("%Y-%m-%dT%H:%M:%SZ");
    format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:identifier>{id}</dc:identifier>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">certificate {id}, body {digest}; the signed certificate is attached as {name}</rdf:li></rdf:Alt></dc:description>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <xmp:CreatorTool>{producer}</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{producer}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        title = xml(p.title),
        id = xml(p.id),
        digest = xml(p.digest),
        name = xml(p.name),
        producer = xml(p.producer),
    )
}

/// Attaches `proof` to the PDF `pdf` and gives the new file.
///
/// The file is the same bytes for the same drawing and proof, in any process and any
/// build: what printpdf varies is replaced (its trailer, with a random document id, and its
/// information dictionary and metadata, with the time of drawing), every stream is stored
/// uncompressed (printpdf compresses only in a release build), the objects are numbered
/// anew in order, and the cross-reference is a table (never a stream). `cert verify`
/// renders the attached certificate again and compares the two files byte for byte.
pub fn attach(pdf: &[u8], proof: &Proof<'_>) -> Result<Vec<u8>, String> {
    let mut doc = Document::load_mem(pdf).map_err(|e| t!("pdf-drawn-unreadable", error = e.to_string()))?;
    doc.version = "1.7".into();
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| t!("pdf-no-catalogue", error = e.to_string()))?;
    doc.trailer = Dictionary::new();
    doc.trailer.set("Root", root);
    // lopdf keeps the cross-reference stream it read as an object; it is written anew.
    doc.objects
        .retain(|_, o| o.as_stream().map_or(true, |s| !s.dict.type_is(b"XRef")));
    doc.delete_zero_length_streams();
    doc.decompress();
    let pdf_date = text(&proof.created.format("D:%Y%m%d%H%M%SZ").to_string());

    let file = Stream::new(
        dictionary! {
            "Type" => "EmbeddedFile",
            "Subtype" => Object::Name(b"application/json".to_vec()),
            "Params" => dictionary! {
                "Size" => proof.file.len() as i64,
                "ModDate" => pdf_date.clone(),
            },
        },
        proof.file.to_vec(),
    );
    let file = doc.add_object(file);
    let spec = doc.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => text(proof.name),
        "UF" => text(proof.name),
        "Desc" => text("the signed certificate: mediasan cert verify checks it, and this PDF"),
        "AFRelationship" => "Source",
        "EF" => dictionary! { "F" => file, "UF" => file },
    });
    let metadata = doc.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp(proof).into_bytes(),
    ));
    let icc = doc.add_object(Stream::new(dictionary! { "N" => 3 }, SRGB.to_vec()));
    let intent = dictionary! {
        "Type" => "OutputIntent",
        "S" => "GTS_PDFA1",
        "OutputConditionIdentifier" => text("sRGB IEC61966-2.1"),
        "Info" => text("sRGB IEC61966-2.1"),
        "DestOutputProfile" => icc,
    };
    let catalog = doc
        .catalog_mut()
        .map_err(|e| t!("pdf-no-catalogue", error = e.to_string()))?;
    catalog.set(
        "Names",
        dictionary! { "EmbeddedFiles" => dictionary! { "Names" => vec![text(proof.name), Object::Reference(spec)] } },
    );
    catalog.set("AF", vec![Object::Reference(spec)]);
    catalog.set("Metadata", metadata);
    catalog.set("OutputIntents", vec![Object::Dictionary(intent)]);
    // The information dictionary says what the XMP says, and nothing else.
    let info = doc.add_object(dictionary! {
        "Title" => text(proof.title),
        "Producer" => text(proof.producer),
        "Creator" => text(proof.producer),
        "CreationDate" => pdf_date.clone(),
        "ModDate" => pdf_date,
    });
    doc.trailer.set("Info", info);
    // The file identifier (both halves: a file as it was made) from the attached file's
    // SHA-256, signatures included: another certificate, or another co-signature, is
    // another document.
    let id = Object::String(
        Sha256::digest(proof.file)[..16].to_vec(),
        StringFormat::Hexadecimal,
    );
    doc.trailer.set("ID", vec![id.clone(), id]);
    doc.prune_objects();
    doc.renumber_objects();
    doc.max_id = doc.objects.keys().map(|(n, _)| *n).max().unwrap_or(0);
    doc.reference_table = Xref::new(0, XrefType::CrossReferenceTable);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| t!("pdf-cannot-write", error = e.to_string()))?;
    Ok(out)
}

/// The certificate file attached to a PDF mediasan printed: the bytes of the embedded
/// file whose name ends in `.cert.json`.
pub fn extract(pdf: &[u8]) -> Result<Vec<u8>, String> {
    let doc = Document::load_mem(pdf).map_err(|e| t!("pdf-unreadable", error = e.to_string()))?;
    let deref = |o| deref(&doc, o);
    let dict = |o| dict(&doc, o);
    let names = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Names").ok())
        .and_then(dict)
        .and_then(|n| n.get(b"EmbeddedFiles").ok())
        .and_then(dict)
        .and_then(|e| e.get(b"Names").ok())
        .and_then(deref)
        .and_then(|a| a.as_array().ok())
        .ok_or_else(|| t!("pdf-no-attachments"))?;
    let mut found = Vec::new();
    for pair in names.chunks(2) {
        let [name, spec] = pair else { continue };
        let Some(name) = deref(name).and_then(|n| n.as_str().ok()) else {
            continue;
        };
        if !name.ends_with(b".cert.json") {
            continue;
        }
        let stream = dict(spec)
            .and_then(|s| s.get(b"EF").ok())
            .and_then(dict)
            .and_then(|ef| ef.get(b"F").ok())
            .and_then(deref)
            .and_then(|s| s.as_stream().ok())
            .ok_or_else(|| t!("pdf-no-stream"))?;
        let bytes = if stream.dict.get(b"Filter").is_ok() {
            stream
                .decompressed_content()
                .map_err(|e| t!("pdf-cannot-decompress", error = e.to_string()))?
        } else {
            stream.content.clone()
        };
        found.push(bytes);
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(t!("pdf-no-certificate")),
        n => Err(t!("pdf-several-certificates", count = n.to_string())),
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).map(|(_, o)| o).ok()
}

fn dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    deref(doc, o).and_then(|o| o.as_dict().ok())
}

/// Whether `bytes` are a PDF (by its header), so that `cert verify` knows what it was given.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank_pdf() -> Vec<u8> {
        let (doc, _, _) = printpdf::PdfDocument::new("t", printpdf::Mm(210.0), printpdf::Mm(297.0), "l");
        let mut out = std::io::BufWriter::new(Vec::new());
        doc.save(&mut out).unwrap();
        out.into_inner().unwrap()
    }

    fn proof(file: &[u8]) -> Proof<'_> {
        Proof {
            file,
            name: "C-1-20261202T000000Z.cert.json",
            title: "信息消除证明书 Certificate of Media Sanitisation C-1",
            id: "C-1-20261202T000000Z",
            digest: "sha256:00",
            producer: "mediasan 0.1.0",
            created: chrono::Utc::now(),
        }
    }

    #[test]
    fn the_attachment_comes_out_as_it_went_in() {
        let json = br#"{"body":{"id":"C-1"},"signatures":[]}"#;
        let pdf = attach(&blank_pdf(), &proof(json)).unwrap();
        assert!(is_pdf(&pdf));
        assert_eq!(extract(&pdf).unwrap(), json);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("<pdfaid:part>3</pdfaid:part>") && text.contains("GTS_PDFA1"));
        assert!(text.contains("<dc:identifier>C-1-20261202T000000Z</dc:identifier>"));
    }

    #[test]
    fn a_pdf_without_or_with_two_certificates_is_said_so() {
        assert!(extract(&blank_pdf()).unwrap_err().contains("no attached files"));
        assert!(extract(b"%PDF-1.7 nonsense").unwrap_err().contains("not a PDF"));
        // Two certificates: a second attachment added beside the first.
        let pdf = attach(&blank_pdf(), &proof(b"{}")).unwrap();
        let mut doc = Document::load_mem(&pdf).unwrap();
        let second = doc.add_object(Stream::new(dictionary! {}, b"{}".to_vec()));
        let spec =
            doc.add_object(dictionary! { "Type" => "Filespec", "EF" => dictionary! { "F" => second } });
        let names = doc
            .catalog()
            .unwrap()
            .get(b"Names")
            .unwrap()
            .as_dict()
            .unwrap()
            .clone();
        let mut files = names.get(b"EmbeddedFiles").unwrap().as_dict().unwrap().clone();
        let mut list = files.get(b"Names").unwrap().as_array().unwrap().clone();
        list.extend([text("other.cert.json"), Object::Reference(spec)]);
        files.set("Names", list);
        let mut names = Dictionary::new();
        names.set("EmbeddedFiles", files);
        doc.catalog_mut().unwrap().set("Names", names);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        assert!(extract(&out).unwrap_err().contains("2 certificate attachments"));
    }
}
