//! Small text-formatting routines of Go's standard library and of
//! docker/go-units that upstream's `stat` output depends on: `strconv.Quote`,
//! `units.HumanSize` and `text/tabwriter` alignment.

/// Whether Go's `unicode.IsPrint` would call `c` printable (letters, marks,
/// numbers, punctuation, symbols and the ASCII space). Rust has no general
/// category table in std, so non-ASCII is approximated by excluding controls,
/// spaces other than U+0020, format characters and private-use code points.
fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
        || matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
        || matches!(c as u32, 0xFDD0..=0xFDEF)
        || (c as u32 & 0xFFFE) == 0xFFFE)
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Upstream's `quote`: the Go-quoted form only where needed to be
/// unambiguous; `precise` also quotes empty strings and ones with spaces.
pub fn quote(s: &str, precise: bool) -> String {
    let quoted = go_quote(s);
    let plain = quoted.len() == s.len() + 2;
    if !plain || (precise && (s.is_empty() || s.chars().any(char::is_whitespace))) {
        quoted
    } else {
        s.to_owned()
    }
}

/// Go's `fmt.Sprintf("%.4g", v)` for the non-negative values `human_size`
/// produces.
fn format_g4(v: f64) -> String {
    const PRECISION: i32 = 4;
    if v == 0.0 {
        return "0".to_owned();
    }
    let sci = format!("{:.*e}", (PRECISION - 1) as usize, v);
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("integer exponent");
    if !(-4..PRECISION).contains(&exp) {
        let mantissa = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let decimals = (PRECISION - 1 - exp).max(0) as usize;
    trim_fraction(&format!("{v:.decimals$}")).to_owned()
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// docker/go-units `HumanSize`: decimal units, four significant digits
/// (`134B`, `1.234kB`, `29.6MB`).
pub fn human_size(size: i64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut v = size as f64;
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    format!("{}{}", format_g4(v), UNITS[i])
}

/// Go's `tabwriter.NewWriter(w, 4, 2, 1, ' ', 0)` over rows whose cells are
/// all tab-terminated except the last: each column is as wide as its widest
/// cell plus one space (at least four), the last cell is not padded.
pub fn tabulate(rows: &[Vec<String>]) -> String {
    const MIN_WIDTH: usize = 4;
    const PADDING: usize = 1;
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![MIN_WIDTH; columns.saturating_sub(1)];
    for row in rows {
        for (j, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
            widths[j] = widths[j].max(cell.chars().count() + PADDING);
        }
    }
    let mut out = String::new();
    for row in rows {
        for (j, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if j + 1 < row.len() {
                let pad = widths[j] - cell.chars().count();
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_table() {
        let cases: &[(&str, bool, &str)] = &[
            ("plain", true, "plain"),
            ("", true, "\"\""),
            ("", false, ""),
            ("two words", true, "\"two words\""),
            ("two words", false, "two words"),
            ("tab\there", false, "\"tab\\there\""),
            ("quote\"", false, "\"quote\\\"\""),
            ("é", true, "é"),
            ("\u{7f}", false, "\"\\x7f\""),
            ("\u{85}", false, "\"\\u0085\""),
            ("\u{a0}", false, "\"\\u00a0\""),
        ];
        for (input, precise, want) in cases {
            assert_eq!(quote(input, *precise), *want, "{input:?}");
        }
    }

    #[test]
    fn human_size_table() {
        let cases: &[(i64, &str)] = &[
            (0, "0B"),
            (134, "134B"),
            (999, "999B"),
            (1000, "1kB"),
            (1234, "1.234kB"),
            (29_600_000, "29.6MB"),
            (123_456_789, "123.5MB"),
            (999_950, "1000kB"),
        ];
        for (size, want) in cases {
            assert_eq!(human_size(*size), *want, "{size}");
        }
    }

    #[test]
    fn tabulates_like_go() {
        let rows = vec![vec![
            "LAYER".into(),
            "CREATED".into(),
            "CREATED BY".into(),
            "SIZE".into(),
            "COMMENT".into(),
        ]];
        assert_eq!(tabulate(&rows), "LAYER CREATED CREATED BY SIZE COMMENT\n");
        let rows = vec![
            vec!["a".into(), "bb".into(), "c".into()],
            vec!["long cell".into(), "x".into(), "".into()],
        ];
        assert_eq!(tabulate(&rows), "a         bb  c\nlong cell x   \n");
    }
}
