//! Parsing the `--image PATH[:TAG]` and `--layout PATH` arguments.

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
    /// Splits `PATH[:TAG]` at the first `:`; the tag defaults to `latest` and
    /// must follow the OCI reference-name grammar.
    pub fn parse(arg: &str) -> Result<Self> {
        let (path, tag) = arg.split_once(':').unwrap_or((arg, DEFAULT_TAG));
        if path.is_empty() {
            return Err(bad("--image", "path is empty".into()));
        }
        validate_tag("--image", tag)?;
        Ok(ImageRef {
            layout: PathBuf::from(path),
            tag: tag.to_owned(),
        })
    }
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
pub fn parse_layout(arg: &str) -> Result<PathBuf> {
    if arg.contains(':') {
        return Err(bad(
            "--layout",
            format!("path contains ':' character: '{arg}'"),
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
            let r = ImageRef::parse(arg).unwrap();
            assert_eq!(
                (r.layout.to_str().unwrap(), r.tag.as_str()),
                (*path, *tag),
                "{arg}"
            );
        }
        for bad in ["", ":tag", "img:", "img:.AZ94n18s", "img:a b"] {
            assert!(ImageRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn layout_table() {
        assert!(parse_layout("dir").is_ok());
        assert!(parse_layout("").is_err());
        assert!(parse_layout("a:b").is_err());
    }
}
