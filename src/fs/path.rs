//! Archive paths as components inside a root.
//!
//! Layers name entries with arbitrary bytes: `./a`, `/a`, `a/../../b`. Like
//! upstream's `CleanPath`, a path is cleaned lexically as if it were rooted
//! at `/`, so `..` can never climb above the root; symlinks are dealt with
//! later, by resolving inside the root.

use std::fmt;

/// A cleaned path relative to a root: no empty, `.` or `..` components.
/// The empty path is the root itself.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RelPath {
    components: Vec<Vec<u8>>,
}

impl RelPath {
    /// Cleans `raw` lexically, clamping `..` at the root.
    pub fn clean(raw: &[u8]) -> Self {
        let mut components: Vec<Vec<u8>> = Vec::new();
        for part in raw.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    components.pop();
                }
                name => components.push(name.to_vec()),
            }
        }
        RelPath { components }
    }

    /// A path from components; any that are not plain names (empty, `.`,
    /// `..`, or holding a `/`) are cleaned as [`RelPath::clean`] would.
    pub fn from_components(components: Vec<Vec<u8>>) -> Self {
        let plain = |c: &Vec<u8>| !c.is_empty() && c != b"." && c != b".." && !c.contains(&b'/');
        if components.iter().all(plain) {
            RelPath { components }
        } else {
            RelPath::clean(&components.join(&b'/'))
        }
    }

    /// The root itself.
    pub fn root() -> Self {
        RelPath::default()
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.components.is_empty()
    }

    /// The components, outermost first.
    pub fn components(&self) -> &[Vec<u8>] {
        &self.components
    }

    /// The parent directory and the final name; `None` for the root.
    pub fn split_last(&self) -> Option<(RelPath, &[u8])> {
        let (last, rest) = self.components.split_last()?;
        Some((
            RelPath {
                components: rest.to_vec(),
            },
            last.as_slice(),
        ))
    }

    /// This path with `name` appended (`name` must be one component).
    pub fn join(&self, name: &[u8]) -> Self {
        let mut components = self.components.clone();
        components.push(name.to_vec());
        RelPath { components }
    }

    /// The parent; the root is its own parent.
    pub fn parent(&self) -> RelPath {
        self.split_last().map(|(p, _)| p).unwrap_or_default()
    }

    /// Whether `self` is `other` or lies beneath it.
    pub fn starts_with(&self, other: &RelPath) -> bool {
        self.components.starts_with(&other.components)
    }

    /// The path as bytes, components joined by `/` (`.` for the root).
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.components.is_empty() {
            return b".".to_vec();
        }
        self.components.join(&b'/')
    }

    /// Every ancestor including the root, nearest last, excluding `self`.
    pub fn ancestors(&self) -> impl Iterator<Item = RelPath> + '_ {
        (0..self.components.len()).map(|n| RelPath {
            components: self.components[..n].to_vec(),
        })
    }
}

impl fmt::Debug for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.to_bytes()))
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_never_climbs_above_the_root() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"a/b", b"a/b"),
            (b"./a/./b/", b"a/b"),
            (b"/etc/passwd", b"etc/passwd"),
            (b"../../etc/passwd", b"etc/passwd"),
            (b"a/../../b", b"b"),
            (b"a//b", b"a/b"),
            (b"..", b"."),
            (b"./", b"."),
            (b"", b"."),
            (b"a/\xff\xfe/c", b"a/\xff\xfe/c"),
        ];
        for (raw, want) in cases {
            assert_eq!(
                RelPath::clean(raw).to_bytes(),
                *want,
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn split_and_ancestors() {
        let p = RelPath::clean(b"a/b/c");
        let (parent, name) = p.split_last().unwrap();
        assert_eq!(parent.to_bytes(), b"a/b");
        assert_eq!(name, b"c");
        let ancestors: Vec<Vec<u8>> = p.ancestors().map(|a| a.to_bytes()).collect();
        assert_eq!(
            ancestors,
            vec![b".".to_vec(), b"a".to_vec(), b"a/b".to_vec()]
        );
        assert!(RelPath::root().split_last().is_none());
        assert!(p.starts_with(&RelPath::clean(b"a")));
        assert!(!p.starts_with(&RelPath::clean(b"ab")));
    }
}
