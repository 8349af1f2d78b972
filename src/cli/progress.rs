//! Progress on stderr while layers are unpacked or generated, only when
//! stderr is a terminal: one line rewritten in place with the layer, the
//! entries and bytes so far and the rate. Off a terminal nothing is shown
//! but the log lines.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use umoci::layer::Progress;

/// A progress line drawn by a background thread until dropped.
pub struct Ticker {
    /// The counters to hand to the library; `None` off a terminal.
    pub counters: Option<Arc<Progress>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts drawing `what` progress if stderr is a terminal.
    pub fn start(what: &'static str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return Ticker {
                counters: None,
                stop,
                thread: None,
            };
        }
        let counters = Arc::new(Progress::default());
        let (c, s) = (counters.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut layer_seen = 0;
            let mut since = Instant::now();
            while !s.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let (layer, layers, entries, bytes) = c.read();
                if layer != layer_seen {
                    layer_seen = layer;
                    since = Instant::now();
                }
                let secs = since.elapsed().as_secs_f64().max(0.001);
                let rate = human(bytes as f64 / secs);
                let line = if layers > 0 {
                    format!(
                        "{what} layer {layer}/{layers}: {entries} entries, {} ({rate}/s)",
                        human(bytes as f64)
                    )
                } else if entries > 0 {
                    format!("{what}: {entries} blobs removed, {}", human(bytes as f64))
                } else {
                    continue;
                };
                let _ = write!(std::io::stderr(), "\r\x1b[K{line}");
            }
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        });
        Ticker {
            counters: Some(counters),
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn human(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}
