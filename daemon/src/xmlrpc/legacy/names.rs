//! Python's `quote_plus` and its inverse, for database names in object paths
//! (`/cluster1/db_` + `quote_plus(name)`).

/// `quote_plus(text)`: letters, digits and `_.-~` stay, a space becomes `+`, every other
/// byte `%XX`.
pub fn quote_plus(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `unquote_plus(text)`; `None` when an escape is malformed or the bytes are not UTF-8.
pub fn unquote_plus(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_plus_round_trips_like_python() {
        assert_eq!(quote_plus("MY_DATABASE"), "MY_DATABASE");
        assert_eq!(quote_plus("my db/ä"), "my+db%2F%C3%A4");
        assert_eq!(unquote_plus("my+db%2F%C3%A4").as_deref(), Some("my db/ä"));
        assert_eq!(unquote_plus("%2"), None);
        assert_eq!(unquote_plus("%zz"), None);
    }
}
