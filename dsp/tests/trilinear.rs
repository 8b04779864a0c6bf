//! Tests 1 and 2 of the foundation: trilinear exactness, mixed node lengths and missing
//! nodes, through `sample_frame`.

use wavecube_dsp::cube::{sample_batch, sample_frame, Cube, CubeError, Node};

/// A constant node of value `v`.
fn constant(len: usize, v: f32) -> Node {
    Node::mono(vec![v; len]).unwrap()
}

/// A 2×2×2 cube whose corner (x, y, z) is the constant x + 2y + 4z.
fn linear_cube() -> Cube {
    let mut c = Cube::new(2, 2, 2).unwrap();
    for x in 0..2 {
        for y in 0..2 {
            for z in 0..2 {
                c.set(x, y, z, constant(64, (x + 2 * y + 4 * z) as f32))
                    .unwrap();
            }
        }
    }
    c
}

fn value(c: &Cube, x: f32, y: f32, z: f32) -> f32 {
    let f = sample_frame(c, x, y, z).unwrap();
    f.channel(0)[0]
}

#[test]
fn integer_coordinates_return_the_node() {
    let mut c = Cube::new(3, 2, 2).unwrap();
    for x in 0..3 {
        for y in 0..2 {
            for z in 0..2 {
                let node = Node::from_fn(128, |p| {
                    ((x * 7 + y * 3 + z) as f64 + 1.0) * (p * 6.0).sin()
                })
                .unwrap();
                c.set(x, y, z, node).unwrap();
            }
        }
    }
    for (pos, node) in c.iter() {
        let f = sample_frame(&c, pos[0] as f32, pos[1] as f32, pos[2] as f32).unwrap();
        let err = f
            .channel(0)
            .iter()
            .zip(node.channel(0))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err <= 1e-6, "node {pos:?} differs by {err}");
    }
}

#[test]
fn cell_centre_is_the_mean_and_edges_are_linear() {
    let c = linear_cube();
    assert!((value(&c, 0.5, 0.5, 0.5) - 3.5).abs() <= 1e-6);
    for i in 0..=10 {
        let t = i as f32 / 10.0;
        // Along x (y = z = 0): t; along y: 2t; along z: 4t; along the y edge at x=1, z=1: 5 + 2t.
        assert!((value(&c, t, 0.0, 0.0) - t).abs() <= 1e-6);
        assert!((value(&c, 0.0, t, 0.0) - 2.0 * t).abs() <= 1e-6);
        assert!((value(&c, 0.0, 0.0, t) - 4.0 * t).abs() <= 1e-6);
        assert!((value(&c, 1.0, t, 1.0) - (5.0 + 2.0 * t)).abs() <= 1e-6);
    }
    // Coordinates are clamped to the grid.
    assert!((value(&c, -3.0, 9.0, 0.5) - (0.0 + 2.0 + 2.0)).abs() <= 1e-6);
}

#[test]
fn batch_equals_single_calls() {
    let c = linear_cube();
    let pts = [(0.1, 0.2, 0.3), (0.9, 0.5, 0.0), (1.0, 1.0, 1.0)];
    let batch = sample_batch(&c, &pts).unwrap();
    for (f, &(x, y, z)) in batch.iter().zip(&pts) {
        assert_eq!(f, &sample_frame(&c, x, y, z).unwrap());
    }
}

#[test]
fn mixed_lengths_blend_by_phase() {
    let sine = |len| Node::from_fn(len, |p| (std::f64::consts::TAU * p).sin()).unwrap();
    let mut c = Cube::new(2, 1, 1).unwrap();
    c.set(0, 0, 0, sine(256)).unwrap();
    c.set(1, 0, 0, sine(2048)).unwrap();
    for x in [0.25f32, 0.5, 0.75] {
        let f = sample_frame(&c, x, 0.0, 0.0).unwrap();
        assert_eq!(f.len(), 2048);
        let err = f
            .channel(0)
            .iter()
            .enumerate()
            .map(|(i, v)| (*v as f64 - (std::f64::consts::TAU * i as f64 / 2048.0).sin()).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-4, "blend at x={x} differs from the sine by {err}");
    }
}

#[test]
fn missing_nodes_are_filled_not_silent() {
    let node = Node::from_fn(512, |p| (std::f64::consts::TAU * 3.0 * p).cos()).unwrap();
    let mut c = Cube::new(2, 1, 1).unwrap();
    c.set(0, 0, 0, node.clone()).unwrap();
    // Halfway between the present node and the missing one, the frame is the node itself.
    for x in [0.5f32, 0.999, 1.0] {
        let f = sample_frame(&c, x, 0.0, 0.0).unwrap();
        let err = f
            .channel(0)
            .iter()
            .zip(node.channel(0))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err <= 1e-6, "x={x}: {err}");
    }
    // All eight corners empty: a typed error.
    let mut big = Cube::new(4, 1, 1).unwrap();
    big.set(0, 0, 0, node).unwrap();
    assert!(matches!(
        sample_frame(&big, 2.5, 0.0, 0.0),
        Err(CubeError::EmptyCorners { .. })
    ));
    assert_eq!(
        sample_frame(&big, f32::NAN, 0.0, 0.0),
        Err(CubeError::NanCoordinate)
    );
}
