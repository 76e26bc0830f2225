//! The `boot` test: the kernel came up with what the boot loader promised.

use super::TestResult;
use crate::cmdline::CommandLine;
use crate::memory::{frames, heap};
use alloc::format;

/// The memory map was read, the command line arrived, frames and heap exist.
pub fn boot() -> TestResult {
    let boot_info = crate::boot_info();
    if boot_info.usable_bytes() == 0 {
        return Err(format!(
            "no usable RAM in a {}-entry memory map",
            boot_info.regions().len()
        ));
    }
    let command_line = CommandLine::new(boot_info.command_line());
    if command_line.get("test") != Some("boot") {
        return Err(format!(
            "command line {:?} lacks test=boot",
            command_line.as_str()
        ));
    }
    let stats = frames::stats();
    if stats.free.0 == 0 || stats.usable.0 != stats.free.0 + stats.used.0 {
        return Err(format!("frame counts do not add up: {stats:?}"));
    }
    if heap::mapped_bytes() < heap::INITIAL_SIZE {
        return Err(format!(
            "heap has only {} bytes mapped",
            heap::mapped_bytes()
        ));
    }
    Ok(())
}
