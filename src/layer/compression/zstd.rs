//! zstd layers: zstd's own worker threads (the output does not depend on
//! their scheduling) and long-distance matching over an 8 MiB window.
//!
//! A root file system repeats itself far apart (the same library in two
//! places, locales, licenses); with the window at the level-3 default of
//! 2 MiB those repeats are missed. On the bench image, level 3 with an
//! 8 MiB window and long-distance matching gives 300.2 MB where plain
//! level 3 gives 312.5 MB and upstream's zstd 304.4 MB, for about 15%
//! more time. A 16 MiB window gave 298.2 MB but took 8-10 MB more memory
//! (the workers' buffers grow with it), past the 64 MB a repack may use.
//! 8 MiB is what upstream's encoder uses too, and well inside what every
//! decoder accepts without being asked (zstd's default limit is 128 MiB).

use std::io::{self, Write};
use std::ops::RangeInclusive;

use zstd::stream::write::Encoder;

use crate::layer::chunks::Chunks;
use crate::layer::compress::WORKERS;

/// zstd's levels (20 and above are its "ultra" levels).
pub const LEVELS: RangeInclusive<u32> = 1..=22;

/// zstd's own default.
pub const DEFAULT_LEVEL: u32 = 3;

/// Log2 of the window.
const WINDOW_LOG: u32 = 23;

/// Compresses `chunks`, in order, into one zstd frame on `out`.
pub fn compress<W: Write>(chunks: &Chunks, out: W, level: u32) -> io::Result<W> {
    let mut zs = Encoder::new(out, level as i32)?;
    zs.multithread(WORKERS as u32)?;
    zs.long_distance_matching(true)?;
    // Never narrower than the level's own window.
    if level < 20 {
        zs.window_log(WINDOW_LOG)?;
    }
    chunks.drain(|chunk| zs.write_all(chunk))?;
    zs.finish()
}
