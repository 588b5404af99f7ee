//! Named wipe methods as sequences of passes, and custom `--passes` lists.
//!
//! A method is a template; [`expand`] turns it into concrete [`Pattern`]s by
//! drawing a fresh key for every random pass (and a byte for DoD's random
//! characters), so the same template never writes the same random stream twice.

use std::borrow::Cow;

use crate::pattern::{parse_hex, Pattern, StreamKey, MAX_PATTERN_LEN};

/// One pass of a method before its randomness is drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PassTemplate {
    /// A fixed byte sequence.
    Fixed(Cow<'static, [u8]>),
    /// The keyed random stream.
    Random,
    /// One byte drawn at random when the method is expanded (DoD 5220.22-M).
    RandomByte,
    /// The bitwise complement of the previous pass's (single-byte) pattern.
    Complement,
}

use PassTemplate::{Complement, Random, RandomByte};

const fn b(bytes: &'static [u8]) -> PassTemplate {
    PassTemplate::Fixed(Cow::Borrowed(bytes))
}

/// A named method.
#[derive(Debug)]
pub struct Method {
    pub name: &'static str,
    pub title: &'static str,
    pub passes: &'static [PassTemplate],
    /// Where the pass sequence comes from.
    pub source: &'static str,
    /// The pass (0-based) whose readback the standard requires, whatever passes
    /// follow it (`--blank`): the random pass of HMG IS5 Enhanced and DoD 5220.22-M.
    pub verified_pass: Option<usize>,
}

const ZERO: PassTemplate = b(&[0x00]);
const ONE: PassTemplate = b(&[0xFF]);

/// Gutmann's 35 passes in the order of his 1996 paper's table.
static GUTMANN: [PassTemplate; 35] = [
    Random,
    Random,
    Random,
    Random,
    b(&[0x55]),
    b(&[0xAA]),
    b(&[0x92, 0x49, 0x24]),
    b(&[0x49, 0x24, 0x92]),
    b(&[0x24, 0x92, 0x49]),
    b(&[0x00]),
    b(&[0x11]),
    b(&[0x22]),
    b(&[0x33]),
    b(&[0x44]),
    b(&[0x55]),
    b(&[0x66]),
    b(&[0x77]),
    b(&[0x88]),
    b(&[0x99]),
    b(&[0xAA]),
    b(&[0xBB]),
    b(&[0xCC]),
    b(&[0xDD]),
    b(&[0xEE]),
    b(&[0xFF]),
    b(&[0x92, 0x49, 0x24]),
    b(&[0x49, 0x24, 0x92]),
    b(&[0x24, 0x92, 0x49]),
    b(&[0x6D, 0xB6, 0xDB]),
    b(&[0xB6, 0xDB, 0x6D]),
    b(&[0xDB, 0x6D, 0xB6]),
    Random,
    Random,
    Random,
    Random,
];

/// Every named method, in the order `mediasan methods` lists them.
pub static METHODS: &[Method] = &[
    Method {
        name: "random",
        title: "One pass of the keyed ChaCha stream",
        passes: &[Random],
        source: "NIST SP 800-88 r1 / IEEE 2883-2022 Clear by overwrite",
        verified_pass: None,
    },
    Method {
        name: "zero",
        title: "One pass of 0x00",
        passes: &[ZERO],
        source: "NIST SP 800-88 r1 Clear by overwrite",
        verified_pass: None,
    },
    Method {
        name: "one",
        title: "One pass of 0xFF",
        passes: &[ONE],
        source: "NIST SP 800-88 r1 Clear by overwrite",
        verified_pass: None,
    },
    Method {
        name: "bmb21",
        title: "BMB21-2019, six passes",
        passes: &[ONE, ZERO, Random, Random, Random, ONE],
        source: "BMB21-2019 as nwipe implements it (src/method.c, nwipe_bmb)",
        verified_pass: None,
    },
    Method {
        name: "dod-3",
        title: "DoD 5220.22-M, three passes and a verification",
        passes: &[ZERO, ONE, Random],
        source: "DoD 5220.22-M (1995), Clearing and Sanitization Matrix, method d for rigid disks: a character (0x00), its complement (0xFF), a random pass, and verify",
        verified_pass: Some(2),
    },
    Method {
        name: "dod-7",
        title: "DoD 5220.22-M ECE, seven passes",
        passes: &[
            RandomByte, Complement, Random, RandomByte, RandomByte, Complement, Random,
        ],
        source: "DoD 5220.22-M ECE as nwipe implements it (src/method.c, nwipe_dod522022m)",
        verified_pass: None,
    },
    Method {
        name: "hmg-is5-baseline",
        title: "HMG IS5 Baseline, one pass of 0x00",
        passes: &[ZERO],
        source: "UK HMG Infosec Standard 5 (Baseline)",
        verified_pass: None,
    },
    Method {
        name: "hmg-is5-enhanced",
        title: "HMG IS5 Enhanced, three passes",
        passes: &[ZERO, ONE, Random],
        source: "UK HMG Infosec Standard 5 (Enhanced); the random pass is to be verified",
        verified_pass: Some(2),
    },
    Method {
        name: "vsitr",
        title: "German VSITR, seven passes",
        passes: &[ZERO, ONE, ZERO, ONE, ZERO, ONE, b(&[0xAA])],
        source: "BSI VSITR (Richtlinien zum Geheimschutz von Verschlusssachen beim Einsatz von IT)",
        verified_pass: None,
    },
    Method {
        name: "schneier",
        title: "Bruce Schneier's seven passes",
        passes: &[ONE, ZERO, Random, Random, Random, Random, Random],
        source: "B. Schneier, Applied Cryptography (2nd ed., 1996) §10.9",
        verified_pass: None,
    },
    Method {
        name: "gutmann",
        title: "Peter Gutmann's 35 passes",
        passes: &GUTMANN,
        source: "P. Gutmann, Secure Deletion of Data from Magnetic and Solid-State Memory (USENIX Security 1996), table 3, in table order",
        verified_pass: None,
    },
];

/// Looks a method up by name.
pub fn find(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

/// Why a `--passes` list was not understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PassListError {
    #[error("the pass list is empty")]
    Empty,
    #[error("pass {index} ({token:?}) is neither `random` nor a hex pattern like 0x00 or 0x55AA")]
    Token { index: usize, token: String },
    #[error("pass {index} ({token:?}) is longer than {MAX_PATTERN_LEN} bytes")]
    TooLong { index: usize, token: String },
}

/// Parses `0x00,0xFF,0x55AA,random` into pass templates.
pub fn parse_passes(list: &str) -> Result<Vec<PassTemplate>, PassListError> {
    if list.trim().is_empty() {
        return Err(PassListError::Empty);
    }
    list.split(',')
        .enumerate()
        .map(|(i, raw)| {
            let token = raw.trim();
            let index = i + 1;
            if token.eq_ignore_ascii_case("random") {
                return Ok(Random);
            }
            let digits = token
                .strip_prefix("0x")
                .or_else(|| token.strip_prefix("0X"))
                .filter(|d| !d.is_empty());
            let bytes = digits.and_then(parse_hex).ok_or_else(|| PassListError::Token {
                index,
                token: token.to_string(),
            })?;
            if bytes.len() > MAX_PATTERN_LEN {
                return Err(PassListError::TooLong {
                    index,
                    token: token.to_string(),
                });
            }
            Ok(PassTemplate::Fixed(Cow::Owned(bytes)))
        })
        .collect()
}

/// Draws the randomness of a method: a fresh key per random pass, a byte per
/// random-byte pass. `--blank` is applied by the caller by appending a 0x00 pass.
pub fn expand(passes: &[PassTemplate]) -> std::io::Result<Vec<Pattern>> {
    let mut out: Vec<Pattern> = Vec::with_capacity(passes.len());
    for pass in passes {
        let pattern = match pass {
            PassTemplate::Fixed(bytes) => Pattern::Fixed(bytes.to_vec()),
            PassTemplate::Random => Pattern::Random(StreamKey::generate()?),
            PassTemplate::RandomByte => {
                let mut byte = [0u8; 1];
                getrandom::fill(&mut byte).map_err(std::io::Error::from)?;
                Pattern::Fixed(byte.to_vec())
            }
            PassTemplate::Complement => match out.last() {
                Some(Pattern::Fixed(prev)) => Pattern::Fixed(prev.iter().map(|b| !b).collect()),
                // Only reachable from a malformed built-in table; fall back to ones.
                _ => Pattern::Fixed(vec![0xFF]),
            },
        };
        out.push(pattern);
    }
    Ok(out)
}

/// The zero pass `--blank` appends.
pub fn blank_pass() -> PassTemplate {
    ZERO
}

/// The templates a wipe's method record stands for: a built-in method's passes
/// (and `--blank`'s), or a custom list; `None` when the record names neither, or
/// its pass labels are not the method's.
pub fn templates_of(record: &crate::model::report::MethodRecord) -> Option<Vec<PassTemplate>> {
    let mut passes = match find(&record.name) {
        Some(m) => m.passes.to_vec(),
        None if record.name == "custom" => {
            let custom = record.passes.len().checked_sub(usize::from(record.blank))?;
            parse_passes(&record.passes.get(..custom)?.join(",")).ok()?
        }
        None => return None,
    };
    if record.blank {
        passes.push(blank_pass());
    }
    let labels: Vec<String> = passes.iter().map(describe).collect();
    (labels == record.passes).then_some(passes)
}

/// Whether `pattern` is one that `template` can draw, after `previous`.
pub fn fits(template: &PassTemplate, pattern: &Pattern, previous: Option<&Pattern>) -> bool {
    match (template, pattern) {
        (PassTemplate::Fixed(want), Pattern::Fixed(got)) => want.as_ref() == got.as_slice(),
        (Random, Pattern::Random(_)) => true,
        (RandomByte, Pattern::Fixed(got)) => got.len() == 1,
        (Complement, Pattern::Fixed(got)) => match previous {
            Some(Pattern::Fixed(prev)) => {
                prev.len() == got.len() && prev.iter().zip(got).all(|(a, b)| *a == !b)
            }
            _ => false,
        },
        _ => false,
    }
}

/// Describes a template for listings: `0x00`, `random`, `random byte`, `complement`.
pub fn describe(pass: &PassTemplate) -> String {
    match pass {
        PassTemplate::Fixed(bytes) => Pattern::Fixed(bytes.to_vec()).label(),
        Random => "random".into(),
        RandomByte => "random byte".into(),
        Complement => "complement".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_product_method_exists_with_its_pass_count() {
        let expected = [
            ("random", 1),
            ("zero", 1),
            ("one", 1),
            ("bmb21", 6),
            ("dod-3", 3),
            ("dod-7", 7),
            ("hmg-is5-baseline", 1),
            ("hmg-is5-enhanced", 3),
            ("vsitr", 7),
            ("schneier", 7),
            ("gutmann", 35),
        ];
        for (name, n) in expected {
            assert_eq!(find(name).map(|m| m.passes.len()), Some(n), "{name}");
        }
        assert_eq!(METHODS.len(), expected.len());
    }

    #[test]
    fn bmb21_follows_nwipe() {
        let labels: Vec<_> = find("bmb21").unwrap().passes.iter().map(describe).collect();
        assert_eq!(labels, ["0xFF", "0x00", "random", "random", "random", "0xFF"]);
    }

    #[test]
    fn dod7_complements_its_random_bytes() {
        let p = expand(find("dod-7").unwrap().passes).unwrap();
        let byte = |i: usize| match &p[i] {
            Pattern::Fixed(b) => b[0],
            Pattern::Random(_) => panic!("pass {i} should be fixed"),
        };
        assert_eq!(byte(1), !byte(0));
        assert_eq!(byte(5), !byte(4));
        assert!(matches!(p[2], Pattern::Random(_)) && matches!(p[6], Pattern::Random(_)));
    }

    #[test]
    fn every_random_pass_gets_its_own_key() {
        let p = expand(find("schneier").unwrap().passes).unwrap();
        let keys: std::collections::HashSet<_> = p
            .iter()
            .filter_map(|p| match p {
                Pattern::Random(k) => Some(k.to_hex()),
                _ => None,
            })
            .collect();
        assert_eq!(keys.len(), 5);
    }

    #[test]
    fn pass_lists_parse_and_reject_with_position() {
        let p = parse_passes("0x00, 0xFF,0x55AA,random,RANDOM").unwrap();
        assert_eq!(p.len(), 5);
        assert_eq!(p[2], PassTemplate::Fixed(Cow::Owned(vec![0x55, 0xAA])));
        assert_eq!(parse_passes(""), Err(PassListError::Empty));
        for bad in ["0x", "0x0", "ff", "0xZZ", "0x00,,random", "rand", "0x00;0xff"] {
            assert!(parse_passes(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_passes("0x00,0xG1"),
            Err(PassListError::Token {
                index: 2,
                token: "0xG1".into()
            })
        );
        let long = format!("0x{}", "ab".repeat(MAX_PATTERN_LEN + 1));
        assert!(matches!(parse_passes(&long), Err(PassListError::TooLong { .. })));
    }

    proptest! {
        #[test]
        fn pass_list_parser_never_panics(s in "\\PC{0,40}") {
            let _ = parse_passes(&s);
        }

        #[test]
        fn printed_pass_lists_parse_back(p in proptest::collection::vec(proptest::option::of(proptest::collection::vec(any::<u8>(), 1..6)), 1..10)) {
            let text: Vec<String> = p.iter().map(|o| match o {
                Some(bytes) => Pattern::Fixed(bytes.clone()).label(),
                None => "random".into(),
            }).collect();
            let parsed = parse_passes(&text.join(",")).unwrap();
            let back: Vec<String> = parsed.iter().map(describe).collect();
            prop_assert_eq!(back, text);
        }
    }
}
