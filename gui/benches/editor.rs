//! Frame cost of the editor with every view visible, headless (egui layout and painting plus
//! tessellation: the CPU side of a frame; the GPU upload and draw are not included), driven
//! by telemetry recorded from the engine playing a chord progression with morph LFOs.
//!
//! - `editor_frame/all_views`: a frame as the editor runs them, 50 a second, the sculpt image
//!   re-rendered at most 15 times a second;
//! - `editor_frame/all_views_sculpt_every_frame`: the worst frame, one that also renders the
//!   sculpt image;
//! - `editor_frame/fx_tab`: a frame of the FX tab with the EQ, delay and reverb on (their
//!   controls and response displays drawn; the EQ curve cached between frames).
//!
//! Run: `cargo bench -p wavecube-gui --bench editor`.

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use nice_plug_core::context::gui::GuiContext;
use wavecube_gui::app::Page;
use wavecube_gui::testing::{record_telemetry, Headless};

#[path = "../tests/common/demo_params.rs"]
#[allow(dead_code, missing_docs)]
mod demo_params;

fn bench_frames(c: &mut Criterion) {
    let recording = record_telemetry(20.0, 50.0);
    let mut group = c.benchmark_group("editor_frame");
    group
        .sample_size(60)
        .measurement_time(Duration::from_secs(12));
    for (name, sculpt_every_frame, fx) in [
        ("all_views", false, false),
        ("all_views_sculpt_every_frame", true, false),
        ("fx_tab", false, true),
    ] {
        let mut h = Headless::new(Arc::new(demo_params::DemoParams::default()));
        if fx {
            h.app.set_page(Page::Fx);
            let gui = GuiContext::new(h.host.clone());
            let setter = gui.param_setter();
            for id in ["fx_eq_on", "fx_eq_ls_on", "fx_dly_on", "fx_rev_on"] {
                if let Some(entry) = h.app.table().get(id) {
                    entry.set_once(&setter, 1.0);
                }
            }
        }
        let mut next = 0;
        // Warm up: fill the histories and the glyph caches.
        for frame in recording.frames.iter().take(250) {
            h.send(frame);
            h.frame_and_tessellate();
            next += 1;
        }
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    // The audio thread's part (sending) is outside the timed frame.
                    h.send(&recording.frames[next % recording.frames.len()]);
                    next += 1;
                    if sculpt_every_frame {
                        h.app.sculpt_view_mut().invalidate();
                    }
                    let start = Instant::now();
                    std::hint::black_box(h.frame_and_tessellate());
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_frames);
criterion_main!(benches);
