//! Reading go-mtree manifests: `/set` and `/unset` defaults, relative
//! entries that nest under directories until `..`, and full-path entries.

use std::collections::BTreeMap;

use super::error::{LineError, MtreeError};
use super::vis::unvis;

/// One manifest entry: its path from the root (`.` for the root) and its
/// keywords, defaults merged in, xattrs as `xattr.NAME` keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Path components from the root, unescaped.
    pub path: Vec<Vec<u8>>,
    /// Keyword to value.
    pub keywords: BTreeMap<String, String>,
}

impl ManifestEntry {
    /// The path joined with `/` (`.` for the root).
    pub fn path_bytes(&self) -> Vec<u8> {
        if self.path.is_empty() {
            b".".to_vec()
        } else {
            self.path.join(&b'/')
        }
    }

    /// Whether the entry is a directory.
    pub fn is_dir(&self) -> bool {
        self.keywords.get("type").map(String::as_str) == Some("dir")
    }
}

/// A parsed manifest: its entries in file order, and the keywords its
/// header lists (empty if it has none).
#[derive(Debug, Default)]
pub struct Manifest {
    /// Entries in order.
    pub entries: Vec<ManifestEntry>,
    /// The `# keywords:` header.
    pub keywords: Vec<String>,
}

/// Parses manifest text; errors name the line.
pub fn parse(text: &str) -> Result<Manifest, MtreeError> {
    let mut reader = ManifestReader::new(text.as_bytes());
    let mut entries = Vec::new();
    while let Some(entry) = reader.next_entry()? {
        entries.push(entry);
    }
    Ok(Manifest {
        entries,
        keywords: reader.keywords,
    })
}

/// The longest manifest line read: an entry's escaped name and its xattrs
/// (each value at most 64 KiB, base64 encoded) fit many times over; a file
/// that is one endless line does not fill memory.
const MAX_LINE: u64 = 16 << 20;

/// Reads a manifest entry by entry, so a manifest of millions of entries is
/// never held whole.
pub struct ManifestReader<R> {
    input: R,
    line: String,
    lineno: usize,
    set: BTreeMap<String, String>,
    cwd: Vec<Vec<u8>>,
    at_root: bool,
    /// The `# keywords:` header, once it has been read.
    pub keywords: Vec<String>,
    /// Entries carry only their `type` (a pass that needs only paths and
    /// kinds skips copying every other keyword).
    types_only: bool,
}

impl<R: std::io::BufRead> ManifestReader<R> {
    /// A reader of the manifest text in `input`.
    pub fn new(input: R) -> Self {
        ManifestReader {
            input,
            line: String::new(),
            lineno: 0,
            set: BTreeMap::new(),
            cwd: Vec::new(),
            at_root: false,
            keywords: Vec::new(),
            types_only: false,
        }
    }

    /// A reader whose entries carry only their `type` keyword.
    pub fn types_only(input: R) -> Self {
        ManifestReader {
            types_only: true,
            ..Self::new(input)
        }
    }

    /// The next entry, or `None` at the end; errors name the line.
    pub fn next_entry(&mut self) -> Result<Option<ManifestEntry>, MtreeError> {
        loop {
            self.line.clear();
            let n = crate::fs::file::read_line_capped(&mut self.input, &mut self.line, MAX_LINE)
                .map_err(|e| MtreeError {
                    line: self.lineno + 1,
                    reason: LineError::Read(e),
                })?;
            if n == 0 {
                return Ok(None);
            }
            self.lineno += 1;
            let line = std::mem::take(&mut self.line);
            let entry = self.parse_line(line.trim());
            self.line = line;
            let entry = entry.map_err(|reason| MtreeError {
                line: self.lineno,
                reason,
            })?;
            if let Some(entry) = entry {
                return Ok(Some(entry));
            }
        }
    }

    fn parse_line(&mut self, line: &str) -> Result<Option<ManifestEntry>, LineError> {
        if line.is_empty() {
            return Ok(None);
        }
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(kws) = comment.trim().strip_prefix("keywords:") {
                self.keywords = kws
                    .trim()
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            return Ok(None);
        }
        let mut fields = line.split_whitespace();
        let name = fields.next().unwrap_or_default();
        let pairs = fields.map(|kv| kv.split_once('=').unwrap_or((kv, "")));
        let owned = |(k, v): (&str, &str)| (k.to_owned(), v.to_owned());
        match name {
            "/set" => self.set.extend(pairs.map(owned)),
            "/unset" => {
                for (k, _) in pairs {
                    if k == "all" {
                        self.set.clear();
                    } else {
                        self.set.remove(k);
                    }
                }
            }
            ".." => {
                if self.cwd.pop().is_none() {
                    if !self.at_root {
                        return Err(LineError::AboveRoot);
                    }
                    self.at_root = false;
                }
            }
            _ if self.types_only => {
                let mut keywords = BTreeMap::new();
                let own = pairs.rev().find(|(k, _)| *k == "type");
                if let Some(v) = own
                    .map(|(_, v)| v)
                    .or(self.set.get("type").map(String::as_str))
                {
                    keywords.insert("type".to_owned(), v.to_owned());
                }
                return self.entry(name, keywords);
            }
            _ => {
                let mut keywords = self.set.clone();
                keywords.extend(pairs.map(owned));
                return self.entry(name, keywords);
            }
        }
        Ok(None)
    }

    /// The entry named `name` (as written) with `keywords`.
    fn entry(
        &mut self,
        name: &str,
        keywords: BTreeMap<String, String>,
    ) -> Result<Option<ManifestEntry>, LineError> {
        // Every manifest go-mtree or we write gives each entry a
        // type (directly or through `/set`). A file without them is
        // not a manifest (a link to `/etc/shadow`, say), and its
        // lines must not become paths; the error quotes none of it.
        if !keywords.contains_key("type") {
            return Err(LineError::NoType);
        }
        let decoded = unvis(name)?;
        let is_dir = keywords.get("type").map(String::as_str) == Some("dir");
        let path = if decoded.contains(&b'/') {
            // A full path from the root; does not change directory.
            decoded
                .split(|&b| b == b'/')
                .filter(|c| !c.is_empty() && *c != b".")
                .map(<[u8]>::to_vec)
                .collect()
        } else if decoded == b"." {
            self.at_root = true;
            Vec::new()
        } else {
            if is_dir && self.cwd.len() >= crate::mtree::walk::MAX_TREE_DEPTH {
                // No tree that deep can be walked; and every entry
                // below would cost its depth again.
                return Err(LineError::TooDeep(crate::mtree::walk::MAX_TREE_DEPTH));
            }
            let mut p = self.cwd.clone();
            p.push(decoded.clone());
            if is_dir {
                self.cwd.push(decoded);
            }
            p
        };
        Ok(Some(ManifestEntry { path, keywords }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "#      keywords: size,type,uid\n\n# .\n/set type=file nlink=1 mode=0664 uid=0 gid=0\n. size=4096 type=dir mode=0755 nlink=3\n    a\\040b size=3 mode=0644\n\n# d\nd size=4096 type=dir mode=0750 nlink=2\n    f size=1\n..\n..\n";

    #[test]
    fn nests_entries_and_merges_defaults() {
        let m = parse(SAMPLE).unwrap();
        assert_eq!(m.keywords, ["size", "type", "uid"]);
        let paths: Vec<Vec<u8>> = m.entries.iter().map(|e| e.path_bytes()).collect();
        assert_eq!(
            paths,
            vec![
                b".".to_vec(),
                b"a b".to_vec(),
                b"d".to_vec(),
                b"d/f".to_vec()
            ]
        );
        assert_eq!(m.entries[1].keywords["mode"], "0644");
        assert_eq!(m.entries[1].keywords["type"], "file");
        assert_eq!(m.entries[3].keywords["uid"], "0");
        assert!(m.entries[2].is_dir());
    }

    #[test]
    fn a_types_only_reader_gives_the_same_paths_and_types() {
        let full = parse(SAMPLE).unwrap();
        let mut reader = ManifestReader::types_only(SAMPLE.as_bytes());
        let mut light = Vec::new();
        while let Some(entry) = reader.next_entry().unwrap() {
            light.push(entry);
        }
        assert_eq!(light.len(), full.entries.len());
        for (l, f) in light.iter().zip(&full.entries) {
            assert_eq!(l.path, f.path);
            assert_eq!(l.keywords.get("type"), f.keywords.get("type"));
            assert_eq!(l.keywords.len(), 1);
        }
    }

    #[test]
    fn rejects_lines_that_are_not_entries() {
        let err = parse("root:$6$hash:19000:0:99999:7:::\n")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hash"), "{err}");
    }

    #[test]
    fn rejects_bad_escapes() {
        assert!(parse(". type=dir\n    bad\\ size=1\n").is_err());
    }
}
