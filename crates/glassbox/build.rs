//! Enables `cfg(glassbox_avx512)` when the compiler is new enough (1.89) for the AVX-512
//! intrinsics used by the multispin kernel; older compilers (down to the MSRV) build without
//! that kernel and use the AVX2 or portable one instead.

use std::process::Command;

fn main() {
    println!("cargo:rustc-check-cfg=cfg(glassbox_avx512)");
    println!("cargo:rerun-if-changed=build.rs");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let minor = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| {
            // "rustc 1.95.0 (…)"
            let ver = v.split_whitespace().nth(1)?.to_string();
            let mut parts = ver.split('.');
            let major: u32 = parts.next()?.parse().ok()?;
            let minor: u32 = parts.next()?.parse().ok()?;
            (major == 1).then_some(minor)
        });
    if minor.is_some_and(|m| m >= 89) {
        println!("cargo:rustc-cfg=glassbox_avx512");
    }
}
