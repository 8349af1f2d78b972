//! Platforms: the host's in Go's naming (which `umoci new` records), the
//! `--platform OS/ARCH[/VARIANT]` spelling docker, podman and buildah use,
//! and matching one against an index entry as containerd's platform
//! matcher does (`arm64` is `arm64/v8`, `armhf` is `arm/v7`, `x86_64` is
//! `amd64`, …).

use std::fmt;

use crate::spec::{Image, Platform};

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

/// A platform as the user names it, normalized so that equal platforms
/// compare equal whatever their spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlatformSpec {
    /// `linux`, `windows`, … (lower case).
    pub os: String,
    /// Go's `GOARCH` name.
    pub architecture: String,
    /// The CPU variant, empty where it is the architecture's default
    /// (`arm64`'s `v8`, `amd64`'s `v1`); `arm` always has one (`v7` by default).
    pub variant: String,
}

/// Why a `--platform` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid --platform {input:?}: {reason}")]
pub struct PlatformSyntaxError {
    /// The value given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl PlatformSpec {
    /// Parses `OS/ARCH[/VARIANT]`.
    pub fn parse(input: &str) -> Result<Self, PlatformSyntaxError> {
        let bad = |reason| PlatformSyntaxError {
            input: input.to_owned(),
            reason,
        };
        let parts: Vec<&str> = input.split('/').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(bad(
                "expected OS/ARCH or OS/ARCH/VARIANT, such as linux/arm64",
            ));
        }
        let well_formed = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        };
        if !parts.iter().all(|p| well_formed(p)) {
            return Err(bad(
                "each part must be letters, digits, '.', '_' or '-', such as linux/arm/v7",
            ));
        }
        Ok(Self::normalized(
            parts[0],
            parts[1],
            parts.get(2).copied().unwrap_or(""),
        ))
    }

    /// The platform of an index entry.
    pub fn of(platform: &Platform) -> Self {
        Self::normalized(&platform.os, &platform.architecture, &platform.variant)
    }

    /// The platform an image config declares.
    pub fn of_config(config: &Image) -> Self {
        Self::normalized(&config.os, &config.architecture, &config.variant)
    }

    /// The machine we run on.
    pub fn host() -> Self {
        let (os, arch, variant) = host();
        Self::normalized(os, arch, variant)
    }

    /// Normalizes names as containerd's `platforms.Normalize` does.
    fn normalized(os: &str, arch: &str, variant: &str) -> Self {
        let os = os.to_ascii_lowercase();
        let arch = arch.to_ascii_lowercase();
        let variant = variant.to_ascii_lowercase();
        let (architecture, variant) = match (arch.as_str(), variant.as_str()) {
            ("i386", _) => ("386".to_owned(), String::new()),
            ("x86_64" | "x86-64" | "amd64", "v1") => ("amd64".to_owned(), String::new()),
            ("x86_64" | "x86-64" | "amd64", v) => ("amd64".to_owned(), v.to_owned()),
            ("aarch64" | "arm64", "8" | "v8" | "v8.0" | "") => ("arm64".to_owned(), String::new()),
            ("aarch64" | "arm64", v) => ("arm64".to_owned(), with_v(v)),
            ("armhf", _) => ("arm".to_owned(), "v7".to_owned()),
            ("armel", _) => ("arm".to_owned(), "v6".to_owned()),
            ("arm", "" | "7") => ("arm".to_owned(), "v7".to_owned()),
            ("arm", v) => ("arm".to_owned(), with_v(v)),
            (a, v) => (a.to_owned(), v.to_owned()),
        };
        PlatformSpec {
            os,
            architecture,
            variant,
        }
    }

    /// Whether an index entry's platform is this one.
    pub fn matches(&self, platform: &Platform) -> bool {
        *self == Self::of(platform)
    }
}

/// `5` → `v5`; `v5` stays.
fn with_v(variant: &str) -> String {
    if variant.starts_with('v') {
        variant.to_owned()
    } else {
        format!("v{variant}")
    }
}

impl fmt::Display for PlatformSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if !self.variant.is_empty() {
            write!(f, "/{}", self.variant)?;
        }
        Ok(())
    }
}

/// An index entry's platform as the user would spell it (`linux/arm/v7`),
/// as written, not normalized.
pub fn display(platform: &Platform) -> String {
    let mut out = format!("{}/{}", platform.os, platform.architecture);
    if !platform.variant.is_empty() {
        out.push('/');
        out.push_str(&platform.variant);
    }
    out
}

/// The `platform` an index entry for `config` should carry.
pub fn from_config(config: &Image) -> Platform {
    Platform {
        architecture: config.architecture.clone(),
        os: config.os.clone(),
        os_version: config.os_version.clone(),
        os_features: config.os_features.clone(),
        variant: config.variant.clone(),
    }
}

/// Which images of a tag a command works on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Selection {
    /// No `--platform`: the tag's only image, or the host's platform
    /// among several.
    #[default]
    Default,
    /// `--platform OS/ARCH[/VARIANT]`.
    Only(PlatformSpec),
    /// `--platform all` (`config` and `insert`): every image of the tag.
    All,
}

impl Selection {
    /// Parses a `--platform` value; `all` only where `allow_all`.
    pub fn parse(input: Option<&str>, allow_all: bool) -> Result<Self, PlatformSyntaxError> {
        match input {
            None => Ok(Selection::Default),
            Some("all") if allow_all => Ok(Selection::All),
            Some("all") => Err(PlatformSyntaxError {
                input: "all".to_owned(),
                reason: "only config and insert can change every platform at once",
            }),
            Some(p) => Ok(Selection::Only(PlatformSpec::parse(p)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(os: &str, arch: &str, variant: &str) -> Platform {
        Platform {
            os: os.into(),
            architecture: arch.into(),
            variant: variant.into(),
            ..Default::default()
        }
    }

    #[test]
    fn spellings_match_as_containerd_matches_them() {
        let table = [
            ("linux/arm64", entry("linux", "arm64", "v8"), true),
            ("linux/arm64/v8", entry("linux", "arm64", ""), true),
            ("linux/aarch64", entry("linux", "arm64", ""), true),
            ("linux/arm", entry("linux", "arm", "v7"), true),
            ("linux/arm/7", entry("linux", "arm", "v7"), true),
            ("linux/armhf", entry("linux", "arm", "v7"), true),
            ("linux/arm/v6", entry("linux", "arm", "v7"), false),
            ("linux/arm", entry("linux", "arm", "v6"), false),
            ("linux/x86_64", entry("linux", "amd64", ""), true),
            ("linux/amd64", entry("linux", "amd64", "v2"), false),
            ("linux/amd64", entry("windows", "amd64", ""), false),
            ("Linux/AMD64", entry("linux", "amd64", ""), true),
            ("linux/i386", entry("linux", "386", ""), true),
        ];
        for (given, platform, expected) in table {
            let spec = PlatformSpec::parse(given).unwrap();
            assert_eq!(spec.matches(&platform), expected, "{given} vs {platform:?}");
        }
    }

    #[test]
    fn bad_spellings_are_refused() {
        for bad in ["", "linux", "linux/", "/amd64", "a/b/c/d", "linux/amd 64"] {
            assert!(PlatformSpec::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Selection::parse(Some("all"), false).is_err());
        assert_eq!(Selection::parse(Some("all"), true).unwrap(), Selection::All);
        assert_eq!(Selection::parse(None, false).unwrap(), Selection::Default);
    }

    #[test]
    fn shown_as_written_and_normalized() {
        assert_eq!(display(&entry("linux", "arm", "v7")), "linux/arm/v7");
        assert_eq!(display(&entry("linux", "amd64", "")), "linux/amd64");
        assert_eq!(
            PlatformSpec::parse("linux/aarch64").unwrap().to_string(),
            "linux/arm64"
        );
    }
}
