//! Parsing the `--image PATH[:TAG]` and `--layout PATH` arguments.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::error::{ImageError, Result};
use crate::spec::is_valid_ref_name;

/// Tag used when `--image` names none.
pub const DEFAULT_TAG: &str = "latest";

/// A tagged image in a layout: `--image PATH[:TAG]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The layout directory.
    pub layout: PathBuf,
    /// The tag (reference name) within it.
    pub tag: String,
}

fn bad(flag: &'static str, reason: String) -> ImageError {
    ImageError::BadReference { flag, reason }
}

impl ImageRef {
    /// Splits `PATH[:TAG]` at the first `:`, as upstream 0.6.0 does; the
    /// tag defaults to `latest` and must follow the OCI reference-name
    /// grammar (which allows more `:`), and the path may hold any bytes.
    pub fn parse(arg: &OsStr) -> Result<Self> {
        let bytes = arg.as_bytes();
        let (path, tag) = match bytes.iter().position(|&b| b == b':') {
            Some(i) => (&bytes[..i], &bytes[i + 1..]),
            None => (bytes, DEFAULT_TAG.as_bytes()),
        };
        if path.is_empty() {
            return Err(bad("--image", "path is empty".into()));
        }
        let tag = String::from_utf8_lossy(tag).into_owned();
        let transport = String::from_utf8_lossy(path);
        if tag.starts_with("//") && REGISTRY_TRANSPORTS.contains(&transport.as_ref()) {
            // `docker://...` names an image in a registry, which umoci
            // never reads: say what to do instead (after upstream's
            // reason), the reference quoted for a shell.
            let reference = shell_quote(&format!("{transport}:{tag}"));
            return Err(bad(
                "--image",
                format!(
                    "tag contains invalid characters: '{tag}' (a registry reference, not an image layout: copy the image into one first, e.g. skopeo copy {reference} oci:image:latest, then use --image image:latest)"
                ),
            ));
        }
        validate_tag("--image", &tag)?;
        Ok(ImageRef {
            layout: PathBuf::from(OsStr::from_bytes(path)),
            tag,
        })
    }
}

/// skopeo's transports that name an image somewhere other than a layout
/// directory.
const REGISTRY_TRANSPORTS: &[&str] = &["docker", "docker-daemon", "containers-storage"];

/// `text` in single quotes, safe to paste into a shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Validates a tag given to `flag`.
pub fn validate_tag(flag: &'static str, tag: &str) -> Result<()> {
    if tag.is_empty() {
        return Err(bad(flag, "tag is empty".into()));
    }
    if !is_valid_ref_name(tag) {
        return Err(bad(
            flag,
            format!("tag contains invalid characters: '{tag}'"),
        ));
    }
    Ok(())
}

/// Validates a `--layout PATH` argument.
pub fn parse_layout(arg: &OsStr) -> Result<PathBuf> {
    if arg.as_bytes().contains(&b':') {
        return Err(bad(
            "--layout",
            format!("path contains ':' character: '{}'", arg.to_string_lossy()),
        ));
    }
    if arg.is_empty() {
        return Err(bad("--layout", "path is empty".into()));
    }
    Ok(PathBuf::from(arg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_table() {
        let ok: &[(&str, &str, &str)] = &[
            ("img", "img", "latest"),
            ("img:v1", "img", "v1"),
            ("/a/b:v1.0", "/a/b", "v1.0"),
            ("img:a:b", "img", "a:b"),
        ];
        for (arg, path, tag) in ok {
            let r = ImageRef::parse(OsStr::new(arg)).unwrap();
            assert_eq!(
                (r.layout.to_str().unwrap(), r.tag.as_str()),
                (*path, *tag),
                "{arg}"
            );
        }
        let err = ImageRef::parse(OsStr::new("docker://debian:12")).unwrap_err();
        assert!(err
            .to_string()
            .contains("skopeo copy 'docker://debian:12' oci:image:latest"));
        let err = ImageRef::parse(OsStr::new("docker://x/$(rm -rf ~)")).unwrap_err();
        assert!(
            err.to_string().contains("'docker://x/$(rm -rf ~)'"),
            "{err}"
        );
        let err = ImageRef::parse(OsStr::new("http://x/y")).unwrap_err();
        assert!(!err.to_string().contains("skopeo"), "{err}");
        for bad in ["", ":tag", "img:", "img:.AZ94n18s", "img:a b"] {
            assert!(ImageRef::parse(OsStr::new(bad)).is_err(), "{bad}");
        }
        let raw = ImageRef::parse(OsStr::from_bytes(b"dir\xff:v1")).unwrap();
        assert_eq!(raw.layout.as_os_str().as_bytes(), b"dir\xff");
    }

    #[test]
    fn layout_table() {
        assert!(parse_layout(OsStr::new("dir")).is_ok());
        assert!(parse_layout(OsStr::new("")).is_err());
        assert!(parse_layout(OsStr::new("a:b")).is_err());
        assert!(parse_layout(OsStr::from_bytes(b"\xff")).is_ok());
    }
}
