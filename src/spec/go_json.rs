//! JSON encoding that matches Go's `encoding/json`, which upstream umoci uses
//! for every blob and for `index.json`.
//!
//! Matching it byte for byte means that the same edit made by this tool and by
//! upstream produces the same blob digests, and that our output is
//! deterministic: struct fields in declaration order, map keys sorted (our
//! models use `BTreeMap`), `<`, `>`, `&`, U+2028 and U+2029 escaped as
//! `\u003c`-style sequences, and a trailing newline as `json.Encoder` writes.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// A `serde_json` formatter producing Go's compact, HTML-safe output.
#[derive(Debug, Default, Clone, Copy)]
pub struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (idx, ch) in fragment.char_indices() {
            let escape = match ch {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            w.write_all(&fragment.as_bytes()[start..idx])?;
            w.write_all(escape.as_bytes())?;
            start = idx + ch.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

/// Encodes `value` as Go's `json.NewEncoder(w).Encode(value)` would: compact,
/// HTML-escaped, followed by a newline.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    value.serialize(&mut ser)?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[test]
    fn escapes_like_go() {
        let mut m = BTreeMap::new();
        m.insert("b", "<a&b>\u{2028}\n\t\"é");
        m.insert("a", "x");
        let out = String::from_utf8(super::to_vec(&m).unwrap()).unwrap();
        assert_eq!(
            out,
            "{\"a\":\"x\",\"b\":\"\\u003ca\\u0026b\\u003e\\u2028\\n\\t\\\"é\"}\n"
        );
    }
}
