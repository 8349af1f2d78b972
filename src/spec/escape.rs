//! Image-controlled text made safe for a terminal or a log: tag names,
//! user names, `Env` entries and tar header bytes can hold escape
//! sequences and newlines, and printing them raw lets an image rewrite
//! what the user sees (a tag `a\nfake` lists as two tags).
//!
//! Control characters (C0, DEL, C1), and the bytes of invalid UTF-8, are
//! written as Go's `strconv.Quote` writes them (`\n`, `\x1b`, `\u0085`); a
//! backslash is doubled only when something else needed escaping, so that
//! every valid name prints unchanged.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with its non-printable characters escaped.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

/// `bytes` as text with non-printable characters and invalid UTF-8
/// escaped.
pub fn printable_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => printable(s),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                for c in chunk.valid().chars() {
                    push_char(&mut out, c);
                }
                for b in chunk.invalid() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            Cow::Owned(out)
        }
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\\' => out.push_str("\\\\"),
        c if (c as u32) < 0x80 && needs_escape(c) => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if needs_escape(c) => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_keeps_names() {
        let cases: &[(&[u8], &str)] = &[
            (b"latest", "latest"),
            (b"v1.0_rc-2", "v1.0_rc-2"),
            ("caf\u{e9}".as_bytes(), "caf\u{e9}"),
            (b"a\\b", "a\\b"),
            (b"a\nfake", "a\\nfake"),
            (b"\x1b[2J\\", "\\x1b[2J\\\\"),
            (b"bad\xffutf8", "bad\\xffutf8"),
            ("\u{85}x".as_bytes(), "\\u0085x"),
            ("\u{202e}rtl".as_bytes(), "\\u202ertl"),
        ];
        for (raw, want) in cases {
            assert_eq!(printable_bytes(raw), *want);
        }
    }
}
