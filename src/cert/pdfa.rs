//! The printed certificate carries its proof: the signed certificate file is attached to
//! the PDF as an associated file (PDF/A-3 allows one), described by XMP metadata (title,
//! certificate id, body digest), with an sRGB output intent for the page's colours; and
//! `cert verify FILE.pdf` takes the attachment out again.
//!
//! printpdf draws the page; this module rewrites its catalogue with lopdf. How far the
//! result gets towards PDF/A-3b is said in docs/certificate-format.md.

use std::collections::{BTreeMap, BTreeSet};

use lopdf::xref::{Xref, XrefType};
use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream, StringFormat};
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

/// How deep arrays and dictionaries may nest in a PDF `cert verify` reads. mediasan
/// writes four levels; lopdf parses nesting by recursion, so 100 000 `[` would overflow
/// its stack.
pub const MAX_DEPTH: usize = 32;
/// How many objects a PDF may have (mediasan writes about twenty).
pub const MAX_OBJECTS: usize = 4096;
/// How many tokens (numbers, names, strings, brackets) may stand outside streams
/// (mediasan writes a few thousand): what lopdf builds from them stays small.
pub const MAX_TOKENS: usize = 1 << 18;

/// What the pre-scan found: where objects and cross-reference tables begin, as lopdf
/// will find them.
#[derive(Debug, Default)]
pub struct Scan {
    /// The objects' starts: byte offset → (number, generation).
    objects: BTreeMap<usize, (u32, u16)>,
    /// The cross-reference tables, by byte offset.
    xrefs: BTreeMap<usize, XrefTable>,
    /// The tables lopdf reads (`startxref`'s, then each `/Prev`), newest first.
    chain: Vec<usize>,
    /// Where each `%%EOF` ends.
    eofs: Vec<usize>,
    startxrefs: usize,
}

impl Scan {
    /// Whether the file was updated after it was written: more than one cross-reference
    /// table, `startxref` or `%%EOF`, or a trailer's `/Prev`. Where the first part ends.
    pub fn update(&self) -> Option<usize> {
        let updated =
            self.chain.len() > 1 || self.xrefs.len() > 1 || self.startxrefs > 1 || self.eofs.len() > 1;
        updated.then(|| self.eofs.first().copied().unwrap_or(0))
    }
}

#[derive(Debug, Default)]
struct XrefTable {
    /// The objects in use it lists: number → (offset, generation), as lopdf reads them.
    entries: BTreeMap<u32, (u32, u16)>,
    /// Its trailer's `/Prev`, when there is a trailer.
    trailer: Option<Option<i64>>,
}

const WHITE: &[u8] = b" \t\n\r\0\x0C";
const DELIMITERS: &[u8] = b"()<>[]{}/%";

/// One entry of a dictionary that opens at the top level (an object's or a trailer).
#[derive(Debug)]
enum Entry {
    Name(Vec<u8>),
    Int(i64),
    R,
    Other,
}

/// What the scan keeps of such a dictionary.
#[derive(Debug, Default)]
struct DictInfo {
    /// `/Length`: `Some(Ok(n))` written in place, `Some(Err(()))` anything else.
    length: Option<Result<i64, ()>>,
    prev: Option<i64>,
}

fn dict_info(entries: &[Entry], at: usize) -> Result<DictInfo, String> {
    let mut info = DictInfo::default();
    let mut k = 0;
    while k < entries.len() {
        let Entry::Name(key) = &entries[k] else {
            return Err(t!("pdf-syntax", at = at.to_string(), what = "key"));
        };
        let value = match (entries.get(k + 1), entries.get(k + 2), entries.get(k + 3)) {
            (Some(Entry::Int(_)), Some(Entry::Int(_)), Some(Entry::R)) => {
                k += 4;
                Err(())
            }
            (Some(Entry::Int(n)), _, _) => {
                k += 2;
                Ok(*n)
            }
            (Some(_), _, _) => {
                k += 2;
                Err(())
            }
            (None, _, _) => return Err(t!("pdf-syntax", at = at.to_string(), what = "value")),
        };
        match key.as_slice() {
            b"Length" => info.length = Some(value),
            // lopdf follows a /Prev only when it is a number.
            b"Prev" => info.prev = value.ok(),
            _ => {}
        }
    }
    Ok(info)
}

/// An end of line as lopdf's parser reads one: CR LF, LF or CR. Its length.
fn eol(b: &[u8]) -> Option<usize> {
    match b {
        [b'\r', b'\n', ..] => Some(2),
        [b'\n', ..] | [b'\r', ..] => Some(1),
        _ => None,
    }
}

/// An integer as lopdf's parser reads one (`[+-]?[0-9]+`, an i64): its value and end.
fn integer(b: &[u8], at: usize) -> Option<(i64, usize)> {
    let mut end = at;
    if matches!(b.get(end), Some(b'+' | b'-')) {
        end += 1;
    }
    let digits = b.get(end..)?.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    end += digits;
    let text = std::str::from_utf8(&b[at..end]).ok()?;
    Some((text.parse().ok()?, end))
}

/// lopdf's `space()`: white space and comments (a comment ends with an end of line).
fn space(b: &[u8], mut at: usize) -> usize {
    loop {
        match b.get(at) {
            Some(c) if WHITE.contains(c) => at += 1,
            Some(b'%') => {
                let Some(n) = b[at..].iter().position(|&c| c == b'\r' || c == b'\n') else {
                    return at;
                };
                at += n + eol(&b[at + n..]).unwrap_or(1);
            }
            _ => return at,
        }
    }
}

/// A cross-reference table at `at` (its `xref` keyword), read exactly as lopdf reads one:
/// its entries and where the `trailer` keyword must follow.
fn xref_table(b: &[u8], at: usize) -> Result<(XrefTable, usize), String> {
    let bad = || t!("pdf-xref-unreadable", at = at.to_string());
    let mut p = at + 4;
    if b.get(p) == Some(&b' ') {
        p += 1;
    }
    p += eol(&b[p..]).ok_or_else(bad)?;
    let mut table = XrefTable::default();
    let mut sections = 0;
    loop {
        // integer ' ' integer ' '? eol
        let header = (|| {
            let (start, q) = integer(b, p)?;
            (b.get(q) == Some(&b' ')).then_some(())?;
            let (_, mut q) = integer(b, q + 1)?;
            if b.get(q) == Some(&b' ') {
                q += 1;
            }
            Some((start, q + eol(&b[q..])?))
        })();
        let Some((start, q)) = header else { break };
        if !(0..=i64::from(u32::MAX)).contains(&start) {
            return Err(bad());
        }
        p = q;
        sections += 1;
        let mut index = 0u64;
        // integer ' ' integer ' ' [nf] and two bytes
        while let Some((offset, generation, used, q)) = (|| {
            let (offset, q) = integer(b, p)?;
            (b.get(q) == Some(&b' ')).then_some(())?;
            let (generation, q) = integer(b, q + 1)?;
            (b.get(q) == Some(&b' ')).then_some(())?;
            let used = match b.get(q + 1)? {
                b'n' => true,
                b'f' => false,
                _ => return None,
            };
            (b.len() >= q + 4).then_some((offset, generation, used, q + 4))
        })() {
            if used {
                // As lopdf converts them.
                let id = (start as u64 + index) as u32;
                table
                    .entries
                    .insert(id, (offset.max(0) as u32, generation as u16));
            }
            index += 1;
            p = q;
        }
    }
    if sections == 0 {
        return Err(bad());
    }
    Ok((table, space(b, p)))
}

/// Where lopdf looks for the first cross-reference table: the number after the last
/// `startxref` near the last `%%EOF` of the file's last 512 bytes.
fn startxref(b: &[u8]) -> Option<usize> {
    let last = |pattern: &[u8], from: usize| {
        (from..=b.len().saturating_sub(pattern.len()))
            .rev()
            .find(|&i| b[i..].starts_with(pattern))
    };
    let eof = last(b"%%EOF", b.len() - b.len().min(512)).filter(|&e| e > 25)?;
    let at = last(b"startxref", eof - 25)? + 9;
    let at = at + b[at..].iter().take_while(|c| WHITE.contains(c)).count();
    let (offset, end) = integer(b, at)?;
    let end = end + b[end..].iter().take_while(|c| WHITE.contains(c)).count();
    b[end..].starts_with(b"%%EOF").then_some(())?;
    usize::try_from(offset).ok()
}

/// The pre-scan, before lopdf sees a byte: the file is read as lopdf's parser reads it
/// (white space, comments, strings, names, numbers, arrays, dictionaries, and stream
/// bodies skipped by their `/Length`), and refused when arrays and dictionaries nest deeper
/// than [`MAX_DEPTH`], when there are more than [`MAX_OBJECTS`] objects or [`MAX_TOKENS`]
/// tokens, when it has object or cross-reference streams (lopdf inflates them, without a
/// limit), a stream whose `/Length` is not a number written in place (lopdf would read
/// another object in the middle of one, and so on without end), or a cross-reference entry,
/// `startxref` or `/Prev` that does not point where an object or a table begins here (lopdf
/// parses from there: it must be what was scanned).
pub fn scan(b: &[u8]) -> Result<Scan, String> {
    if !is_pdf(b) {
        return Err(t!("pdf-not-pdf"));
    }
    let syntax = |at: usize, what: &str| t!("pdf-syntax", at = at.to_string(), what = what);
    let mut s = Scan::default();
    // Open arrays (false) and dictionaries (true); a dictionary opened at the top level
    // keeps its entries.
    let mut stack: Vec<(bool, Option<Vec<Entry>>)> = Vec::new();
    let mut tokens = 0usize;
    // The top level. The last two tokens' offsets and integer values (for `N G obj`).
    let mut before: [Option<(usize, Option<i64>)>; 2] = [None, None];
    // An object's value comes next; the container open is an object's value; the last
    // token closed the dictionary that was an object's value (a stream may follow).
    let mut object_value = false;
    let mut open_value = false;
    let mut value_dict: Option<DictInfo> = None;
    // The cross-reference table just read (its offset, and where a `trailer` keyword must
    // start); the table whose trailer dictionary comes next, or is open.
    let mut after_xref: Option<(usize, usize)> = None;
    let mut trailer_next: Option<usize> = None;
    let mut open_trailer: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let at = i;
        let tok = match c {
            _ if WHITE.contains(&c) => {
                i += 1;
                continue;
            }
            b'%' => {
                let end = b[i..]
                    .iter()
                    .position(|&x| x == b'\r' || x == b'\n')
                    .map_or(b.len(), |n| i + n);
                if b[i..end].starts_with(b"%%EOF") {
                    s.eofs.push(i + 5);
                }
                i = end;
                continue;
            }
            b'(' => {
                // A literal string: balanced parentheses; a backslash escapes the next byte.
                let mut depth = 0usize;
                loop {
                    match b.get(i) {
                        None => return Err(syntax(at, "string")),
                        Some(b'\\') => i += 2,
                        Some(b'(') => {
                            depth += 1;
                            i += 1
                        }
                        Some(b')') => {
                            depth -= 1;
                            i += 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Some(_) => i += 1,
                    }
                }
                Tok::Other
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                i += 2;
                Tok::Open(true)
            }
            b'<' => {
                let n = b[i..]
                    .iter()
                    .position(|&x| x == b'>')
                    .ok_or_else(|| syntax(at, "hex"))?;
                if !b[i + 1..i + n]
                    .iter()
                    .all(|x| x.is_ascii_hexdigit() || WHITE.contains(x))
                {
                    return Err(syntax(at, "hex-chars"));
                }
                i += n + 1;
                Tok::Other
            }
            b'>' if b.get(i + 1) == Some(&b'>') => {
                i += 2;
                Tok::Close(true)
            }
            b'[' => {
                i += 1;
                Tok::Open(false)
            }
            b']' => {
                i += 1;
                Tok::Close(false)
            }
            b'/' => {
                // A name as lopdf reads it: `#` and two hexadecimal digits stand for a byte
                // (a `#` without them ends it); NUL belongs to it.
                i += 1;
                let mut name = Vec::new();
                while let Some(&x) = b.get(i) {
                    if b" \t\n\r\x0C".contains(&x) || DELIMITERS.contains(&x) {
                        break;
                    }
                    if x == b'#' {
                        match b.get(i + 1..i + 3) {
                            Some(h) if h.iter().all(u8::is_ascii_hexdigit) => {
                                let h = std::str::from_utf8(h).unwrap_or("00");
                                name.push(u8::from_str_radix(h, 16).unwrap_or(0));
                                i += 3;
                                continue;
                            }
                            _ => break,
                        }
                    }
                    name.push(x);
                    i += 1;
                }
                match name.as_slice() {
                    b"ObjStm" => return Err(t!("pdf-object-stream", at = at.to_string())),
                    b"XRef" | b"XRefStm" => return Err(t!("pdf-xref-stream", at = at.to_string())),
                    _ => Tok::Name(name),
                }
            }
            b'>' | b')' | b'{' | b'}' => return Err(syntax(at, "delimiter")),
            _ => {
                let n = b[i..]
                    .iter()
                    .position(|x| WHITE.contains(x) || DELIMITERS.contains(x))
                    .unwrap_or(b.len() - i);
                let word = &b[i..i + n];
                i += n;
                match integer(word, 0) {
                    Some((v, end)) if end == word.len() => Tok::Int(v),
                    _ => Tok::Word(word),
                }
            }
        };
        tokens += 1;
        if tokens > MAX_TOKENS {
            return Err(t!("pdf-too-many-tokens", limit = MAX_TOKENS.to_string()));
        }
        // The entries of a dictionary opened at the top level (a container inside one is
        // one value).
        if let [(_, Some(entries))] = stack.as_mut_slice() {
            match &tok {
                Tok::Close(_) => {}
                Tok::Name(n) => entries.push(Entry::Name(n.clone())),
                Tok::Int(v) => entries.push(Entry::Int(*v)),
                Tok::Word(b"R") => entries.push(Entry::R),
                _ => entries.push(Entry::Other),
            }
        }
        match tok {
            Tok::Open(dict) => {
                if stack.is_empty() {
                    open_trailer = trailer_next.take().filter(|_| dict);
                    open_value = std::mem::take(&mut object_value);
                    value_dict = None;
                    after_xref = None;
                    before = [before[1], Some((at, None))];
                }
                stack.push((dict, (stack.is_empty() && dict).then(Vec::new)));
                if stack.len() > MAX_DEPTH {
                    return Err(t!(
                        "pdf-too-deep",
                        limit = MAX_DEPTH.to_string(),
                        at = at.to_string()
                    ));
                }
            }
            Tok::Close(dict) => {
                let (opened, entries) = stack.pop().ok_or_else(|| syntax(at, "close"))?;
                if opened != dict {
                    return Err(syntax(at, "close-kind"));
                }
                if stack.is_empty() {
                    let info = entries.map(|e| dict_info(&e, at)).transpose()?;
                    if let (Some(x), Some(info)) = (open_trailer.take(), &info) {
                        if let Some(table) = s.xrefs.get_mut(&x) {
                            table.trailer = Some(info.prev);
                        }
                    }
                    value_dict = info.filter(|_| std::mem::take(&mut open_value));
                    open_value = false;
                }
            }
            _ if !stack.is_empty() => {}
            tok => {
                // A token at the top level.
                trailer_next = None;
                let xref = after_xref.take();
                let dict = value_dict.take();
                object_value = false;
                match tok {
                    Tok::Word(b"obj") => {
                        if let [Some((start, Some(n))), Some((_, Some(g)))] = before {
                            if let (Ok(n), Ok(g)) = (u32::try_from(n), u16::try_from(g)) {
                                s.objects.insert(start, (n, g));
                                if s.objects.len() > MAX_OBJECTS {
                                    return Err(t!("pdf-too-many-objects", limit = MAX_OBJECTS.to_string()));
                                }
                            }
                        }
                        object_value = true;
                    }
                    Tok::Word(b"stream") => {
                        // As lopdf reads one: the object's dictionary, `stream`, an end of
                        // line, `/Length` bytes, perhaps an end of line, `endstream`.
                        let info = dict.ok_or_else(|| syntax(at, "stream-object"))?;
                        let length = match info.length {
                            Some(Ok(n)) if n >= 0 => n as usize,
                            _ => return Err(t!("pdf-stream-length", at = at.to_string())),
                        };
                        let body = i + eol(&b[i..]).ok_or_else(|| syntax(at, "stream-eol"))?;
                        let end = body
                            .checked_add(length)
                            .filter(|&e| e <= b.len())
                            .ok_or_else(|| t!("pdf-stream-end", at = at.to_string()))?;
                        let end = end + eol(&b[end..]).unwrap_or(0);
                        if !b[end..].starts_with(b"endstream") {
                            return Err(t!("pdf-stream-end", at = at.to_string()));
                        }
                        i = end + 9;
                    }
                    Tok::Word(b"xref") => {
                        let (table, end) = xref_table(b, at)?;
                        s.xrefs.insert(at, table);
                        after_xref = Some((at, end));
                        i = end;
                    }
                    Tok::Word(b"trailer") => {
                        // Right after its table, as lopdf reads it.
                        trailer_next = xref.filter(|&(_, end)| end == at).map(|(x, _)| x);
                    }
                    Tok::Word(b"startxref") => s.startxrefs += 1,
                    _ => {}
                }
                before = [
                    before[1],
                    Some((
                        at,
                        match tok {
                            Tok::Int(v) => Some(v),
                            _ => None,
                        },
                    )),
                ];
            }
        }
    }
    resolve(b, &mut s)?;
    Ok(s)
}

/// A PDF read with its limits: the scan, lopdf's document and the certificate file
/// attached to it.
#[derive(Debug)]
pub struct Printed {
    pub scan: Scan,
    pub doc: Document,
    /// The bytes of the attached `*.cert.json`, as `cert verify` reads a certificate.
    pub certificate: Vec<u8>,
}

/// Reads a PDF mediasan printed: at most [`super::MAX_FILE`] bytes, scanned first
/// ([`scan`]), then parsed by lopdf with a panic caught as a last guard, its certificate
/// attachment inflated (when it is compressed at all) to at most [`super::MAX_FILE`].
pub fn read(pdf: &[u8]) -> Result<Printed, String> {
    if pdf.len() as u64 > super::MAX_FILE {
        return Err(super::too_large());
    }
    let scan = scan(pdf)?;
    let doc =
        guarded(|| Document::load_mem(pdf))?.map_err(|e| t!("pdf-unreadable", error = e.to_string()))?;
    let certificate = guarded(|| attachment(&doc))??;
    Ok(Printed {
        scan,
        doc,
        certificate,
    })
}

thread_local! {
    /// A panic on this thread is caught by [`guarded`] and said as an error: not printed.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (lopdf on a file from outside) and turns a panic into an error: the last
/// guard, after the scan's limits.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info)
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.map_err(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        t!("pdf-reader-failed", error = what)
    })
}

/// The certificate file attached to a PDF mediasan printed: the bytes of the embedded
/// file whose name ends in `.cert.json`.
fn attachment(doc: &Document) -> Result<Vec<u8>, String> {
    let deref = |o| deref(doc, o);
    let dict = |o| dict(doc, o);
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
        found.push(plain(stream)?);
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(t!("pdf-no-certificate")),
        n => Err(t!("pdf-several-certificates", count = n.to_string())),
    }
}

/// A stream's content, inflated when it is compressed (FlateDecode, nothing else), to at
/// most [`super::MAX_FILE`] bytes: a few kilobytes of zeros inflate to gigabytes.
fn plain(stream: &Stream) -> Result<Vec<u8>, String> {
    let Ok(filter) = stream.dict.get(b"Filter") else {
        return Ok(stream.content.clone());
    };
    let flate = match filter {
        Object::Name(n) => n == b"FlateDecode",
        Object::Array(a) => matches!(a.as_slice(), [Object::Name(n)] if n == b"FlateDecode"),
        _ => false,
    };
    if !flate || stream.dict.has(b"DecodeParms") {
        return Err(t!("pdf-filter-unsupported"));
    }
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(stream.content.as_slice())
        .take(super::MAX_FILE + 1)
        .read_to_end(&mut out)
        .map_err(|e| t!("pdf-cannot-decompress", error = e.to_string()))?;
    if out.len() as u64 > super::MAX_FILE {
        return Err(t!("pdf-inflates-too-far", limit = super::limit_text()));
    }
    Ok(out)
}

/// The certificate file attached to a PDF mediasan printed (see [`read`]).
pub fn extract(pdf: &[u8]) -> Result<Vec<u8>, String> {
    read(pdf).map(|p| p.certificate)
}

#[derive(PartialEq)]
enum Tok<'a> {
    Open(bool),
    Close(bool),
    Name(Vec<u8>),
    Int(i64),
    Word(&'a [u8]),
    Other,
}

/// Follows the cross-reference tables as lopdf will (from `startxref`, then each
/// `/Prev`, always to an earlier table) and checks that every object they list begins
/// where they say, as that object.
fn resolve(b: &[u8], s: &mut Scan) -> Result<(), String> {
    let first = startxref(b).ok_or_else(|| t!("pdf-no-startxref"))?;
    if !s.xrefs.contains_key(&first) {
        return Err(t!("pdf-startxref-not-table", at = first.to_string()));
    }
    let mut chain = vec![first];
    let mut current = first;
    loop {
        let trailer = s.xrefs[&current]
            .trailer
            .ok_or_else(|| t!("pdf-no-trailer", at = current.to_string()))?;
        let Some(prev) = trailer else { break };
        match usize::try_from(prev) {
            Ok(p) if p < current && s.xrefs.contains_key(&p) => {
                chain.push(p);
                current = p;
            }
            _ => return Err(t!("pdf-prev-not-table", at = current.to_string())),
        }
    }
    // The newest table's entry of an object counts, as lopdf merges them.
    let mut entries = BTreeMap::new();
    for x in &chain {
        for (id, e) in &s.xrefs[x].entries {
            entries.entry(*id).or_insert(*e);
        }
    }
    if entries.len() > MAX_OBJECTS {
        return Err(t!("pdf-too-many-objects", limit = MAX_OBJECTS.to_string()));
    }
    for (id, (offset, generation)) in entries {
        match s.objects.get(&(offset as usize)) {
            Some(&found) if found == (id, generation) => {}
            _ => {
                return Err(t!(
                    "pdf-xref-not-object",
                    id = id.to_string(),
                    at = offset.to_string()
                ))
            }
        }
    }
    s.chain = chain;
    Ok(())
}

/// How a PDF differs from the rendering of the certificate it carries: the first
/// difference found, in this order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// It says another producer (another mediasan version, another program), or none.
    Producer {
        found: Option<String>,
        ours: String,
    },
    /// An incremental update was appended after byte `at`.
    Update {
        at: usize,
    },
    /// The rendering whole, then `count` bytes more.
    Trailing {
        at: usize,
        count: usize,
    },
    /// An object the renderer does not write.
    Extra {
        id: u32,
    },
    /// An object the renderer writes is not there.
    Missing {
        id: u32,
    },
    /// The embedded font is another (by its full name).
    Font {
        found: String,
    },
    /// A page's content differs, first at byte `at` of its content (inflated).
    Page {
        page: u32,
        at: usize,
    },
    /// The embedded font's objects differ (a font of the same name, another file).
    FontData,
    /// Another object differs; `kind` is its type.
    Object {
        id: u32,
        kind: String,
    },
    Trailer,
    /// The same objects, their streams compressed by another program.
    Compressed,
    /// The same objects, written otherwise, from byte `at` on.
    Bytes {
        at: usize,
    },
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// What may be inflated, in all, to name a difference: four times [`super::MAX_FILE`].
const COMPARE_BUDGET: u64 = 4 * super::MAX_FILE;

/// Compares a PDF (`file`, as [`read`] read it) with the rendering of the certificate it
/// carries: `None` when they are the same bytes, else the first difference, named. To
/// name it, objects are compared as values (dictionary keys in any order, streams
/// inflated within [`COMPARE_BUDGET`]): a file another program wrote again, compressed or
/// not, still says which page or object differs.
pub fn compare(file: &[u8], printed: &Printed, rendered: &[u8]) -> Option<Mismatch> {
    if file == rendered {
        return None;
    }
    let bytes = Mismatch::Bytes {
        at: first_difference(file, rendered),
    };
    let Ok(ours) = Document::load_mem(rendered) else {
        return Some(bytes);
    };
    let theirs = &printed.doc;
    // An update first: the trailer and any object may be the update's.
    if let Some(at) = printed.scan.update() {
        return Some(Mismatch::Update { at });
    }
    let producer = |d: &Document| {
        let info = d.trailer.get(b"Info").ok().and_then(|i| dict(d, i))?;
        let p = info
            .get(b"Producer")
            .ok()
            .and_then(|p| deref(d, p))?
            .as_str()
            .ok()?;
        Some(match p.strip_prefix(&[0xfe, 0xff]) {
            Some(utf16) => String::from_utf16_lossy(
                &utf16
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect::<Vec<_>>(),
            ),
            None => String::from_utf8_lossy(p).into_owned(),
        })
    };
    let ours_producer = producer(&ours).unwrap_or_default();
    let found = producer(theirs);
    if found.as_deref() != Some(ours_producer.as_str()) {
        return Some(Mismatch::Producer {
            found: found.map(|f| super::shown(&f)),
            ours: ours_producer,
        });
    }
    if file.len() > rendered.len() && file.starts_with(rendered) {
        return Some(Mismatch::Trailing {
            at: rendered.len(),
            count: file.len() - rendered.len(),
        });
    }
    // The objects paired by where they stand (another program may number them anew).
    let (pairs, theirs_to_ours) = pair(&ours, theirs);
    if let Some(&(id, _)) = theirs.objects.keys().find(|k| !theirs_to_ours.contains_key(k)) {
        return Some(Mismatch::Extra { id });
    }
    if let Some(&(id, _)) = ours.objects.keys().find(|k| !pairs.contains_key(k)) {
        return Some(Mismatch::Missing { id });
    }
    // Only the file's streams may be compressed (the rendering's never are).
    let mut budget = COMPARE_BUDGET;
    let mut plenty = u64::MAX;
    let (found, want) = (font_names(theirs, &mut budget), font_names(&ours, &mut plenty));
    if found != want && !found.iter().any(Option::is_none) {
        return Some(Mismatch::Font {
            found: super::shown(&found.into_iter().flatten().collect::<Vec<_>>().join(", ")),
        });
    }
    for (page, id) in ours.get_pages() {
        for c in ours.get_page_contents(id) {
            let theirs_stream = pairs
                .get(&c)
                .and_then(|t| theirs.objects.get(t)?.as_stream().ok());
            let ours_stream = ours.objects.get(&c).and_then(|o| o.as_stream().ok());
            if let (Some(a), Some(b)) = (theirs_stream, ours_stream) {
                let (a, b) = (inflated(a, &mut budget), inflated(b, &mut plenty));
                if a != b {
                    return Some(Mismatch::Page {
                        page,
                        at: first_difference(&a, &b),
                    });
                }
            }
        }
    }
    // An object of ours and its pair, as values (the pair's references named as ours).
    let differs = |id: ObjectId, budget: &mut u64| {
        let (mut a, mut b, mut plenty) = (Vec::new(), Vec::new(), u64::MAX);
        if let Some(o) = ours.objects.get(&id) {
            put(o, &mut a, &mut plenty, None);
        }
        if let Some(o) = pairs.get(&id).and_then(|t| theirs.objects.get(t)) {
            put(o, &mut b, budget, Some(&theirs_to_ours));
        }
        a != b
    };
    if font_objects(&ours).into_iter().any(|id| differs(id, &mut budget)) {
        return Some(Mismatch::FontData);
    }
    for (id, o) in &ours.objects {
        if differs(*id, &mut budget) {
            let dict = o.as_dict().ok().or_else(|| o.as_stream().ok().map(|s| &s.dict));
            let kind = dict
                .and_then(|d| d.get(b"Type").ok())
                .and_then(|t| t.as_name_str().ok())
                .map(str::to_string)
                .unwrap_or_else(|| match o {
                    Object::Stream(_) => "stream".into(),
                    o => o.type_name().unwrap_or("object").to_string(),
                });
            return Some(Mismatch::Object {
                id: pairs.get(id).map_or(id.0, |t| t.0),
                kind,
            });
        }
    }
    // The trailers, but for /Size (which follows from the numbers).
    let trailer = |d: &Document| {
        let mut t = d.trailer.clone();
        t.remove(b"Size");
        Object::Dictionary(t)
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    put(&trailer(&ours), &mut a, &mut 0, None);
    put(&trailer(theirs), &mut b, &mut 0, Some(&theirs_to_ours));
    if a != b {
        return Some(Mismatch::Trailer);
    }
    let compressed = theirs
        .objects
        .values()
        .any(|o| o.as_stream().is_ok_and(|s| s.dict.has(b"Filter")));
    Some(if compressed { Mismatch::Compressed } else { bytes })
}

type Pairs = BTreeMap<ObjectId, ObjectId>;

/// Pairs the objects of the rendering (`ours`) with those of the file by where they
/// stand: from the trailers, each reference with the reference at the same place. Ours →
/// theirs, and theirs → ours.
fn pair(ours: &Document, theirs: &Document) -> (Pairs, Pairs) {
    fn walk(a: &Object, b: &Object, out: &mut Vec<(ObjectId, ObjectId)>) {
        match (a, b) {
            (Object::Reference(x), Object::Reference(y)) => out.push((*x, *y)),
            (Object::Array(x), Object::Array(y)) => {
                x.iter().zip(y).for_each(|(x, y)| walk(x, y, out));
            }
            (Object::Dictionary(x), Object::Dictionary(y)) => dicts(x, y, out),
            (Object::Stream(x), Object::Stream(y)) => dicts(&x.dict, &y.dict, out),
            _ => {}
        }
    }
    fn dicts(x: &Dictionary, y: &Dictionary, out: &mut Vec<(ObjectId, ObjectId)>) {
        for (k, v) in x.iter() {
            if let Ok(w) = y.get(k) {
                walk(v, w, out);
            }
        }
    }
    let (mut there, mut back) = (Pairs::new(), Pairs::new());
    let mut todo = Vec::new();
    dicts(&ours.trailer, &theirs.trailer, &mut todo);
    todo.reverse();
    while let Some((a, b)) = todo.pop() {
        if there.contains_key(&a) || back.contains_key(&b) {
            continue;
        }
        let (Some(x), Some(y)) = (ours.objects.get(&a), theirs.objects.get(&b)) else {
            continue;
        };
        there.insert(a, b);
        back.insert(b, a);
        let mut found = Vec::new();
        walk(x, y, &mut found);
        todo.extend(found.into_iter().rev());
    }
    (there, back)
}

/// A stream's content for a comparison: inflated when it is FlateDecode and `budget`
/// allows (each at most [`super::MAX_FILE`]), else as it is.
fn inflated(stream: &Stream, budget: &mut u64) -> Vec<u8> {
    if !stream.dict.has(b"Filter") {
        return stream.content.clone();
    }
    let flate = matches!(stream.dict.get(b"Filter"), Ok(Object::Name(n)) if n == b"FlateDecode");
    if !flate || stream.dict.has(b"DecodeParms") || *budget == 0 {
        return stream.content.clone();
    }
    use std::io::Read;
    let cap = (*budget).min(super::MAX_FILE);
    let mut out = Vec::new();
    let whole = flate2::read::ZlibDecoder::new(stream.content.as_slice())
        .take(cap + 1)
        .read_to_end(&mut out)
        .is_ok_and(|n| n as u64 <= cap);
    *budget = budget.saturating_sub(out.len() as u64);
    if whole {
        out
    } else {
        stream.content.clone()
    }
}

/// An object as bytes, to compare two as values (lopdf's objects have no equality):
/// dictionary keys in order, streams inflated (their /Filter, /DecodeParms and /Length
/// left out) within `budget`, references renamed by `names`.
fn put(o: &Object, out: &mut Vec<u8>, budget: &mut u64, names: Option<&Pairs>) {
    let dictionary = |d: &Dictionary, out: &mut Vec<u8>, budget: &mut u64, stream: bool| {
        let mut entries: Vec<(&Vec<u8>, &Object)> = d
            .iter()
            .filter(|(k, _)| !stream || !matches!(k.as_slice(), b"Filter" | b"DecodeParms" | b"Length"))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        out.push(b'<');
        out.extend((entries.len() as u64).to_be_bytes());
        for (k, v) in entries {
            out.extend((k.len() as u64).to_be_bytes());
            out.extend(k);
            put(v, out, budget, names);
        }
    };
    match o {
        Object::Null => out.push(b'n'),
        Object::Boolean(v) => out.extend([b'b', u8::from(*v)]),
        Object::Integer(v) => {
            out.push(b'i');
            out.extend(v.to_be_bytes())
        }
        Object::Real(v) => {
            out.push(b'r');
            out.extend(v.to_bits().to_be_bytes())
        }
        Object::Name(v) | Object::String(v, _) => {
            out.push(if matches!(o, Object::Name(_)) { b'/' } else { b'(' });
            out.extend((v.len() as u64).to_be_bytes());
            out.extend(v)
        }
        Object::Array(a) => {
            out.push(b'[');
            out.extend((a.len() as u64).to_be_bytes());
            a.iter().for_each(|o| put(o, out, budget, names));
        }
        Object::Dictionary(d) => dictionary(d, out, budget, false),
        Object::Stream(s) => {
            out.push(b's');
            dictionary(&s.dict, out, budget, true);
            let content = inflated(s, budget);
            out.extend((content.len() as u64).to_be_bytes());
            out.extend(content)
        }
        Object::Reference(id) => {
            // A reference of the file's, by the number of the rendering's object it
            // stands for (one that stands for none, as none of ours).
            let (n, g) = match names {
                Some(names) => names.get(id).copied().unwrap_or((0, u16::MAX)),
                None => *id,
            };
            out.push(b'R');
            out.extend(n.to_be_bytes());
            out.extend(g.to_be_bytes())
        }
    }
}

/// The full names of the fonts embedded in a PDF, from each font file's name table
/// (`None` for one that cannot be read).
fn font_names(doc: &Document, budget: &mut u64) -> Vec<Option<String>> {
    let mut names = Vec::new();
    for o in doc.objects.values() {
        let Ok(d) = o.as_dict() else { continue };
        if !d.type_is(b"FontDescriptor") {
            continue;
        }
        for key in [&b"FontFile"[..], b"FontFile2", b"FontFile3"] {
            let Some(file) = d.get(key).ok().and_then(|f| deref(doc, f)) else {
                continue;
            };
            let data = file.as_stream().ok().map(|s| inflated(s, budget));
            let name = data.as_deref().and_then(|data| {
                let face = ttf_parser::Face::parse(data, 0).ok()?;
                face.names()
                    .into_iter()
                    .filter(|n| n.name_id == ttf_parser::name_id::FULL_NAME)
                    .find_map(|n| n.to_string())
            });
            names.push(name);
        }
    }
    names.sort();
    names
}

/// The objects that make the renderer's fonts: font dictionaries, their descendants,
/// descriptors, font files, widths and ToUnicode maps.
fn font_objects(doc: &Document) -> BTreeSet<ObjectId> {
    let mut todo: Vec<ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, o)| {
            o.as_dict()
                .is_ok_and(|d| d.type_is(b"Font") || d.type_is(b"FontDescriptor"))
        })
        .map(|(id, _)| *id)
        .collect();
    let mut seen = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        let mut refs = Vec::new();
        if let Some(o) = doc.objects.get(&id) {
            references(o, &mut refs);
        }
        todo.extend(refs);
    }
    seen
}

fn references(o: &Object, out: &mut Vec<ObjectId>) {
    match o {
        Object::Reference(id) => out.push(*id),
        Object::Array(a) => a.iter().for_each(|o| references(o, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, o)| references(o, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, o)| references(o, out)),
        _ => {}
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

    /// A page as printpdf draws it (with a cross-reference stream).
    fn drawn_pdf() -> Vec<u8> {
        let (doc, _, _) = printpdf::PdfDocument::new("t", printpdf::Mm(210.0), printpdf::Mm(297.0), "l");
        let mut out = std::io::BufWriter::new(Vec::new());
        doc.save(&mut out).unwrap();
        out.into_inner().unwrap()
    }

    /// The same, written again with a cross-reference table, as mediasan writes its PDFs.
    fn blank_pdf() -> Vec<u8> {
        let mut doc = Document::load_mem(&drawn_pdf()).unwrap();
        doc.objects
            .retain(|_, o| o.as_stream().map_or(true, |s| !s.dict.type_is(b"XRef")));
        doc.trailer.remove(b"Type");
        doc.reference_table = Xref::new(0, XrefType::CrossReferenceTable);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    /// A PDF of `objects` (the bodies of objects 1, 2, …; 1 is the catalogue) with a correct
    /// cross-reference table; `extra` comes after the objects, and `point` moves the entry
    /// of an object to another offset.
    fn minimal(objects: &[&[u8]], extra: &[u8], point: Option<(usize, usize)>) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend(*body);
            out.extend(b"\nendobj\n");
        }
        out.extend(extra);
        if let Some((n, at)) = point {
            offsets[n - 1] = at;
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for o in offsets {
            out.extend(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend(
            format!(
                "trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    /// A zlib stream that inflates to `mib` MiB of zeros, made of one compressed MiB repeated
    /// (each ends with a sync flush: the next starts on a byte, over a window of zeros).
    fn zeros(mib: usize) -> Vec<u8> {
        use flate2::{Compress, Compression, FlushCompress};
        let mut c = Compress::new(Compression::best(), true);
        let mib_of_zeros = vec![0u8; 1 << 20];
        let chunk = |c: &mut Compress| {
            let mut out = Vec::with_capacity(1 << 16);
            let before = c.total_in();
            c.compress_vec(&mib_of_zeros, &mut out, FlushCompress::Sync)
                .unwrap();
            assert_eq!(c.total_in() - before, 1 << 20, "a whole MiB taken in");
            out
        };
        let mut bomb = chunk(&mut c);
        let again = chunk(&mut c);
        for _ in 1..mib {
            bomb.extend(&again);
        }
        bomb
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
        assert!(extract(b"%PDF-1.7 nonsense")
            .unwrap_err()
            .contains("no startxref"));
        assert!(extract(b"<html>").unwrap_err().contains("not a PDF"));
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
    #[test]
    fn the_scan_reads_mediasan_s_pdf_and_skips_what_lopdf_skips() {
        let pdf = attach(&blank_pdf(), &proof(b"{}")).unwrap();
        let scan = scan(&pdf).unwrap();
        assert_eq!(scan.chain.len(), 1);
        assert_eq!(scan.update(), None);
        assert!(scan.objects.len() > 5, "{scan:?}");
        // Brackets in a string, a comment and a stream body are not nesting; a string's
        // parentheses balance, an escaped one does not count.
        let deep = "[".repeat(1000);
        let body = format!("<</Length {}>>stream\n{deep}\nendstream", deep.len() + 1);
        let pdf = minimal(
            &[
                b"<</Type/Catalog>>",
                format!("[({deep}) (a(b)c\\)) %{deep}\n]").as_bytes(),
                body.as_bytes(),
            ],
            b"",
            None,
        );
        assert_eq!(super::scan(&pdf).unwrap().objects.len(), 3);
        Document::load_mem(&pdf).unwrap();
    }

    #[test]
    fn the_scan_refuses_what_would_hurt_lopdf() {
        let refused = |pdf: &[u8], needle: &str| {
            let e = scan(pdf).unwrap_err();
            assert!(e.contains(needle), "{e:?} should say {needle:?}");
            // read() stops there too, before lopdf.
            assert!(read(pdf).unwrap_err().contains(needle));
        };
        // 100 000 brackets overflow lopdf's stack: refused at depth 33.
        let brackets = "[".repeat(100_000);
        refused(
            &minimal(&[b"<</Type/Catalog>>", brackets.as_bytes()], b"", None),
            "deeper than 32 levels (at byte 82)",
        );
        let dicts = "<<".repeat(100_000);
        refused(&minimal(&[dicts.as_bytes()], b"", None), "deeper than 32");
        // Too many objects.
        let many: Vec<&[u8]> = vec![&b"null"[..]; MAX_OBJECTS + 1];
        refused(&minimal(&many, b"", None), "more than 4096 objects");
        // Object and cross-reference streams, also spelt with #-escapes.
        let objstm = b"<</Type/ObjStm/N 1/First 4/Length 5>>stream\n1 0 1\nendstream";
        refused(&minimal(&[objstm], b"", None), "object stream");
        refused(&minimal(&[b"<</Type/Obj#53tm>>"], b"", None), "object stream");
        refused(
            &minimal(&[b"<</Type/XRef>>"], b"", None),
            "cross-reference stream",
        );
        refused(
            &minimal(&[b"<</XRefStm 5>>"], b"", None),
            "cross-reference stream",
        );
        // A stream whose length is another object (lopdf reads it in the middle of this one,
        // and that one's in the middle of it…), or negative, or past the end.
        refused(
            &minimal(&[b"<</Length 2 0 R>>stream\nabc\nendstream", b"3"], b"", None),
            "no /Length written as a number",
        );
        refused(
            &minimal(&[b"<</Length -1>>stream\nabc\nendstream"], b"", None),
            "no /Length written as a number",
        );
        refused(
            &minimal(&[b"<</Length 99>>stream\nabc\nendstream"], b"", None),
            "does not end (endstream) where its /Length says",
        );
        // A cross-reference entry pointing into a string or a stream's body, where the scan
        // did not look: refused, whatever is there.
        let hidden = format!("<</Length 1000>>stream\n2 0 obj {}\nendstream", "[".repeat(992));
        let at = minimal(&[hidden.as_bytes(), b"null"], b"", None)
            .windows(7)
            .position(|w| w == b"2 0 obj")
            .unwrap();
        let pdf = minimal(&[hidden.as_bytes(), b"null"], b"", Some((2, at)));
        refused(&pdf, &format!("puts object 2 at byte {at}"));
        // startxref elsewhere than a table; a /Prev that loops.
        let mut pdf = minimal(&[b"<</Type/Catalog>>"], b"", None);
        let n = pdf.len();
        pdf.splice(n - 8..n - 6, b"99".iter().copied());
        refused(&pdf, "no cross-reference table begins");
        let pdf = minimal(&[b"<</Type/Catalog>>"], b"", None);
        let xref = pdf.windows(6).rposition(|w| w == b"\nxref\n").unwrap() + 1;
        let looped = String::from_utf8(pdf)
            .unwrap()
            .replace("/Root 1 0 R>>", &format!("/Root 1 0 R/Prev {xref}>>"));
        refused(looped.as_bytes(), "no earlier cross-reference table");
        // Garbage.
        refused(b"%PDF-1.7\n1 0 obj\n(unclosed", "a string that does not end");
        refused(b"%PDF-1.7\n]", "a bracket that closes nothing");
        refused(b"%PDF-1.7\n<<]", "closes another kind");
    }

    #[test]
    fn an_incremental_update_is_seen() {
        let pdf = minimal(&[b"<</Type/Catalog>>", b"(old)"], b"", None);
        let first = pdf.windows(6).rposition(|w| w == b"\nxref\n").unwrap() + 1;
        let mut updated = pdf.clone();
        updated.push(b'\n');
        let object = updated.len();
        updated.extend(b"2 0 obj\n(new)\nendobj\n");
        let xref = updated.len();
        updated.extend(
            format!(
                "xref\n2 1\n{object:010} 00000 n \ntrailer\n<</Size 3/Root 1 0 R/Prev {first}>>\nstartxref\n{xref}\n%%EOF"
            )
            .as_bytes(),
        );
        let scan = scan(&updated).unwrap();
        assert_eq!(scan.chain, [xref, first]);
        assert_eq!(scan.update(), Some(pdf.len()));
        // lopdf reads the update, as a PDF reader shows it.
        let doc = Document::load_mem(&updated).unwrap();
        assert_eq!(doc.get_object((2, 0)).unwrap().as_str().unwrap(), b"new");
    }

    #[test]
    fn a_compressed_attachment_inflates_within_the_limit() {
        let json = br#"{"body":{},"signatures":[]}"#;
        let mut doc = Document::load_mem(&attach(&blank_pdf(), &proof(json)).unwrap()).unwrap();
        let id = doc
            .objects
            .iter()
            .find(|(_, o)| o.as_stream().is_ok_and(|s| s.dict.type_is(b"EmbeddedFile")))
            .map(|(id, _)| *id)
            .unwrap();
        let compress = |content: Vec<u8>, doc: &mut Document| {
            let s = doc.get_object_mut(id).unwrap().as_stream_mut().unwrap();
            s.dict.set("Filter", "FlateDecode");
            s.set_content(content);
            let mut out = Vec::new();
            doc.save_to(&mut out).unwrap();
            out
        };
        // Compressed, and small: read.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut z, json).unwrap();
        let pdf = compress(z.finish().unwrap(), &mut doc);
        assert_eq!(read(&pdf).unwrap().certificate, json);
        // 17 KiB that inflate to 17 MiB: refused at 16 MiB, nothing more inflated.
        let bomb = zeros(17);
        assert!(bomb.len() < 40 << 10, "{} bytes", bomb.len());
        let pdf = compress(bomb, &mut doc);
        let e = read(&pdf).unwrap_err();
        assert!(e.contains("inflates to more than 16 MiB"), "{e}");
    }

    #[test]
    fn a_file_is_compared_object_by_object() {
        let json = br#"{"body":{},"signatures":[]}"#;
        let pdf = attach(&blank_pdf(), &proof(json)).unwrap();
        assert_eq!(compare(&pdf, &read(&pdf).unwrap(), &pdf), None);
        let again = |change: &dyn Fn(&mut Document)| {
            let mut doc = Document::load_mem(&pdf).unwrap();
            change(&mut doc);
            doc.max_id = doc.objects.keys().map(|k| k.0).max().unwrap();
            let mut out = Vec::new();
            doc.save_to(&mut out).unwrap();
            let printed = read(&out).unwrap();
            compare(&out, &printed, &pdf)
        };
        // Every object numbered anew (from 100): paired by where they stand, the same
        // values, only the bytes differ.
        let renumbered = again(&|d| d.renumber_objects_with(100));
        assert!(
            matches!(renumbered, Some(Mismatch::Bytes { .. })),
            "{renumbered:?}"
        );
        // An object more, referenced by nothing: named (lopdf numbers it after the last).
        let n = Document::load_mem(&pdf).unwrap().max_id + 1;
        assert_eq!(
            again(&|d| {
                d.add_object(Object::Null);
            }),
            Some(Mismatch::Extra { id: n })
        );
        // The attachment's bytes changed: that object, by its type.
        let changed = again(&|d| {
            let id = d
                .objects
                .iter()
                .find(|(_, o)| o.as_stream().is_ok_and(|s| s.dict.type_is(b"EmbeddedFile")))
                .map(|(id, _)| *id)
                .unwrap();
            d.get_object_mut(id)
                .unwrap()
                .as_stream_mut()
                .unwrap()
                .set_content(b"{}".to_vec());
        });
        assert!(
            matches!(&changed, Some(Mismatch::Object { kind, .. }) if kind == "EmbeddedFile"),
            "{changed:?}"
        );
        // Its streams compressed, nothing else: said so.
        let compressed = again(&|d| d.compress());
        assert_eq!(compressed, Some(Mismatch::Compressed));
    }

    #[test]
    fn a_panic_in_the_reader_is_an_error() {
        let e = guarded(|| -> u8 { panic!("lopdf lost its way") }).unwrap_err();
        assert!(e.contains("lopdf lost its way"), "{e}");
        assert_eq!(guarded(|| 7).unwrap(), 7);
    }
}
