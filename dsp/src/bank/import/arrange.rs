//! Arranging a sequence of frames on the cube: fill X, then Y, then Z.

use super::{ImportError, Imported, Shape};
use crate::cube::{Cube, Node, MAX_SIDE};

/// Which axes a sequence of frames is spread over.
///
/// Frames always fill x first (x varies fastest), then y, then z. The sides are the
/// smallest that hold the frames:
/// - [`Layout::X`]: `n × 1 × 1`, for at most 16 frames;
/// - [`Layout::Xy`]: `w = ⌈√n⌉`, `h = ⌈n / w⌉` (64 frames → 8 × 8, 10 → 4 × 3), at most
///   256 frames;
/// - [`Layout::Xyz`]: `w = ⌈∛n⌉`, `h = min(w, ⌈n / w⌉)`, `d = ⌈n / (w·h)⌉`
///   (512 → 8 × 8 × 8, 100 → 5 × 5 × 4), at most 4096 frames.
///
/// Grid positions past the last frame stay empty; the synth fills them from their
/// neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A row along x.
    X,
    /// A square-ish x-y plane.
    Xy,
    /// A cube-ish x-y-z volume.
    Xyz,
}

impl Layout {
    /// The layout named `x`, `xy` or `xyz`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "x" => Some(Self::X),
            "xy" => Some(Self::Xy),
            "xyz" => Some(Self::Xyz),
            _ => None,
        }
    }

    /// Name as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::X => "x",
            Self::Xy => "xy",
            Self::Xyz => "xyz",
        }
    }

    /// The smallest layout that holds `n` frames: x up to 16, xy up to 256, else xyz.
    pub fn auto(n: usize) -> Self {
        if n <= MAX_SIDE {
            Self::X
        } else if n <= MAX_SIDE * MAX_SIDE {
            Self::Xy
        } else {
            Self::Xyz
        }
    }

    /// The cube sides `[w, h, d]` this layout gives `n` frames (see [`Layout`]).
    ///
    /// # Errors
    /// [`ImportError::Empty`] for no frames; [`ImportError::Layout`] when they do not fit,
    /// suggesting the next layout.
    pub fn dims(self, n: usize) -> Result<[usize; 3], ImportError> {
        if n == 0 {
            return Err(ImportError::Empty);
        }
        let too_many = |cap: usize, hint: &str| ImportError::Layout {
            frames: n,
            reason: format!("layout {} holds at most {cap} frames; {hint}", self.name()),
        };
        match self {
            Self::X if n > MAX_SIDE => Err(too_many(MAX_SIDE, "use --layout xy")),
            Self::X => Ok([n, 1, 1]),
            Self::Xy if n > MAX_SIDE.pow(2) => Err(too_many(MAX_SIDE.pow(2), "use --layout xyz")),
            Self::Xy => {
                let w = root_ceil(n, 2);
                Ok([w, n.div_ceil(w), 1])
            }
            Self::Xyz if n > MAX_SIDE.pow(3) => {
                Err(too_many(MAX_SIDE.pow(3), "a cube holds no more"))
            }
            Self::Xyz => {
                let w = root_ceil(n, 3);
                let h = w.min(n.div_ceil(w));
                Ok([w, h, n.div_ceil(w * h)])
            }
        }
    }

    /// Default axis names for frames laid out this way.
    pub fn axis_names(self) -> [&'static str; 3] {
        match self {
            Self::X => ["frame", "y", "z"],
            Self::Xy => ["frame", "row", "z"],
            Self::Xyz => ["frame", "row", "layer"],
        }
    }
}

/// The smallest `s ≥ 1` with `s^k ≥ n`.
fn root_ceil(n: usize, k: u32) -> usize {
    (1..).find(|s: &usize| s.pow(k) >= n).unwrap_or(1)
}

/// Places `frames` on a cube laid out by `layout`, x fastest, and names its axes.
///
/// # Errors
/// As [`Layout::dims`].
///
/// # Allocation
/// Allocates the cube.
pub fn arrange(frames: Vec<Node>, layout: Layout) -> Result<Cube, ImportError> {
    let dims = layout.dims(frames.len())?;
    let mut cube = arrange_dims(frames, dims)?;
    cube.set_axis_names(layout.axis_names());
    Ok(cube)
}

/// Places `frames` on a `[w, h, d]` cube, x fastest, then y, then z.
///
/// # Errors
/// [`ImportError::Empty`] for no frames; [`ImportError::Layout`] for a side outside
/// 1..=16 or more frames than positions.
///
/// # Allocation
/// Allocates the cube.
pub fn arrange_dims(frames: Vec<Node>, dims: [usize; 3]) -> Result<Cube, ImportError> {
    let n = frames.len();
    if n == 0 {
        return Err(ImportError::Empty);
    }
    let [w, h, d] = dims;
    let layout_err = |reason: String| ImportError::Layout { frames: n, reason };
    let mut cube = Cube::new(w, h, d).map_err(|e| layout_err(e.to_string()))?;
    if n > w * h * d {
        return Err(layout_err(format!(
            "a {w}×{h}×{d} cube has only {} positions",
            w * h * d
        )));
    }
    for (i, node) in frames.into_iter().enumerate() {
        let (x, y, z) = (i % w, (i / w) % h, i / (w * h));
        cube.set(x, y, z, node)
            .map_err(|e| layout_err(e.to_string()))?;
    }
    Ok(cube)
}

/// Places frame `i` at `positions[i]` on the smallest cube that holds them all.
fn place(frames: Vec<Node>, positions: &[[usize; 3]]) -> Result<Cube, ImportError> {
    let n = frames.len();
    let layout_err = |reason: String| ImportError::Layout { frames: n, reason };
    let dims: [usize; 3] =
        std::array::from_fn(|a| positions.iter().map(|p| p[a] + 1).max().unwrap_or(1));
    let mut cube = Cube::new(dims[0], dims[1], dims[2]).map_err(|e| layout_err(e.to_string()))?;
    for (node, &[x, y, z]) in frames.into_iter().zip(positions) {
        let replaced = cube
            .set(x, y, z, node)
            .map_err(|e| layout_err(e.to_string()))?;
        if replaced.is_some() {
            return Err(layout_err(format!(
                "two frames for position ({x}, {y}, {z})"
            )));
        }
    }
    Ok(cube)
}

/// Stacks slices along Z, one slice per source (the Fata Morgana way: 8 files of 64
/// frames make an 8 × 8 × 8 cube). Every slice is laid out like [`Layout::Xy`] on the
/// sides that hold the largest slice.
///
/// # Errors
/// [`ImportError::Layout`] for no slices, more than 16, an empty slice or one of more
/// than 256 frames.
///
/// # Allocation
/// Allocates the cube.
pub fn stack_z(slices: Vec<Vec<Node>>) -> Result<Cube, ImportError> {
    let total: usize = slices.iter().map(Vec::len).sum();
    let layout_err = |reason: String| ImportError::Layout {
        frames: total,
        reason,
    };
    if slices.is_empty() || slices.len() > MAX_SIDE {
        return Err(layout_err(format!(
            "{} Z slices; a cube holds 1 to {MAX_SIDE}",
            slices.len()
        )));
    }
    if let Some(z) = slices.iter().position(Vec::is_empty) {
        return Err(layout_err(format!("Z slice {z} has no frames")));
    }
    let largest = slices.iter().map(Vec::len).max().unwrap_or(1);
    let [w, h, _] = Layout::Xy.dims(largest).map_err(|_| {
        layout_err(format!(
            "a Z slice of {largest} frames does not fit a 16×16 plane"
        ))
    })?;
    let mut cube = Cube::new(w, h, slices.len()).map_err(|e| layout_err(e.to_string()))?;
    for (z, slice) in slices.into_iter().enumerate() {
        for (i, node) in slice.into_iter().enumerate() {
            cube.set(i % w, i / w, z, node)
                .map_err(|e| layout_err(e.to_string()))?;
        }
    }
    cube.set_axis_names(["frame", "row", "slice"]);
    Ok(cube)
}

/// Places imported frames on a cube and fills its metadata; returns the cube and every
/// note (the importer's, then the arrangement's).
///
/// With `layout`, frames are laid out by it. Without, the file's [`Shape`] is used when
/// it has one (a Wavecube export's grid or node positions; an RGB image's three Z
/// slices), else
/// [`Layout::auto`]. The bank name is the one stored in the file, if any; the tags are
/// `imported` and the format's name; the sample-rate hint is the file's, if any.
///
/// # Errors
/// As [`arrange`], [`arrange_dims`] or [`stack_z`].
///
/// # Allocation
/// Allocates the cube.
pub fn arrange_imported(
    imported: Imported,
    layout: Option<Layout>,
) -> Result<(Cube, Vec<String>), ImportError> {
    let Imported {
        frames,
        mut notes,
        shape,
        format,
        name,
        sample_rate_hz,
    } = imported;
    let n = frames.len();
    let mut cube = match (layout, shape) {
        (Some(layout), _) => arrange(frames, layout)?,
        (None, Some(Shape::Dims(dims))) => {
            notes.push(format!(
                "the file gives its cube shape: {}×{}×{}",
                dims[0], dims[1], dims[2]
            ));
            arrange_dims(frames, dims)?
        }
        (None, Some(Shape::Positions(positions))) if positions.len() == n => {
            notes.push("nodes placed at the positions their file names give".to_owned());
            place(frames, &positions)?
        }
        (None, Some(Shape::ZSlices(k))) if k > 0 && n % k == 0 => {
            let per = n / k;
            let mut it = frames.into_iter();
            let slices = (0..k).map(|_| it.by_ref().take(per).collect()).collect();
            stack_z(slices)?
        }
        (None, _) => {
            let layout = Layout::auto(n);
            notes.push(format!(
                "{n} frame{} laid out as {} (use --layout to choose)",
                if n == 1 { "" } else { "s" },
                layout.name()
            ));
            arrange(frames, layout)?
        }
    };
    let meta = cube.meta_mut();
    meta.name = name.unwrap_or_default();
    meta.tags = vec!["imported".to_owned(), format.name().to_owned()];
    meta.description = format!("imported from a {} file", format.name());
    meta.sample_rate_hint_hz = sample_rate_hz;
    Ok((cube, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_pick_the_smallest_sides() {
        assert_eq!(Layout::X.dims(5).unwrap(), [5, 1, 1]);
        assert!(matches!(
            Layout::X.dims(17),
            Err(ImportError::Layout { frames: 17, .. })
        ));
        assert_eq!(Layout::Xy.dims(64).unwrap(), [8, 8, 1]);
        assert_eq!(Layout::Xy.dims(10).unwrap(), [4, 3, 1]);
        assert_eq!(Layout::Xy.dims(2).unwrap(), [2, 1, 1]);
        assert_eq!(Layout::Xy.dims(256).unwrap(), [16, 16, 1]);
        assert!(Layout::Xy.dims(257).is_err());
        assert_eq!(Layout::Xyz.dims(512).unwrap(), [8, 8, 8]);
        assert_eq!(Layout::Xyz.dims(100).unwrap(), [5, 5, 4]);
        assert_eq!(Layout::Xyz.dims(2).unwrap(), [2, 1, 1]);
        assert_eq!(Layout::Xyz.dims(4096).unwrap(), [16, 16, 16]);
        assert!(Layout::Xyz.dims(4097).is_err());
        assert_eq!(Layout::Xyz.dims(0), Err(ImportError::Empty));
        for n in 1..=4096 {
            let [w, h, d] = Layout::Xyz.dims(n).unwrap();
            assert!(w * h * d >= n && w * h * (d - 1) < n, "{n}: {w}×{h}×{d}");
        }
    }
}
