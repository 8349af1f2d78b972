//! Log lines on stderr in the format of upstream's apex/log CLI handler
//! (`   • message`, `   ⨯ error`), so people and scripts reading umoci's
//! stderr see what they are used to.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};
use umoci::spec::escape::printable;

struct ApexLogger;

static LOGGER: ApexLogger = ApexLogger;

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
    format!("{:>4} {:<25}", symbol(level), printable(message))
}

impl Log for ApexLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if self.enabled(record.metadata()) {
            let line = format_line(record.level(), &record.args().to_string());
            let _ = writeln!(std::io::stderr().lock(), "{line}");
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
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        format_line(Level::Error, message)
    );
}
