//! [`PcSet`]: a set of pitch classes as a 12-bit mask (bit n = pitch class n, C = 0).

use core::fmt;

/// A set of pitch classes, bit `n` set when pitch class `n` (C = 0, C♯ = 1, …, B = 11)
/// is present. Bits 12..16 are always clear. `Copy`, no allocation: safe on any thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PcSet(u16);

impl PcSet {
    /// The empty set (a rest).
    pub const EMPTY: PcSet = PcSet(0);
    /// All twelve pitch classes.
    pub const CHROMATIC: PcSet = PcSet(0x0FFF);

    /// The set with mask `bits`; bits above 11 are dropped.
    pub const fn from_bits(bits: u16) -> Self {
        PcSet(bits & 0x0FFF)
    }

    /// The 12-bit mask.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// The set of the pitch classes `pcs` (each taken modulo 12).
    pub fn from_pcs(pcs: &[u8]) -> Self {
        pcs.iter().fold(PcSet::EMPTY, |s, &p| s.with(p))
    }

    /// The set with pitch class `pc % 12` added.
    pub const fn with(self, pc: u8) -> Self {
        PcSet(self.0 | 1 << (pc % 12))
    }

    /// Whether pitch class `pc % 12` is present.
    pub const fn contains(self, pc: u8) -> bool {
        self.0 & (1 << (pc % 12)) != 0
    }

    /// Number of pitch classes, 0..=12.
    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set moved up by `semitones` (modulo 12): `T_n` of set theory.
    pub const fn transpose(self, semitones: i32) -> Self {
        let n = semitones.rem_euclid(12) as u32;
        let b = self.0 as u32;
        PcSet::from_bits(((b << n) | (b >> (12 - n))) as u16)
    }

    /// The union of two sets.
    pub const fn union(self, other: PcSet) -> Self {
        PcSet(self.0 | other.0)
    }

    /// The pitch classes present, ascending.
    pub fn iter(self) -> impl Iterator<Item = u8> {
        (0..12u8).filter(move |&p| self.contains(p))
    }
}

impl fmt::Display for PcSet {
    /// Pitch-class list in the progression format, e.g. `[0 4 7]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, p) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{p}")?;
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_wraps_and_keeps_size() {
        let c = PcSet::from_pcs(&[0, 4, 7]);
        assert_eq!(c.transpose(7), PcSet::from_pcs(&[7, 11, 2]));
        assert_eq!(c.transpose(-5), c.transpose(7));
        assert_eq!(c.transpose(12), c);
        assert_eq!(c.transpose(0).len(), 3);
        assert_eq!(PcSet::from_bits(0xFFFF), PcSet::CHROMATIC);
    }

    #[test]
    fn display_lists_pitch_classes() {
        assert_eq!(PcSet::from_pcs(&[11, 2, 7]).to_string(), "[2 7 11]");
        assert_eq!(PcSet::EMPTY.to_string(), "[]");
    }
}
