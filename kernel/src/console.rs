//! Console output: `print!`, `println!`, log levels, and machine-readable lines.
//!
//! Everything goes to the architecture's serial port. Two kinds of line:
//! - human text, including log records formatted as `[LEVEL] message`;
//! - **result lines** for the host runner: the prefix `@@PRISTINE ` and one
//!   JSON object with a `"kind"` field, written by [`emit_record`]. The runner
//!   parses these and ignores everything else, so human text can change
//!   freely without breaking tests.

use core::fmt;

/// Prefix of every machine-readable line.
pub const RECORD_PREFIX: &str = "@@PRISTINE ";

/// Prints to the serial console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::arch::write_console(format_args!($($arg)*)) };
}

/// Prints to the serial console, with a newline.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::print!("{}\n", format_args!($($arg)*)) };
}

/// Writes one machine-readable line: `@@PRISTINE {json}`.
///
/// `json` must format as exactly one JSON object; use [`JsonString`] for
/// any text inside it.
pub fn emit_record(json: fmt::Arguments) {
    crate::print!("{RECORD_PREFIX}{json}\n");
}

/// Formats a string as a JSON string literal, quotes and escapes included.
pub struct JsonString<'a>(pub &'a str);

impl fmt::Display for JsonString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for character in self.0.chars() {
            match character {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

/// Formats numbers as the inside of a JSON array: `1,2,3`.
pub struct JsonNumbers<'a>(pub &'a [u64]);

impl fmt::Display for JsonNumbers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, value) in self.0.iter().enumerate() {
            let separator = if index == 0 { "" } else { "," };
            write!(f, "{separator}{value}")?;
        }
        Ok(())
    }
}

struct SerialLogger;

impl log::Log for SerialLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            crate::println!("[{:<5}] {}", record.level(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: SerialLogger = SerialLogger;

/// Installs the serial logger at level `Info` (the command line may change it).
pub fn init_logger() {
    // Only fails if a logger is already set: then the first one stays.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Info);
}

/// Sets the log level from a command-line word (`error` … `trace`).
pub fn set_log_level(level: &str) -> bool {
    match level.parse::<log::LevelFilter>() {
        Ok(filter) => {
            log::set_max_level(filter);
            true
        }
        Err(_) => false,
    }
}
