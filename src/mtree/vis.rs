//! go-mtree's string escaping: `vis(3)` with `VIS_WHITE | VIS_OCTAL |
//! VIS_GLOB`, byte by byte, and its inverse.

use super::error::UnvisError;

/// Escapes `raw`: printable ASCII except the glob characters `*?[#` passes
/// through, a backslash is doubled, everything else becomes `\ooo`.
pub fn vis(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for &b in raw {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'*' | b'?' | b'[' | b'#' => out.push_str(&format!("\\{b:03o}")),
            0x21..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out
}

/// Undoes `vis(3)` escaping (octal, C-style and meta forms).
pub fn unvis(text: &str) -> Result<Vec<u8>, UnvisError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let rest = &bytes[i + 1..];
        let Some(&c) = rest.first() else {
            return Err(UnvisError::TrailingBackslash(text.to_owned()));
        };
        match c {
            b'0'..=b'7' => {
                let digits = rest
                    .iter()
                    .take(3)
                    .take_while(|d| (b'0'..=b'7').contains(d))
                    .count();
                let value = rest[..digits]
                    .iter()
                    .fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
                out.push(u8::try_from(value).map_err(|_| UnvisError::Octal(text.to_owned()))?);
                i += 1 + digits;
                continue;
            }
            b'\\' => out.push(b'\\'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'b' => out.push(0x08),
            b'a' => out.push(0x07),
            b'v' => out.push(0x0b),
            b't' => out.push(b'\t'),
            b'f' => out.push(0x0c),
            b's' => out.push(b' '),
            b'E' => out.push(0x1b),
            b'M' => {
                // \M-c (meta) or \M^c (meta control).
                let (kind, ch) = (rest.get(1).copied(), rest.get(2).copied());
                match (kind, ch) {
                    (Some(b'-'), Some(ch)) => out.push(ch | 0x80),
                    (Some(b'^'), Some(b'?')) => out.push(0x7f | 0x80),
                    (Some(b'^'), Some(ch)) => out.push((ch & 0x1f) | 0x80),
                    _ => return Err(UnvisError::Meta(text.to_owned())),
                }
                i += 4;
                continue;
            }
            b'^' => {
                let ch = rest
                    .get(1)
                    .copied()
                    .ok_or_else(|| UnvisError::Control(text.to_owned()))?;
                out.push(if ch == b'?' { 0x7f } else { ch & 0x1f });
                i += 3;
                continue;
            }
            _ => {
                return Err(UnvisError::Unknown {
                    escape: c as char,
                    text: text.to_owned(),
                })
            }
        }
        i += 2;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go_mtree() {
        assert_eq!(vis(b"plain-name_1.txt"), "plain-name_1.txt");
        assert_eq!(vis(b"with space"), "with\\040space");
        assert_eq!(vis(b"glob*?[#"), "glob\\052\\077\\133\\043");
        assert_eq!(vis(b"back\\slash"), "back\\\\slash");
        assert_eq!(vis("Raíz".as_bytes()), "Ra\\303\\255z");
        assert_eq!(vis(b"\n\t\x7f\xff"), "\\012\\011\\177\\377");
    }

    #[test]
    fn round_trips_every_byte() {
        let all: Vec<u8> = (0..=255u8).collect();
        assert_eq!(unvis(&vis(&all)).unwrap(), all);
        assert_eq!(unvis("a\\sb\\M-a").unwrap(), b"a b\xe1");
        assert!(unvis("bad\\").is_err());
    }
}
