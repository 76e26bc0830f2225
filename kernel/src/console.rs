//! Console output: `print!`, `println!`, log levels, and machine-readable lines.
//!
//! Everything goes to the architecture's serial port. Two kinds of line:
//! - human text, including log records formatted as `[LEVEL] message`;
//! - **records** for the host runner: the prefix `@@PRISTINE ` and one JSON
//!   object with a `"kind"` field, written by [`emit`] from a
//!   [`pristine_records::Record`]. The record types are shared with the
//!   runner, which parses these lines and ignores everything else, so human
//!   text can change freely without breaking tests.

use pristine_records::{PREFIX, Record};
use spin::Mutex;

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

/// Bytes one record's JSON may take. The largest records are a
/// `bench-point` (about 21 bytes per measured round: 1000 rounds fit) and
/// the `test-list` (about 40 bytes per test).
pub const RECORD_CAPACITY: usize = 64 * 1024;

/// The fixed buffer records are serialised into, one at a time.
static RECORD_BUFFER: Mutex<[u8; RECORD_CAPACITY]> = Mutex::new([0; RECORD_CAPACITY]);

/// Prints `record` as one machine-readable line: `@@PRISTINE {json}`.
///
/// The JSON is written by `serde-json-core` into a fixed buffer: turning
/// a record into text needs no heap.
///
/// # Panics
/// When the record's JSON does not fit in [`RECORD_CAPACITY`] bytes (a
/// sweep asked for tens of thousands of rounds per point): a record the
/// host cannot read must not pass for a shorter one.
pub fn emit(record: &Record) {
    let mut buffer = RECORD_BUFFER.lock();
    let length = serde_json_core::to_slice(record, &mut buffer[..]).unwrap_or_else(|error| {
        panic!("a record does not fit in {RECORD_CAPACITY} bytes: {error}")
    });
    // serde-json-core writes only JSON punctuation, numbers and escaped
    // copies of Rust strings: always UTF-8.
    let text = core::str::from_utf8(&buffer[..length])
        .unwrap_or_else(|error| panic!("serde-json-core wrote invalid UTF-8: {error}"));
    crate::print!("{PREFIX}{text}\n");
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
