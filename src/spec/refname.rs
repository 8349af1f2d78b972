//! The reference-name grammar of `org.opencontainers.image.ref.name`, which
//! every tag must follow:
//!
//! ```text
//! refname   ::= component ("/" component)*
//! component ::= alphanum (separator alphanum)*
//! alphanum  ::= [A-Za-z0-9]+
//! separator ::= [-._:@+] | "--"
//! ```

/// Whether `name` is a valid reference name (tag).
pub fn is_valid_ref_name(name: &str) -> bool {
    !name.is_empty() && name.split('/').all(is_valid_component)
}

fn is_valid_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let mut i = 0;
    // Alternate: alphanum run, then a separator, then an alphanum run, …
    loop {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i == start {
            return false; // empty alphanum run
        }
        if i == bytes.len() {
            return true;
        }
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => i += 2,
            b'-' | b'.' | b'_' | b':' | b'@' | b'+' => i += 1,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid_ref_name;

    #[test]
    fn grammar_table() {
        let cases: &[(&str, bool)] = &[
            ("latest", true),
            ("v1.0.0", true),
            ("a_b-c.d:e@f+g", true),
            ("a--b", true),
            ("repo/name:tag", true),
            ("3.14", true),
            ("", false),
            (".AZ94n18s", false),
            ("a---b", false),
            ("a..b", false),
            ("-a", false),
            ("a-", false),
            ("a/", false),
            ("/a", false),
            ("a//b", false),
            ("a b", false),
            ("ü", false),
            ("a\n", false),
        ];
        for (name, ok) in cases {
            assert_eq!(is_valid_ref_name(name), *ok, "{name:?}");
        }
    }
}
