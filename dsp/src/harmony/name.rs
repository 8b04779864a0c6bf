//! [`chord_name`]: names a pitch-class set for the editor ("C", "Am", "G7", "Bbm7b5",
//! or a pitch-class list), into a fixed [`ChordName`] buffer; and [`parse_chord_symbol`],
//! its inverse for the progression format.
//!
//! A set is matched exactly against [`TEMPLATES`] (intervals above a root, as a
//! 12-bit mask), the root being a pitch class of the set. Without a root hint the first
//! template in table order that matches at any root wins, which settles the classic
//! ambiguities by frequency of use: {A C E G} is Am7 rather than C6, {C Eb G A} is
//! Am7b5 rather than Cm6, {C F G} is Csus4 rather than Fsus2. A root hint is tried
//! first. Spelling is fixed per pitch class: C Db D Eb E F F# G Ab A Bb B.

use super::PcSet;
use core::fmt;

/// Root names, one spelling per pitch class.
const ROOTS: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// A chord quality: its suffix after the root and its intervals above the root.
#[derive(Clone, Copy, Debug)]
pub struct Template {
    /// Suffix written after the root, e.g. `"m7b5"`.
    pub suffix: &'static str,
    /// Intervals above the root in semitones (0 included).
    pub intervals: &'static [u8],
}

const fn t(suffix: &'static str, intervals: &'static [u8]) -> Template {
    Template { suffix, intervals }
}

/// Known qualities, in naming priority order. A suffix listed twice names both sets
/// (full and without the fifth); symbols parse to the first.
pub const TEMPLATES: [Template; 37] = [
    t("", &[0, 4, 7]),
    t("m", &[0, 3, 7]),
    t("7", &[0, 4, 7, 10]),
    t("m7", &[0, 3, 7, 10]),
    t("maj7", &[0, 4, 7, 11]),
    t("m7b5", &[0, 3, 6, 10]),
    t("dim", &[0, 3, 6]),
    t("dim7", &[0, 3, 6, 9]),
    t("+", &[0, 4, 8]),
    t("sus4", &[0, 5, 7]),
    t("sus2", &[0, 2, 7]),
    t("5", &[0, 7]),
    t("6", &[0, 4, 7, 9]),
    t("m6", &[0, 3, 7, 9]),
    t("mMaj7", &[0, 3, 7, 11]),
    t("7sus4", &[0, 5, 7, 10]),
    t("9", &[0, 2, 4, 7, 10]),
    t("maj9", &[0, 2, 4, 7, 11]),
    t("m9", &[0, 2, 3, 7, 10]),
    t("add9", &[0, 2, 4, 7]),
    t("madd9", &[0, 2, 3, 7]),
    t("6/9", &[0, 2, 4, 7, 9]),
    t("7b9", &[0, 1, 4, 7, 10]),
    t("7#9", &[0, 3, 4, 7, 10]),
    t("7#11", &[0, 4, 6, 7, 10]),
    t("7b13", &[0, 4, 7, 8, 10]),
    t("7b5", &[0, 4, 6, 10]),
    t("+7", &[0, 4, 8, 10]),
    t("maj7#5", &[0, 4, 8, 11]),
    t("9sus4", &[0, 2, 5, 7, 10]),
    t("11", &[0, 2, 4, 5, 7, 10]),
    t("m11", &[0, 2, 3, 5, 7, 10]),
    t("13", &[0, 2, 4, 7, 9, 10]),
    t("13", &[0, 2, 4, 9, 10]),
    t("7", &[0, 4, 10]),
    t("maj7", &[0, 4, 11]),
    t("m7", &[0, 3, 10]),
];

/// Other spellings of suffixes, mapped to a [`TEMPLATES`] suffix when parsing.
const ALIASES: [(&str, &str); 22] = [
    ("maj", ""),
    ("M", ""),
    ("min", "m"),
    ("-", "m"),
    ("M7", "maj7"),
    ("Maj7", "maj7"),
    ("^7", "maj7"),
    ("min7", "m7"),
    ("-7", "m7"),
    ("ø", "m7b5"),
    ("ø7", "m7b5"),
    ("-7b5", "m7b5"),
    ("o", "dim"),
    ("°", "dim"),
    ("o7", "dim7"),
    ("°7", "dim7"),
    ("aug", "+"),
    ("sus", "sus4"),
    ("add2", "add9"),
    ("M9", "maj9"),
    ("69", "6/9"),
    ("m(maj7)", "mMaj7"),
];

fn mask(intervals: &[u8]) -> PcSet {
    PcSet::from_pcs(intervals)
}

/// Capacity of a [`ChordName`] in bytes.
pub const CHORD_NAME_CAP: usize = 16;

/// A chord name in a fixed buffer (ASCII, at most [`CHORD_NAME_CAP`] bytes): no
/// allocation, so the editor and the audio thread can pass it around freely.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChordName {
    bytes: [u8; CHORD_NAME_CAP],
    len: u8,
}

impl ChordName {
    fn new() -> Self {
        ChordName {
            bytes: [0; CHORD_NAME_CAP],
            len: 0,
        }
    }

    fn push_str(&mut self, s: &str) {
        for &b in s.as_bytes() {
            if (self.len as usize) < CHORD_NAME_CAP {
                self.bytes[self.len as usize] = b;
                self.len += 1;
            }
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed, so this never fails; "" is a safe fallback.
        core::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Display for ChordName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ChordName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChordName({:?})", self.as_str())
    }
}

fn matches(set: PcSet, root: u8, tpl: &Template) -> bool {
    set.contains(root) && set.transpose(-(root as i32)) == mask(tpl.intervals)
}

/// Names `set`. `root_hint` (a pitch class, taken modulo 12) is preferred when some
/// template matches with it as root. Unknown sets give their pitch classes in brackets,
/// 10 and 11 written `t` and `e` (e.g. `"[014]"`); the empty set gives `"N.C."`.
/// No allocation: callable on the audio thread.
pub fn chord_name(set: PcSet, root_hint: Option<u8>) -> ChordName {
    let mut name = ChordName::new();
    if set.is_empty() {
        name.push_str("N.C.");
        return name;
    }
    let found = root_hint
        .map(|r| r % 12)
        .and_then(|r| {
            TEMPLATES
                .iter()
                .find(|tpl| matches(set, r, tpl))
                .map(|tpl| (r, tpl))
        })
        .or_else(|| {
            TEMPLATES
                .iter()
                .find_map(|tpl| (0..12u8).find(|&r| matches(set, r, tpl)).map(|r| (r, tpl)))
        });
    match found {
        Some((root, tpl)) => {
            name.push_str(ROOTS[root as usize]);
            name.push_str(tpl.suffix);
        }
        None => {
            name.push_str("[");
            for p in set.iter() {
                let digit = [b"0123456789te"[p as usize]];
                name.push_str(core::str::from_utf8(&digit).unwrap_or("?"));
            }
            name.push_str("]");
        }
    }
    name
}

/// Parses a root: a letter A..=G and any number of `#`/`b` (or `♯`/`♭`). Returns the
/// pitch class and the rest of the text.
fn parse_root(text: &str) -> Option<(u8, &str)> {
    let mut chars = text.char_indices();
    let (_, letter) = chars.next()?;
    let base: i32 = match letter {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let mut pc = base;
    let mut rest = &text[letter.len_utf8()..];
    loop {
        if let Some(r) = rest.strip_prefix('#').or_else(|| rest.strip_prefix('♯')) {
            pc += 1;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('b').or_else(|| rest.strip_prefix('♭')) {
            pc -= 1;
            rest = r;
        } else {
            break;
        }
    }
    Some((pc.rem_euclid(12) as u8, rest))
}

/// The set of quality `suffix` (or an alias) with root C.
pub(crate) fn suffix_set(suffix: &str) -> Option<PcSet> {
    let canonical = ALIASES
        .iter()
        .find(|(alias, _)| *alias == suffix)
        .map_or(suffix, |(_, c)| c);
    TEMPLATES
        .iter()
        .find(|tpl| tpl.suffix == canonical)
        .map(|tpl| mask(tpl.intervals))
}

/// Parses a chord symbol such as `"Dm7"`, `"G7b9"`, `"Bbø7"`, `"C/E"` or `"F#dim"` to
/// its pitch-class set. A slash bass adds its pitch class. `None` if the root or the
/// quality is unknown. Allocation-free.
pub fn parse_chord_symbol(symbol: &str) -> Option<PcSet> {
    let (root, rest) = parse_root(symbol.trim())?;
    // A suffix may itself hold a slash ("6/9"): try the whole rest first.
    if let Some(set) = suffix_set(rest) {
        return Some(set.transpose(root as i32));
    }
    let (quality, bass) = rest.rsplit_once('/')?;
    let set = suffix_set(quality)?.transpose(root as i32);
    let (bass_pc, tail) = parse_root(bass)?;
    tail.is_empty().then(|| set.with(bass_pc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(p: &[u8], hint: Option<u8>) -> String {
        chord_name(PcSet::from_pcs(p), hint).as_str().to_string()
    }

    #[test]
    fn common_chords_get_their_names() {
        assert_eq!(name(&[0, 4, 7], None), "C");
        assert_eq!(name(&[9, 0, 4], None), "Am");
        assert_eq!(name(&[2, 5, 9, 0], None), "Dm7");
        assert_eq!(name(&[7, 11, 2, 5], None), "G7");
        assert_eq!(name(&[0, 4, 7, 11], None), "Cmaj7");
        assert_eq!(name(&[6, 9, 0], None), "F#dim");
        assert_eq!(name(&[10, 1, 4, 8], None), "Bbm7b5");
        assert_eq!(name(&[0, 5, 7], None), "Csus4");
        assert_eq!(name(&[0, 4, 8], None), "C+");
        assert_eq!(name(&[0, 1, 4], None), "[014]");
        assert_eq!(name(&[], None), "N.C.");
        assert_eq!(
            name(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], None),
            "[0123456789te]"
        );
    }

    #[test]
    fn root_hint_settles_ambiguity() {
        assert_eq!(name(&[0, 4, 7, 9], None), "Am7");
        assert_eq!(name(&[0, 4, 7, 9], Some(0)), "C6");
        assert_eq!(name(&[0, 3, 6, 9], Some(3)), "Ebdim7");
        // A hint that fits nothing is ignored.
        assert_eq!(name(&[0, 4, 7], Some(2)), "C");
    }

    #[test]
    fn every_name_parses_back_to_its_set() {
        for (i, tpl) in TEMPLATES.iter().enumerate() {
            // Second spellings (shell voicings) share a suffix and parse to the first.
            if TEMPLATES[..i].iter().any(|e| e.suffix == tpl.suffix) {
                continue;
            }
            for root in 0..12u8 {
                let set = mask(tpl.intervals).transpose(root as i32);
                let n = chord_name(set, Some(root));
                assert_eq!(parse_chord_symbol(n.as_str()), Some(set), "{n}");
            }
        }
    }

    #[test]
    fn symbols_with_aliases_and_slashes() {
        let p = |s| parse_chord_symbol(s).map(|x: PcSet| x.bits());
        assert_eq!(p("C/E"), Some(PcSet::from_pcs(&[0, 4, 7]).bits()));
        assert_eq!(p("C/Bb"), Some(PcSet::from_pcs(&[0, 4, 7, 10]).bits()));
        assert_eq!(p("Bbø7"), p("Bbm7b5"));
        assert_eq!(p("C-7"), p("Cm7"));
        assert_eq!(p("CM7"), p("Cmaj7"));
        assert_eq!(p("C69"), p("C6/9"));
        assert_eq!(p("Cb"), p("B"));
        assert_eq!(p("H7"), None);
        assert_eq!(p("Cxyz"), None);
        assert_eq!(p("C/"), None);
        assert_eq!(p(""), None);
    }
}
