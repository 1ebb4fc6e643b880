//! Scalars for `yaml_emit`: how `SafeRepresenter` turns a JSON scalar into text, and
//! PyYAML's `Emitter.analyze_scalar`, which decides the styles that text may be written in.

use serde_json::Value;

use crate::render::py_float_repr;
use crate::yaml11;

/// PyYAML's `ScalarAnalysis`, reduced to the fields block context uses.
pub struct Analysis {
    pub empty: bool,
    pub multiline: bool,
    pub allow_block_plain: bool,
    pub allow_single_quoted: bool,
}

/// How a JSON scalar is represented (`SafeRepresenter`): its text, and whether that text
/// would resolve back to the same type when written plain (`implicit[0]`).
pub fn represent(value: &Value) -> (String, bool) {
    match value {
        Value::Null => ("null".into(), true),
        Value::Bool(b) => (if *b { "true" } else { "false" }.into(), true),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => (i.to_string(), true),
            (None, Some(u), _) => (u.to_string(), true),
            (_, _, Some(f)) => (yaml_float(f), true),
            _ => (n.to_string(), true),
        },
        Value::String(s) => (s.clone(), yaml11::resolve(s) == yaml11::Kind::Str),
        Value::Array(_) | Value::Object(_) => (String::new(), true),
    }
}

/// `SafeRepresenter.represent_float`.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let v = py_float_repr(f).to_lowercase();
    // PyYAML inserts `.0` so that `1e+17` does not read back as a string.
    match v.find('e') {
        Some(pos) if !v.contains('.') => format!("{}.0{}", &v[..pos], &v[pos..]),
        _ => v,
    }
}

pub fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_ws(c: Option<char>) -> bool {
    matches!(
        c,
        None | Some('\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
    )
}

pub fn analyze_scalar(text: &[char]) -> Analysis {
    if text.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let (mut block_indicators, mut line_breaks, mut special_characters) = (false, false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let starts = |p: &str| text.iter().take(3).copied().eq(p.chars());
    if starts("---") || starts("...") {
        block_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = is_ws(text.get(1).copied());
    let (mut previous_space, mut previous_break) = (false, false);
    let last = text.len() - 1;
    for (index, &ch) in text.iter().enumerate() {
        if index == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                block_indicators = true;
            }
            if "?:".contains(ch) && followed_by_whitespace {
                block_indicators = true;
            }
            if ch == '-' && followed_by_whitespace {
                block_indicators = true;
            }
        } else if (ch == ':' && followed_by_whitespace) || (ch == '#' && preceded_by_whitespace) {
            block_indicators = true;
        }
        if is_break(ch) {
            line_breaks = true;
        }
        // allow_unicode=False: everything outside printable ASCII is "special".
        if !(ch == '\n' || (' '..='~').contains(&ch)) {
            special_characters = true;
        }
        if ch == ' ' {
            leading_space |= index == 0;
            trailing_space |= index == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            leading_break |= index == 0;
            trailing_break |= index == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_ws(Some(ch));
        followed_by_whitespace = is_ws(text.get(index + 2).copied());
    }
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        allow_block_plain = false;
    }
    if break_space {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if space_break || special_characters {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if line_breaks || block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        empty: false,
        multiline: line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}
