//! Exception entry stubs, in assembly, for stable Rust.
//!
//! Nightly Rust has an `x86-interrupt` calling convention; stable does not,
//! so each CPU exception vector gets a tiny stub written with `global_asm!`.
//! The CPU pushes `ss, rsp, rflags, cs, rip` and, for some vectors, an error
//! code (Intel SDM Vol. 3A, 6.13 "Error Code"). Every stub makes the stack
//! look the same: it pushes a zero where the CPU pushed no error code, then
//! its vector number, and jumps to a common path that saves all 15
//! general-purpose registers and calls [`exception_dispatch`] with a pointer
//! to the whole record, an [`ExceptionFrame`]. When the handler returns, the
//! common path restores the registers, drops vector and error code, and
//! `iretq`s, so a handler can resume the interrupted code (a breakpoint) or
//! change where it resumes by editing the frame.
//!
//! Stack alignment: in 64-bit mode the CPU aligns `rsp` to 16 bytes before
//! pushing its frame (SDM 6.14.2). 5 + 2 + 15 pushes are 176 bytes, a
//! multiple of 16, so the `call` sees the alignment the System V ABI wants.
//!
//! [`exception_dispatch`]: super::exceptions::exception_dispatch

/// The register state saved on exception entry, lowest address first.
#[repr(C)]
#[derive(Debug)]
pub struct ExceptionFrame {
    /// Saved `r15` (general-purpose registers come first, as the common stub pushed them).
    pub r15: u64,
    /// Saved `r14`.
    pub r14: u64,
    /// Saved `r13`.
    pub r13: u64,
    /// Saved `r12`.
    pub r12: u64,
    /// Saved `r11`.
    pub r11: u64,
    /// Saved `r10`.
    pub r10: u64,
    /// Saved `r9`.
    pub r9: u64,
    /// Saved `r8`.
    pub r8: u64,
    /// Saved `rbp`.
    pub rbp: u64,
    /// Saved `rdi`.
    pub rdi: u64,
    /// Saved `rsi`.
    pub rsi: u64,
    /// Saved `rdx`.
    pub rdx: u64,
    /// Saved `rcx`.
    pub rcx: u64,
    /// Saved `rbx`.
    pub rbx: u64,
    /// Saved `rax`.
    pub rax: u64,
    /// The exception vector (0 to 31), pushed by the stub.
    pub vector: u64,
    /// The CPU's error code, or 0 for vectors without one.
    pub error_code: u64,
    /// Where the interrupted code resumes.
    pub rip: u64,
    /// Code segment of the interrupted code.
    pub cs: u64,
    /// Flags of the interrupted code.
    pub rflags: u64,
    /// Stack pointer of the interrupted code.
    pub rsp: u64,
    /// Stack segment of the interrupted code.
    pub ss: u64,
}

/// Number of CPU exception vectors (0 to 31).
pub const EXCEPTION_VECTORS: usize = 32;

unsafe extern "C" {
    /// Address of each vector's stub, indexed by vector.
    static EXCEPTION_STUBS: [u64; EXCEPTION_VECTORS];
}

/// The entry address of the stub for `vector`.
pub fn stub_address(vector: usize) -> u64 {
    // SAFETY: EXCEPTION_STUBS is an immutable table defined below.
    unsafe { EXCEPTION_STUBS[vector] }
}

core::arch::global_asm!(
    r#"
    .pushsection .text.exceptions, "ax"
    .irp vector, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
    exception_stub_\vector:
        push $0
        push $\vector
        jmp exception_common
    .endr
    .irp vector, 8,10,11,12,13,14,17,21,29,30
    exception_stub_\vector:
        push $\vector
        jmp exception_common
    .endr

    exception_common:
        push %rax
        push %rbx
        push %rcx
        push %rdx
        push %rsi
        push %rdi
        push %rbp
        push %r8
        push %r9
        push %r10
        push %r11
        push %r12
        push %r13
        push %r14
        push %r15
        mov %rsp, %rdi
        cld
        call {dispatch}
        pop %r15
        pop %r14
        pop %r13
        pop %r12
        pop %r11
        pop %r10
        pop %r9
        pop %r8
        pop %rbp
        pop %rdi
        pop %rsi
        pop %rdx
        pop %rcx
        pop %rbx
        pop %rax
        add $16, %rsp
        iretq
    .popsection

    .pushsection .rodata.exception_stubs, "a"
    .p2align 3
    .global EXCEPTION_STUBS
    EXCEPTION_STUBS:
    .irp vector, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad exception_stub_\vector
    .endr
    .popsection
    "#,
    dispatch = sym super::exceptions::exception_dispatch,
    options(att_syntax)
);
