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

/// Whether a progress line stands on the terminal's last row, unfinished.
/// A log line clears it first (see [`clear_line`]); the ticker draws it
/// again only when the numbers move.
static ON_SCREEN: AtomicBool = AtomicBool::new(false);

/// Clears a progress line off the terminal's row, if one is there, so that
/// what `out` writes next starts at the left margin.
pub fn clear_line(out: &mut impl Write) {
    if ON_SCREEN.swap(false, Ordering::Relaxed) {
        let _ = write!(out, "\r\x1b[K");
    }
}

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
            let (mut bytes_then, mut fraction_then) = (0u64, 0.0f64);
            let mut drawn = None;
            while !s.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let snap = c.read();
                // Unchanged counters (the layer is done and the mtree is
                // being written, say): leave the row to the log lines, even
                // though the rate, from the time, would read differently.
                if drawn == Some(snap) {
                    continue;
                }
                if snap.layer != layer_seen {
                    // Measure from here: what the layer did before we
                    // looked took an unknown time.
                    layer_seen = snap.layer;
                    since = Instant::now();
                    bytes_then = snap.bytes;
                    fraction_then = snap.fraction.unwrap_or(0.0);
                }
                let line = if snap.layers > 0 {
                    layer_line(what, &snap, since.elapsed(), bytes_then, fraction_then)
                } else if snap.entries > 0 {
                    format!(
                        "{what}: {} blobs removed, {}",
                        snap.entries,
                        human(snap.bytes as f64)
                    )
                } else {
                    continue;
                };
                let _ = write!(std::io::stderr().lock(), "\r\x1b[K{line}");
                ON_SCREEN.store(true, Ordering::Relaxed);
                drawn = Some(snap);
            }
            clear_line(&mut std::io::stderr().lock());
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

/// `unpack layer 1/3: 42% 1234 entries, 12.0 MiB (30.0 MiB/s, 0:05 left)`:
/// the rate and time left only once a second of work has been seen (a
/// rate from the first moments says nothing).
fn layer_line(
    what: &str,
    snap: &umoci::progress::Snapshot,
    elapsed: Duration,
    bytes_then: u64,
    fraction_then: f64,
) -> String {
    let mut line = format!("{what} layer {}/{}:", snap.layer, snap.layers);
    if let Some(f) = snap.fraction {
        // Rounded down: 100% means done.
        line.push_str(&format!(" {:>3}%", (f * 100.0).floor() as u32));
    }
    line.push_str(&format!(
        " {} entries, {}",
        snap.entries,
        human(snap.bytes as f64)
    ));
    let secs = elapsed.as_secs_f64();
    if secs >= 1.0 {
        let rate = human(snap.bytes.saturating_sub(bytes_then) as f64 / secs);
        let left = snap
            .fraction
            .filter(|f| *f > fraction_then && *f < 1.0)
            .map(|f| secs * (1.0 - f) / (f - fraction_then));
        match left {
            Some(left) => {
                let left = left.round() as u64;
                line.push_str(&format!(" ({rate}/s, {}:{:02} left)", left / 60, left % 60));
            }
            None => line.push_str(&format!(" ({rate}/s)")),
        }
    }
    line
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
