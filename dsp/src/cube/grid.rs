//! The cube grid: W×H×D optional nodes with axis names and bank metadata.

use super::{CubeError, Node};

/// Largest side of a cube, in nodes.
pub const MAX_SIDE: usize = 16;
/// The cube has three morph axes: x, y and z.
pub const AXIS_COUNT: usize = 3;

/// Descriptive data carried with a cube bank (stored as JSON in a `.wcube` file).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct BankMeta {
    /// Bank name, shown in browsers.
    pub name: String,
    /// Who made the bank.
    pub author: String,
    /// Free-form description.
    pub description: String,
    /// Search tags.
    pub tags: Vec<String>,
    /// Licence of the bank's content, e.g. "CC0-1.0".
    pub licence: String,
    /// The sample rate the frames were made at, Hz, if the source said (a hint for
    /// exporters; playback does not depend on it).
    pub sample_rate_hint_hz: Option<u32>,
}

/// A W×H×D grid of optional [`Node`]s, each side from 1 to [`MAX_SIDE`].
///
/// Positions are integer grid indices `(x, y, z)`; the morph axes of the synth span the grid
/// from index 0 to side − 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Cube {
    /// Sides `[w, h, d]` in nodes.
    dims: [usize; 3],
    /// Nodes in x-major order: index `(x * h + y) * d + z`.
    nodes: Vec<Option<Node>>,
    /// Names of the x, y and z axes, e.g. "shape", "brightness", "formant".
    axis_names: [String; 3],
    /// Bank metadata.
    meta: BankMeta,
}

impl Cube {
    /// Makes an empty cube of `w × h × d` nodes.
    pub fn new(w: usize, h: usize, d: usize) -> Result<Self, CubeError> {
        for side in [w, h, d] {
            if !(1..=MAX_SIDE).contains(&side) {
                return Err(CubeError::BadSide { side });
            }
        }
        Ok(Self {
            dims: [w, h, d],
            nodes: vec![None; w * h * d],
            axis_names: ["x".into(), "y".into(), "z".into()],
            meta: BankMeta::default(),
        })
    }

    /// Sides `[w, h, d]`, in nodes.
    pub fn dims(&self) -> [usize; 3] {
        self.dims
    }

    /// Number of grid positions, present or not.
    pub fn slot_count(&self) -> usize {
        self.nodes.len()
    }

    /// Flat slot index of `(x, y, z)`, or an error when it lies outside the cube.
    pub fn slot(&self, x: usize, y: usize, z: usize) -> Result<usize, CubeError> {
        let [w, h, d] = self.dims;
        if x >= w || y >= h || z >= d {
            return Err(CubeError::OutOfBounds { x, y, z, w, h, d });
        }
        Ok((x * h + y) * d + z)
    }

    /// Places `node` at `(x, y, z)` and returns the node it replaced.
    pub fn set(
        &mut self,
        x: usize,
        y: usize,
        z: usize,
        node: Node,
    ) -> Result<Option<Node>, CubeError> {
        let i = self.slot(x, y, z)?;
        Ok(self.nodes[i].replace(node))
    }

    /// The node at `(x, y, z)`, if present. Positions outside the cube read as absent.
    pub fn get(&self, x: usize, y: usize, z: usize) -> Option<&Node> {
        self.slot(x, y, z).ok().and_then(|i| self.nodes[i].as_ref())
    }

    /// The node in flat slot `i` (see [`Cube::slot`]), if present.
    pub fn get_slot(&self, i: usize) -> Option<&Node> {
        self.nodes.get(i).and_then(Option::as_ref)
    }

    /// Removes and returns the node at `(x, y, z)`.
    pub fn remove(&mut self, x: usize, y: usize, z: usize) -> Result<Option<Node>, CubeError> {
        let i = self.slot(x, y, z)?;
        Ok(self.nodes[i].take())
    }

    /// Present nodes with their positions, in x-major order.
    pub fn iter(&self) -> impl Iterator<Item = ([usize; 3], &Node)> + '_ {
        let [_, h, d] = self.dims;
        self.nodes
            .iter()
            .enumerate()
            .filter_map(move |(i, n)| n.as_ref().map(|n| ([i / (h * d), (i / d) % h, i % d], n)))
    }

    /// Number of present nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_some()).count()
    }

    /// Longest present frame, in samples (0 for an empty cube).
    pub fn max_node_len(&self) -> usize {
        self.iter().map(|(_, n)| n.len()).max().unwrap_or(0)
    }

    /// True when any present node is stereo.
    pub fn is_stereo(&self) -> bool {
        self.iter().any(|(_, n)| n.is_stereo())
    }

    /// Names of the x, y and z axes.
    pub fn axis_names(&self) -> &[String; 3] {
        &self.axis_names
    }

    /// Renames the x, y and z axes.
    pub fn set_axis_names(&mut self, names: [&str; 3]) {
        self.axis_names = names.map(str::to_owned);
    }

    /// Bank metadata.
    pub fn meta(&self) -> &BankMeta {
        &self.meta
    }

    /// Mutable bank metadata.
    pub fn meta_mut(&mut self) -> &mut BankMeta {
        &mut self.meta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(v: f32) -> Node {
        Node::mono(vec![v; 64]).unwrap()
    }

    #[test]
    fn set_get_remove_iterate() {
        let mut c = Cube::new(2, 3, 4).unwrap();
        assert!(c.set(1, 2, 3, node(1.0)).unwrap().is_none());
        assert!(c.set(0, 1, 0, node(2.0)).unwrap().is_none());
        assert_eq!(
            c.set(1, 2, 3, node(3.0)).unwrap().unwrap().channel(0)[0],
            1.0
        );
        assert_eq!(c.node_count(), 2);
        let pos: Vec<_> = c.iter().map(|(p, _)| p).collect();
        assert_eq!(pos, vec![[0, 1, 0], [1, 2, 3]]);
        assert_eq!(c.get(1, 2, 3).unwrap().channel(0)[0], 3.0);
        assert!(c.get(5, 0, 0).is_none());
        assert!(c.remove(0, 1, 0).unwrap().is_some());
        assert_eq!(c.node_count(), 1);
        assert!(matches!(
            c.set(2, 0, 0, node(0.0)),
            Err(CubeError::OutOfBounds { .. })
        ));
    }

    #[test]
    fn sides_are_bounded() {
        assert_eq!(Cube::new(0, 1, 1), Err(CubeError::BadSide { side: 0 }));
        assert_eq!(Cube::new(1, 17, 1), Err(CubeError::BadSide { side: 17 }));
        assert!(Cube::new(16, 16, 16).is_ok());
    }
}
