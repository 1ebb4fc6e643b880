//! Values from a request shown back in a message: at most [`MAX_SHOWN`] characters, the
//! rest replaced by an ellipsis and the length, and control characters escaped as
//! `\u0000`, so an answer stays small and well-formed XML whatever was sent.

use std::fmt::{self, Display};

/// Characters of a request value a message shows.
pub const MAX_SHOWN: usize = 100;

/// A request value as messages show it.
pub struct Shown<'a>(pub &'a str);

impl Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_capped(f, self.0, MAX_SHOWN)
    }
}

/// `value` as messages show it.
pub fn shown(value: &str) -> String {
    Shown(value).to_string()
}

/// A whole message bounded to `max` characters, control characters escaped: the last
/// guard before a message leaves the daemon or is stored.
pub fn capped(text: &str, max: usize) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_capped(&mut out, text, max);
    out
}

fn write_capped(out: &mut impl fmt::Write, text: &str, max: usize) -> fmt::Result {
    for (count, c) in text.chars().enumerate() {
        if count == max {
            let total = text.chars().count();
            return write!(out, "… ({total} characters)");
        }
        write_escaped(out, c)?;
    }
    Ok(())
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

fn write_escaped(out: &mut impl fmt::Write, c: char) -> fmt::Result {
    if needs_escape(c) {
        write!(out, "\\u{:04x}", u32::from(c))
    } else {
        out.write_char(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_with_their_length() {
        let long = "j".repeat(1 << 20);
        let s = shown(&long);
        assert_eq!(s, format!("{}… (1048576 characters)", "j".repeat(100)));
        assert_eq!(shown("MY_DATABASE"), "MY_DATABASE");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(shown("A\0B\x1b"), "A\\u0000B\\u001b");
        assert_eq!(capped("a\x01\nb\tc", 10), "a\\u0001\nb\tc");
        assert_eq!(capped("abcdef", 3), "abc… (6 characters)");
    }
}
