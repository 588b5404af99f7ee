//! The vocabulary every floor speaks, importing nothing above it: who a target is
//! ([`identity`]), what its drive said ([`drive`]), the sampling plan and the assurance
//! ([`sample`]), and the result format ([`report`]). Only messages (`crate::i18n`) and
//! escaping (`crate::escape`) lie below.

pub mod drive;
pub mod identity;
pub mod progress;
pub mod report;
pub mod sample;
pub mod technique;
