//! Archive paths as components inside a root.
//!
//! Layers name entries with arbitrary bytes: `./a`, `/a`, `a/../../b`. Like
//! upstream's `CleanPath`, a path is cleaned lexically as if it were rooted
//! at `/`, so `..` can never climb above the root; symlinks are dealt with
//! later, by resolving inside the root.

use std::cmp::Ordering;
use std::fmt;

/// A cleaned path relative to a root: no empty, `.` or `..` components.
/// The empty path is the root itself.
///
/// Held as the components joined by `/` in one buffer: a path `d` levels
/// deep costs about `2d` bytes rather than `d` allocations, which is what
/// keeps a walk of a very deep tree (every level holding its own path)
/// within bounded memory.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct RelPath {
    /// Components joined by `/`; empty for the root.
    bytes: Vec<u8>,
}

impl RelPath {
    /// Cleans `raw` lexically, clamping `..` at the root.
    pub fn clean(raw: &[u8]) -> Self {
        let mut path = RelPath::root();
        for part in raw.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    path.pop();
                }
                name => path.push(name),
            }
        }
        path
    }

    /// A path from components; any that are not plain names (empty, `.`,
    /// `..`, or holding a `/`) are cleaned as [`RelPath::clean`] would.
    pub fn from_components(components: Vec<Vec<u8>>) -> Self {
        RelPath::clean(&components.join(&b'/'))
    }

    /// The root itself.
    pub fn root() -> Self {
        RelPath::default()
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The components, outermost first.
    pub fn components(&self) -> impl DoubleEndedIterator<Item = &[u8]> + Clone + '_ {
        self.bytes.split(|&b| b == b'/').filter(|c| !c.is_empty())
    }

    /// How many components there are (0 for the root).
    pub fn depth(&self) -> usize {
        if self.bytes.is_empty() {
            0
        } else {
            self.bytes.iter().filter(|&&b| b == b'/').count() + 1
        }
    }

    /// The parent directory and the final name; `None` for the root.
    pub fn split_last(&self) -> Option<(RelPath, &[u8])> {
        if self.bytes.is_empty() {
            return None;
        }
        Some(match self.bytes.iter().rposition(|&b| b == b'/') {
            Some(i) => (
                RelPath {
                    bytes: self.bytes[..i].to_vec(),
                },
                &self.bytes[i + 1..],
            ),
            None => (RelPath::root(), &self.bytes[..]),
        })
    }

    /// This path with `name` appended (`name` must be one component).
    pub fn join(&self, name: &[u8]) -> Self {
        let mut path = RelPath {
            bytes: Vec::with_capacity(self.bytes.len() + 1 + name.len()),
        };
        path.bytes.extend_from_slice(&self.bytes);
        path.push(name);
        path
    }

    fn push(&mut self, name: &[u8]) {
        if !self.bytes.is_empty() {
            self.bytes.push(b'/');
        }
        self.bytes.extend_from_slice(name);
    }

    fn pop(&mut self) {
        let keep = self.bytes.iter().rposition(|&b| b == b'/').unwrap_or(0);
        self.bytes.truncate(keep);
    }

    /// The parent; the root is its own parent.
    pub fn parent(&self) -> RelPath {
        self.split_last().map(|(p, _)| p).unwrap_or_default()
    }

    /// Whether `self` is `other` or lies beneath it.
    pub fn starts_with(&self, other: &RelPath) -> bool {
        other.bytes.is_empty()
            || (self.bytes.starts_with(&other.bytes)
                && (self.bytes.len() == other.bytes.len() || self.bytes[other.bytes.len()] == b'/'))
    }

    /// The path as bytes, components joined by `/` (`.` for the root).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    /// The path as bytes, components joined by `/` (`.` for the root).
    /// Sorting by these bytes is go-mtree's path order, which upstream
    /// writes a layer's changes in.
    pub fn as_bytes(&self) -> &[u8] {
        if self.bytes.is_empty() {
            return b".";
        }
        &self.bytes
    }

    /// Every ancestor including the root, nearest last, excluding `self`.
    pub fn ancestors(&self) -> impl Iterator<Item = RelPath> + '_ {
        let ends = self
            .bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'/')
            .map(|(i, _)| i);
        let root = (!self.bytes.is_empty()).then(RelPath::root);
        root.into_iter().chain(ends.map(|end| RelPath {
            bytes: self.bytes[..end].to_vec(),
        }))
    }
}

/// Component by component, as a list of names compares: `a/b` sorts
/// before `a-c` (because `a` < `a-c`), where plain bytes would not.
impl Ord for RelPath {
    fn cmp(&self, other: &Self) -> Ordering {
        let key = |b: &u8| if *b == b'/' { 0 } else { *b };
        self.bytes.iter().map(key).cmp(other.bytes.iter().map(key))
    }
}

impl PartialOrd for RelPath {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
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
        assert!(RelPath::root().ancestors().next().is_none());
        assert_eq!(p.depth(), 3);
        assert_eq!(p.components().collect::<Vec<_>>(), [b"a", b"b", b"c"]);
        let mut sorted = [
            RelPath::clean(b"a-c"),
            RelPath::clean(b"a/b"),
            RelPath::clean(b"a"),
            RelPath::root(),
        ];
        sorted.sort();
        let sorted: Vec<Vec<u8>> = sorted.iter().map(|p| p.to_bytes()).collect();
        assert_eq!(sorted, [&b"."[..], b"a", b"a/b", b"a-c"]);
        assert_eq!(
            ancestors,
            vec![b".".to_vec(), b"a".to_vec(), b"a/b".to_vec()]
        );
        assert!(RelPath::root().split_last().is_none());
        assert!(p.starts_with(&RelPath::clean(b"a")));
        assert!(!p.starts_with(&RelPath::clean(b"ab")));
    }
}
