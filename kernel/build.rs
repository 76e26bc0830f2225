//! Build script: hands the kernel's linker script to the linker.
//!
//! Each architecture links its image its own way (x86_64 at 2 MiB for the
//! PVH loader, riscv64 at `0x8020_0000` where OpenSBI jumps), so the script
//! lives with the architecture: `src/arch/<arch>/linker.ld`. Only the kernel
//! binary gets it, so host crates are unaffected.

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").expect("cargo sets CARGO_CFG_TARGET_ARCH");
    let script = format!("src/arch/{arch}/linker.ld");
    println!("cargo:rustc-link-arg-bins=-T{manifest_dir}/{script}");
    println!("cargo:rerun-if-changed={script}");
}
