//! Log lines on stderr in the format of upstream's apex/log CLI handler
//! (`   • message`, `   ⨯ error`), so people and scripts reading umoci's
//! stderr see what they are used to.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use log::{Level, LevelFilter, Log, Metadata, Record};
use umoci::spec::escape::printable;

struct ApexLogger;

static LOGGER: ApexLogger = ApexLogger;

/// Whether lines are coloured, decided at the first line.
static COLOURED: OnceLock<bool> = OnceLock::new();

/// Colours as apex/log's handler gives them on a terminal: stderr is one,
/// `NO_COLOR` is unset or empty, and `TERM` is not `dumb` (the rules of the
/// colour library upstream uses, applied to the stream we write).
fn colour_wanted() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// The ANSI colour apex/log gives a level.
fn colour(level: Level) -> u8 {
    match level {
        Level::Error => 31,
        Level::Warn => 33,
        Level::Info => 34,
        Level::Debug | Level::Trace => 37,
    }
}

/// The symbol apex/log prints for a level.
fn symbol(level: Level) -> &'static str {
    match level {
        Level::Error => "⨯",
        _ => "•",
    }
}

/// Formats one line as apex/log's CLI handler does: the symbol right-aligned
/// in four columns, then the message padded to 25. Messages quote image
/// content (names, tar header bytes, `Env` entries), so control characters
/// are escaped here, once for every line: an image cannot move the cursor,
/// recolour the terminal or forge a line of output.
pub fn format_line(level: Level, message: &str) -> String {
    let (symbol, message) = (symbol(level), printable(message));
    if *COLOURED.get_or_init(colour_wanted) {
        // Bold coloured symbol, the message in the colour, as apex/log.
        let c = colour(level);
        format!("\x1b[{c}m\x1b[1m{symbol:>4}\x1b[22m {message:<25}\x1b[0m")
    } else {
        format!("{symbol:>4} {message:<25}")
    }
}

impl Log for ApexLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if self.enabled(record.metadata()) {
            let line = format_line(record.level(), &record.args().to_string());
            let mut err = std::io::stderr().lock();
            super::progress::clear_line(&mut err);
            let _ = writeln!(err, "{line}");
        }
    }

    fn flush(&self) {}
}

/// Parses a `--log` level name as upstream accepts them.
pub fn parse_level(name: &str) -> Option<LevelFilter> {
    Some(match name {
        "debug" => LevelFilter::Debug,
        "info" => LevelFilter::Info,
        "warn" | "warning" => LevelFilter::Warn,
        "error" => LevelFilter::Error,
        // Fatal messages are the final error, which is always printed.
        "fatal" => LevelFilter::Off,
        _ => return None,
    })
}

/// Installs the logger at `level`.
pub fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

/// Prints the error that ends the program, whatever the level.
pub fn fatal(message: &str) {
    let mut err = std::io::stderr().lock();
    super::progress::clear_line(&mut err);
    let _ = writeln!(err, "{}", format_line(Level::Error, message));
}
