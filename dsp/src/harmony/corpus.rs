//! The labelled progression corpus: a deterministic generator of jazz, classical, rock
//! and atonal progressions from documented templates, and [`corpus_files`] to write it
//! out in the progression text format.
//!
//! Every progression draws a key (0..=11), a length (8..=32 chords) and a sequence of
//! template *cells* from a seeded [`SplitMix64`]; cells are concatenated (with key
//! changes between them where the style has them) and cut to the length. Templates, in
//! scale degrees of the current key:
//!
//! - **jazz**: ii7–V7–Imaj7 (V as 7, 9, 13, 7b9 or 7#9; tritone substitute bII7 with
//!   p = 0.25), minor iiø7–V7b9–im7/m6/mMaj7, I–VI7–ii7–V7 turnaround, iii7–VI7–ii7–V7,
//!   backdoor iv7–bVII7–Imaj7, Imaj7–#I°7–ii7–V7, jazz blues I7–IV7–I7–V7; after each
//!   cell the key moves (p = 0.4) by a whole step down, a fourth up or a minor third;
//!   any four-note chord loses its fifth (shell voicing) with p = 0.15;
//! - **classical** (major p = 0.7, else harmonic minor): I–IV–V–I, I–ii–V7–I,
//!   I–vi–IV–V–I, I–vi–ii–V7–I, I–IV–I–V (half cadence), I–V–vi–iii–IV–I–IV–V
//!   (Pachelbel), I–II–V–I (V of V), the descending-fifths sequence
//!   I–IV–vii°–iii–vi–ii–V–I, I–IV–V–vi (deceptive); in minor i–iv–V–i, i–VI–iv–V,
//!   i–ii°–V7–i, i–bII–V–i (Neapolitan), i–iv–vii°7–i, i–VII–III–VI–ii°–V–i; V is a
//!   dominant seventh with p = 0.3; a passing vii° or V7/IV is inserted with p = 0.1;
//!   the key moves to the dominant or relative with p = 0.2 after a phrase;
//! - **rock**: loops I–IV–V–IV, I–V–vi–IV, vi–IV–I–V, I–bVII–IV–I, I–bVI–bVII–I,
//!   i–bVII–bVI–bVII, I–IV–I–V, i–bVI–bIII–bVII, I–V–IV–V, and the 12-bar blues, each
//!   repeated; the chord type is triads (p = 0.6), power chords (p = 0.25) or a mix
//!   with dominant sevenths (blues); any chord becomes sus2, sus4 or add9 with
//!   p = 0.1; one chord per repetition is varied (p = 0.2);
//! - **atonal**: random sets of 3..=6 pitch classes (p = 0.4), transpositions and
//!   inversions of one random 3- or 4-note set class (p = 0.3), or a mix of whole-tone,
//!   octatonic, quartal and cluster sets (p = 0.3).
//!
//! In the tonal styles any chord is replaced by a random 3- or 4-note set with
//! p = 0.05 (chromatic colour and wrong notes), so no style is perfectly clean.

use super::name::suffix_set;
use super::progression::{Progression, Style};
use super::PcSet;
use crate::codec::tqa::rotation::SplitMix64;

/// Seed of the shipped corpus.
pub const CORPUS_SEED: u64 = 0x4F50_5449_432D_4B00;
/// Progressions per style in the shipped corpus (4 × 80 = 320).
pub const CORPUS_PER_STYLE: usize = 80;
/// Shortest generated progression, chords.
pub const MIN_LEN: usize = 8;
/// Longest generated progression, chords.
pub const MAX_LEN: usize = 32;

/// Draws of the generator.
struct Rng(SplitMix64);

impl Rng {
    /// Uniform in 0..n.
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.0.next_open01() <= p
    }

    /// A uniformly chosen element.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// The chord of quality `suffix` (a [`TEMPLATES`](super::TEMPLATES) suffix) on `root`.
fn q(root: i32, suffix: &str) -> PcSet {
    // NOTE: the suffixes below are all in the table (checked by a test); an unknown one
    // would give the empty set, which the test would catch.
    suffix_set(suffix).unwrap_or(PcSet::EMPTY).transpose(root)
}

fn random_set(rng: &mut Rng, min: usize, max: usize) -> PcSet {
    let n = min + rng.below(max - min + 1);
    let mut s = PcSet::EMPTY;
    while (s.len() as usize) < n {
        s = s.with(rng.below(12) as u8);
    }
    s
}

/// The inversion `I_0` of a set (pitch class p → −p).
fn invert(set: PcSet) -> PcSet {
    set.iter()
        .fold(PcSet::EMPTY, |s, p| s.with(((12 - p as u32) % 12) as u8))
}

fn jazz_cell(rng: &mut Rng, k: i32) -> Vec<PcSet> {
    let ii = |rng: &mut Rng| q(k + 2, rng.pick(&["m7", "m9", "m7", "m11"]));
    let v = |rng: &mut Rng| {
        if rng.chance(0.25) {
            q(k + 1, rng.pick(&["7", "9", "7#11"]))
        } else {
            q(k + 7, rng.pick(&["7", "9", "13", "7b9", "7#9", "7b13"]))
        }
    };
    let one = |rng: &mut Rng| q(k, rng.pick(&["maj7", "maj9", "6", "6/9", "maj7"]));
    match rng.below(7) {
        0 => {
            let mut c = vec![ii(rng), v(rng), one(rng)];
            if rng.chance(0.5) {
                c.push(one(rng));
            }
            c
        }
        1 => vec![
            q(k + 2, "m7b5"),
            q(k + 7, rng.pick(&["7b9", "7", "7b13"])),
            q(k, rng.pick(&["m7", "m6", "mMaj7", "m9"])),
        ],
        2 => vec![
            one(rng),
            q(k + 9, rng.pick(&["7", "7b9", "m7"])),
            ii(rng),
            v(rng),
        ],
        3 => vec![q(k + 4, "m7"), q(k + 9, "7"), ii(rng), v(rng)],
        4 => vec![q(k + 5, "m7"), q(k + 10, rng.pick(&["7", "9"])), one(rng)],
        5 => vec![one(rng), q(k + 1, "dim7"), ii(rng), v(rng)],
        _ => vec![
            q(k, rng.pick(&["7", "9", "13"])),
            q(k + 5, rng.pick(&["7", "9"])),
            q(k, "7"),
            q(k + 7, rng.pick(&["7", "7#9"])),
        ],
    }
}

fn jazz(rng: &mut Rng, key: i32, len: usize) -> Vec<PcSet> {
    let mut k = key;
    let mut out = Vec::new();
    while out.len() < len {
        out.extend(jazz_cell(rng, k));
        if rng.chance(0.4) {
            k += rng.pick(&[-2, 5, 3, -3]);
        }
    }
    out.truncate(len);
    // Shell voicings: a four-note tertian chord without its fifth.
    for c in out.iter_mut() {
        if c.len() == 4 && rng.chance(0.15) {
            if let Some(root) = (0..12u8).find(|&r| {
                c.contains(r) && c.contains(r + 7) && (c.contains(r + 3) || c.contains(r + 4))
            }) {
                *c = PcSet::from_bits(c.bits() & !(1 << ((root + 7) % 12)));
            }
        }
    }
    out
}

/// Degrees of a classical phrase: (semitones above the tonic, quality suffix).
type Phrase = &'static [(i32, &'static str)];

const MAJOR_PHRASES: [Phrase; 10] = [
    &[(0, ""), (5, ""), (7, ""), (0, "")],
    &[(0, ""), (2, "m"), (7, "7"), (0, "")],
    &[(0, ""), (9, "m"), (5, ""), (7, ""), (0, "")],
    &[(0, ""), (9, "m"), (2, "m"), (7, "7"), (0, "")],
    &[(0, ""), (5, ""), (0, ""), (7, "")],
    &[
        (0, ""),
        (7, ""),
        (9, "m"),
        (4, "m"),
        (5, ""),
        (0, ""),
        (5, ""),
        (7, ""),
    ],
    &[(0, ""), (2, ""), (7, ""), (0, "")],
    &[
        (0, ""),
        (5, ""),
        (11, "dim"),
        (4, "m"),
        (9, "m"),
        (2, "m"),
        (7, ""),
        (0, ""),
    ],
    &[(0, ""), (5, ""), (7, ""), (9, "m")],
    &[(0, ""), (2, "m7"), (7, "7"), (0, "")],
];

const MINOR_PHRASES: [Phrase; 6] = [
    &[(0, "m"), (5, "m"), (7, ""), (0, "m")],
    &[(0, "m"), (8, ""), (5, "m"), (7, "")],
    &[(0, "m"), (2, "dim"), (7, "7"), (0, "m")],
    &[(0, "m"), (1, ""), (7, ""), (0, "m")],
    &[(0, "m"), (5, "m"), (11, "dim7"), (0, "m")],
    &[
        (0, "m"),
        (10, ""),
        (3, ""),
        (8, ""),
        (2, "dim"),
        (7, ""),
        (0, "m"),
    ],
];

fn classical(rng: &mut Rng, key: i32, len: usize) -> Vec<PcSet> {
    let mut k = key;
    let mut minor = !rng.chance(0.7);
    let mut out = Vec::new();
    while out.len() < len {
        let phrase = if minor {
            rng.pick(&MINOR_PHRASES)
        } else {
            rng.pick(&MAJOR_PHRASES)
        };
        for &(degree, quality) in phrase {
            // A dominant triad becomes a seventh chord now and then.
            let quality = if degree == 7 && quality.is_empty() && rng.chance(0.3) {
                "7"
            } else {
                quality
            };
            let chord = q(k + degree, quality);
            if rng.chance(0.1) {
                // Passing chord: vii° of the tonic before I, or V7/IV (I7) after it.
                out.push(if degree == 0 {
                    q(k + 11, "dim")
                } else {
                    q(k, "7")
                });
            }
            out.push(chord);
        }
        if rng.chance(0.2) {
            if minor {
                k += 3;
                minor = false;
            } else if rng.chance(0.5) {
                k += 7;
            } else {
                k += 9;
                minor = true;
            }
        }
    }
    out.truncate(len);
    out
}

/// Rock loops: (semitones above the tonic, minor?).
const ROCK_LOOPS: [&[(i32, bool)]; 10] = [
    &[(0, false), (5, false), (7, false), (5, false)],
    &[(0, false), (7, false), (9, true), (5, false)],
    &[(9, true), (5, false), (0, false), (7, false)],
    &[(0, false), (10, false), (5, false), (0, false)],
    &[(0, false), (8, false), (10, false), (0, false)],
    &[(0, true), (10, false), (8, false), (10, false)],
    &[(0, false), (5, false), (0, false), (7, false)],
    &[(0, true), (8, false), (3, false), (10, false)],
    &[(0, false), (7, false), (5, false), (7, false)],
    &[
        (0, false),
        (0, false),
        (0, false),
        (0, false),
        (5, false),
        (5, false),
        (0, false),
        (0, false),
        (7, false),
        (5, false),
        (0, false),
        (7, false),
    ],
];

fn rock(rng: &mut Rng, key: i32, len: usize) -> Vec<PcSet> {
    let groove = rng.pick(&ROCK_LOOPS);
    // 0: triads, 1: power chords, 2: triads and dominant sevenths (blues-rock).
    let kind = match rng.below(20) {
        0..=11 => 0,
        12..=16 => 1,
        _ => 2,
    };
    let mut out = Vec::new();
    while out.len() < len {
        let vary = if rng.chance(0.2) {
            Some(rng.below(groove.len()))
        } else {
            None
        };
        for (i, &(degree, minor)) in groove.iter().enumerate() {
            let root = key + degree;
            let mut chord = match kind {
                1 => q(root, "5"),
                2 if !minor && rng.chance(0.5) => q(root, "7"),
                _ => q(root, if minor { "m" } else { "" }),
            };
            if rng.chance(0.1) {
                chord = q(root, rng.pick(&["sus2", "sus4", "add9"]));
            }
            if vary == Some(i) {
                // A fill: the chord a fourth up, or the loop's bVII.
                chord = q(root + rng.pick(&[5, 10]), if kind == 1 { "5" } else { "" });
            }
            out.push(chord);
        }
    }
    out.truncate(len);
    out
}

fn atonal(rng: &mut Rng, len: usize) -> Vec<PcSet> {
    match rng.below(10) {
        0..=3 => (0..len).map(|_| random_set(rng, 3, 6)).collect(),
        4..=6 => {
            let motive = random_set(rng, 3, 4);
            (0..len)
                .map(|_| {
                    let t = motive.transpose(rng.below(12) as i32);
                    if rng.chance(0.5) {
                        invert(t)
                    } else {
                        t
                    }
                })
                .collect()
        }
        _ => (0..len)
            .map(|_| {
                let r = rng.below(12) as i32;
                let n = 3 + rng.below(2);
                let source: &[u8] = match rng.below(4) {
                    0 => &[0, 2, 4, 6, 8, 10],
                    1 => &[0, 1, 3, 4, 6, 7, 9, 10],
                    2 => &[0, 5, 10, 3, 8],
                    _ => &[0, 1, 2, 3],
                };
                let mut s = PcSet::EMPTY;
                while (s.len() as usize) < n.min(source.len()) {
                    s = s.with(rng.pick(source));
                }
                s.transpose(r)
            })
            .collect(),
    }
}

/// One progression of `style`, drawn from `rng`.
fn generate_one(rng: &mut Rng, style: Style) -> Vec<PcSet> {
    let key = rng.below(12) as i32;
    let len = MIN_LEN + rng.below(MAX_LEN - MIN_LEN + 1);
    let mut chords = match style {
        Style::Jazz => jazz(rng, key, len),
        Style::Classical => classical(rng, key, len),
        Style::Rock => rock(rng, key, len),
        Style::Atonal => atonal(rng, len),
    };
    if style != Style::Atonal {
        for c in chords.iter_mut() {
            if rng.chance(0.05) {
                *c = random_set(rng, 3, 4);
            }
        }
    }
    chords
}

/// `per_style` progressions of each style, styles interleaved (jazz, classical, rock,
/// atonal, jazz, …), named `<style>-<nnn>` from 1. Deterministic in `seed`.
///
/// # Allocation
/// Allocates the result.
pub fn generate_corpus(seed: u64, per_style: usize) -> Vec<Progression> {
    let mut rng = Rng(SplitMix64::new(seed));
    let mut out = Vec::with_capacity(4 * per_style);
    for i in 0..per_style {
        for style in Style::ALL {
            out.push(Progression {
                name: Some(format!("{}-{:03}", style.name(), i + 1)),
                style: Some(style),
                chords: generate_one(&mut rng, style),
            });
        }
    }
    out
}

/// The shipped corpus: [`generate_corpus`]`(CORPUS_SEED, CORPUS_PER_STYLE)`.
pub fn corpus() -> Vec<Progression> {
    generate_corpus(CORPUS_SEED, CORPUS_PER_STYLE)
}

/// The shipped corpus as files: `(file name, text)`, e.g. `("jazz-001.prog", …)`, for
/// `presets/progressions/`. Each text parses back with
/// [`parse_progression`](super::parse_progression) to the same progression.
pub fn corpus_files() -> Vec<(String, String)> {
    corpus()
        .into_iter()
        .map(|p| {
            let name = format!("{}.prog", p.name.as_deref().unwrap_or("progression"));
            (name, p.to_text())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let a = generate_corpus(7, 20);
        assert_eq!(a, generate_corpus(7, 20));
        assert_ne!(a, generate_corpus(8, 20));
        for p in &a {
            assert!(
                (MIN_LEN..=MAX_LEN).contains(&p.chords.len()),
                "{:?}",
                p.name
            );
            assert!(p.chords.iter().all(|c| c.len() >= 2), "{:?}", p);
        }
    }

    #[test]
    fn files_parse_back() {
        let files = corpus_files();
        assert_eq!(files.len(), 4 * CORPUS_PER_STYLE);
        let progs = corpus();
        for ((name, text), p) in files.iter().zip(&progs) {
            let parsed = super::super::parse_progression(text).unwrap();
            assert_eq!(&parsed, p, "{name}");
        }
    }
}
