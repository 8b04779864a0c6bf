//! The editor's hold on the telemetry channel while its window is open.
//!
//! Opening takes the receiving end from the [`TelemetryHub`] and turns publishing on; closing
//! turns it off and gives the receiver back, so a closed editor costs the audio thread one
//! atomic load per block. The receiver's mutex is only ever taken by the editor's threads
//! (the window thread each frame, the host's main thread when the window closes), never by
//! the audio thread, which only writes the lock-free rings behind it.

use std::sync::{Arc, Mutex, MutexGuard};

use wavecube_dsp::telemetry::{TelemetryHub, TelemetryRx};

/// The editor's end of the telemetry channel and whether it listens.
#[derive(Debug)]
pub struct TelemetrySession {
    /// The synth's hub.
    hub: Arc<TelemetryHub>,
    /// The receiver while the editor is open; `None` when closed (or when another reader
    /// holds it). Locked by editor threads only.
    rx: Mutex<Option<TelemetryRx>>,
}

impl TelemetrySession {
    /// A closed session on `hub`.
    pub fn new(hub: Arc<TelemetryHub>) -> Self {
        Self {
            hub,
            rx: Mutex::new(None),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<TelemetryRx>> {
        self.rx.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the receiver (if the hub has it), discards whatever is queued from before, and
    /// turns publishing on. Returns true if the editor now reads telemetry.
    pub fn open(&self) -> bool {
        let mut slot = self.slot();
        if slot.is_none() {
            *slot = self.hub.take_receiver();
        }
        if let Some(rx) = slot.as_mut() {
            // NOTE: anything left from an earlier session is stale; the view starts afresh.
            rx.drain(|_| {});
            let mut scratch = [[0.0f32; 2]; 512];
            while rx.read_audio(&mut scratch) > 0 {}
            self.hub.set_listening(true);
            true
        } else {
            false
        }
    }

    /// Turns publishing off and gives the receiver back to the hub.
    pub fn close(&self) {
        self.hub.set_listening(false);
        if let Some(rx) = self.slot().take() {
            self.hub.return_receiver(rx);
        }
    }

    /// True while the session holds the receiver.
    pub fn is_open(&self) -> bool {
        self.slot().is_some()
    }

    /// Runs `f` on the receiver, if the session holds it.
    pub fn with_rx<R>(&self, f: impl FnOnce(&mut TelemetryRx) -> R) -> Option<R> {
        self.slot().as_mut().map(f)
    }
}

impl Drop for TelemetrySession {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavecube_dsp::telemetry::{telemetry, Telemetry};

    #[test]
    fn open_takes_and_close_returns_the_receiver() {
        let hub = Arc::new(TelemetryHub::default());
        let (mut tx, rx) = telemetry(8, 8);
        hub.return_receiver(rx);
        // Stale messages from before the editor opened are dropped on open.
        tx.send(Telemetry::Tension {
            time_samples: 1,
            tension: 0.5,
            target: 0.5,
        });
        let session = TelemetrySession::new(hub.clone());
        assert!(session.open());
        assert!(hub.is_listening());
        assert!(hub.take_receiver().is_none(), "the session holds it");
        assert_eq!(session.with_rx(|rx| rx.drain(|_| {})), Some(0));
        session.close();
        assert!(!hub.is_listening());
        assert!(!session.is_open());
        assert!(hub.take_receiver().is_some(), "returned to the hub");
    }
}
