//! The host platform in Go's naming, which `umoci new` records.

/// `(os, architecture, variant)` of the machine we run on, as Go's `GOOS`,
/// `GOARCH` and containerd's default variant name them.
pub fn host() -> (&'static str, &'static str, &'static str) {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "arm" => "arm",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "loongarch64" => "loong64",
        "mips64" if cfg!(target_endian = "little") => "mips64le",
        "mips64" => "mips64",
        other => other,
    };
    let variant = match arch {
        "arm64" => "v8",
        "arm" => "v7",
        _ => "",
    };
    (std::env::consts::OS, arch, variant)
}
