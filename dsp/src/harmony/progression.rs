//! [`Progression`] and its text format: a header of `key: value` lines, then one chord
//! per line, as a chord symbol or a pitch-class list.
//!
//! ```text
//! # Comments start with '#', anywhere on a line; blank lines are ignored.
//! version: 1
//! style: jazz
//! name: jazz-001
//! Dm7
//! G7b9
//! [0 4 7 11]   # a pitch-class list: 0..=11 (or t, e), separated by spaces or commas
//! ```
//!
//! Every header key is optional and may appear once, before the first chord: `version`
//! (only `1`), `style` (`jazz`, `classical`, `rock`, `atonal`; the classifier's label)
//! and `name` (free text). Chord symbols are those of [`parse_chord_symbol`]; a line
//! that starts with a digit or `[` is a pitch-class list.

use super::name::{chord_name, parse_chord_symbol};
use super::{HarmonyError, PcSet, MAX_PROGRESSION};
use core::fmt;

/// A style label of the corpus and the classifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Style {
    /// ii–V–I chains with extensions, substitutions and key changes.
    Jazz,
    /// Cadential phrases of common-practice harmony.
    Classical,
    /// Repeated triad and power-chord loops.
    Rock,
    /// Random and set-class-based pitch-class sets.
    Atonal,
}

impl Style {
    /// All styles, in label order (the confusion matrix's row and column order).
    pub const ALL: [Style; 4] = [Style::Jazz, Style::Classical, Style::Rock, Style::Atonal];

    /// Lower-case name, as written in the `style:` header.
    pub const fn name(self) -> &'static str {
        match self {
            Style::Jazz => "jazz",
            Style::Classical => "classical",
            Style::Rock => "rock",
            Style::Atonal => "atonal",
        }
    }

    /// Position in [`Style::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The style named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Style> {
        Style::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A chord progression: pitch-class sets in order, with an optional label and name.
/// Built off the audio thread (it allocates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progression {
    /// Free-text name (`name:` header).
    pub name: Option<String>,
    /// Style label (`style:` header), if known.
    pub style: Option<Style>,
    /// The chords, in order; never empty when parsed.
    pub chords: Vec<PcSet>,
}

impl Progression {
    /// The progression in the text format: header, then one chord per line as a
    /// pitch-class list with its [`chord_name`] as a comment. Parses back to `self`.
    pub fn to_text(&self) -> String {
        let mut out = String::from("# Wavecube chord progression\nversion: 1\n");
        if let Some(style) = self.style {
            out += &format!("style: {style}\n");
        }
        if let Some(name) = &self.name {
            // A name cannot hold a newline or a comment in this format.
            let clean: String = name.chars().filter(|&c| c != '\n' && c != '#').collect();
            out += &format!("name: {}\n", clean.trim());
        }
        for &set in &self.chords {
            out += &format!("{:<20} # {}\n", set.to_string(), chord_name(set, None));
        }
        out
    }

    /// The same progression moved up by `semitones`.
    pub fn transposed(&self, semitones: i32) -> Progression {
        Progression {
            chords: self.chords.iter().map(|s| s.transpose(semitones)).collect(),
            ..self.clone()
        }
    }
}

fn parse_pc_list(text: &str, line: usize) -> Result<PcSet, HarmonyError> {
    let inner = text
        .strip_prefix('[')
        .map(|t| t.strip_suffix(']'))
        .unwrap_or(Some(text))
        .ok_or_else(|| HarmonyError::BadPitchClass {
            line,
            text: text.to_string(),
        })?;
    let mut set = PcSet::EMPTY;
    for token in inner.split(|c: char| c == ',' || c.is_whitespace()) {
        if token.is_empty() {
            continue;
        }
        let pc = match token {
            "t" | "T" => 10,
            "e" | "E" => 11,
            _ => token
                .parse::<u8>()
                .ok()
                .filter(|&p| p < 12)
                .ok_or_else(|| HarmonyError::BadPitchClass {
                    line,
                    text: token.to_string(),
                })?,
        };
        set = set.with(pc);
    }
    if set.is_empty() {
        return Err(HarmonyError::EmptyChord { line });
    }
    Ok(set)
}

/// Parses a progression from its text format. Errors name the 1-based line.
///
/// # Allocation
/// Allocates the result: call it off the audio thread.
pub fn parse_progression(text: &str) -> Result<Progression, HarmonyError> {
    let mut prog = Progression::default();
    let mut version_seen = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let first = content.chars().next().unwrap_or(' ');
        if first.is_ascii_digit() || first == '[' {
            if prog.chords.len() >= MAX_PROGRESSION {
                return Err(HarmonyError::TooLong {
                    cap: MAX_PROGRESSION,
                });
            }
            prog.chords.push(parse_pc_list(content, line)?);
            continue;
        }
        if let Some((key, value)) = content.split_once(':') {
            if !prog.chords.is_empty() {
                return Err(HarmonyError::HeaderAfterChords { line });
            }
            let (key, value) = (key.trim(), value.trim());
            let dup = || HarmonyError::DuplicateKey {
                line,
                key: key.to_string(),
            };
            match key.to_ascii_lowercase().as_str() {
                "version" => {
                    if version_seen {
                        return Err(dup());
                    }
                    version_seen = true;
                    if value != "1" {
                        return Err(HarmonyError::UnsupportedVersion {
                            line,
                            text: value.to_string(),
                        });
                    }
                }
                "style" => {
                    if prog.style.is_some() {
                        return Err(dup());
                    }
                    prog.style = Some(Style::from_name(value).ok_or_else(|| {
                        HarmonyError::UnknownStyle {
                            line,
                            text: value.to_string(),
                        }
                    })?);
                }
                "name" => {
                    if prog.name.is_some() {
                        return Err(dup());
                    }
                    prog.name = Some(value.to_string());
                }
                _ => {
                    return Err(HarmonyError::UnknownKey {
                        line,
                        key: key.to_string(),
                    })
                }
            }
            continue;
        }
        if prog.chords.len() >= MAX_PROGRESSION {
            return Err(HarmonyError::TooLong {
                cap: MAX_PROGRESSION,
            });
        }
        let set = parse_chord_symbol(content).ok_or_else(|| HarmonyError::UnknownChord {
            line,
            text: content.to_string(),
        })?;
        prog.chords.push(set);
    }
    if prog.chords.is_empty() {
        return Err(HarmonyError::EmptyProgression);
    }
    Ok(prog)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_lists_and_header() {
        let p = parse_progression(
            "# test\nversion: 1\nstyle: Jazz\nname: two-five\n\nDm7\nG7 # dominant\n[0, 4, 7 e]\n0 3 6 9\n",
        )
        .unwrap();
        assert_eq!(p.style, Some(Style::Jazz));
        assert_eq!(p.name.as_deref(), Some("two-five"));
        assert_eq!(
            p.chords,
            vec![
                PcSet::from_pcs(&[2, 5, 9, 0]),
                PcSet::from_pcs(&[7, 11, 2, 5]),
                PcSet::from_pcs(&[0, 4, 7, 11]),
                PcSet::from_pcs(&[0, 3, 6, 9]),
            ]
        );
    }

    #[test]
    fn text_round_trips() {
        let p = Progression {
            name: Some("x".into()),
            style: Some(Style::Atonal),
            chords: vec![PcSet::from_pcs(&[0, 1, 6]), PcSet::from_pcs(&[10, 11])],
        };
        assert_eq!(parse_progression(&p.to_text()).unwrap(), p);
    }

    #[test]
    fn errors_name_the_line() {
        let e = |t: &str| parse_progression(t).unwrap_err();
        assert_eq!(
            e("C\nHmaj7\n"),
            HarmonyError::UnknownChord {
                line: 2,
                text: "Hmaj7".into()
            }
        );
        assert_eq!(
            e("[0 12]"),
            HarmonyError::BadPitchClass {
                line: 1,
                text: "12".into()
            }
        );
        assert_eq!(
            e("[0 4"),
            HarmonyError::BadPitchClass {
                line: 1,
                text: "[0 4".into()
            }
        );
        assert_eq!(e("[ ]"), HarmonyError::EmptyChord { line: 1 });
        assert_eq!(
            e("style: polka\nC"),
            HarmonyError::UnknownStyle {
                line: 1,
                text: "polka".into()
            }
        );
        assert_eq!(
            e("tempo: 120\nC"),
            HarmonyError::UnknownKey {
                line: 1,
                key: "tempo".into()
            }
        );
        assert_eq!(
            e("name: a\nname: b\nC"),
            HarmonyError::DuplicateKey {
                line: 2,
                key: "name".into()
            }
        );
        assert_eq!(
            e("C\nstyle: rock"),
            HarmonyError::HeaderAfterChords { line: 2 }
        );
        assert_eq!(
            e("version: 2\nC"),
            HarmonyError::UnsupportedVersion {
                line: 1,
                text: "2".into()
            }
        );
        assert_eq!(e("# nothing\n\n"), HarmonyError::EmptyProgression);
        let long = "C\n".repeat(MAX_PROGRESSION + 1);
        assert_eq!(
            e(&long),
            HarmonyError::TooLong {
                cap: MAX_PROGRESSION
            }
        );
    }
}
