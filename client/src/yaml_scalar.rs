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
    allowed_styles(&scan_scalar(text))
}

/// What PyYAML's pass over the text notes (the flags `analyze_scalar` keeps).
#[derive(Default)]
struct Findings {
    block_indicators: bool,
    line_breaks: bool,
    special_characters: bool,
    leading_space: bool,
    leading_break: bool,
    trailing_space: bool,
    trailing_break: bool,
    break_space: bool,
    space_break: bool,
}

/// The pass over a non-empty `text`.
fn scan_scalar(text: &[char]) -> Findings {
    let mut found = Findings::default();
    let starts = |p: &str| text.iter().take(3).copied().eq(p.chars());
    if starts("---") || starts("...") {
        found.block_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = is_ws(text.get(1).copied());
    let (mut previous_space, mut previous_break) = (false, false);
    let last = text.len() - 1;
    for (index, &ch) in text.iter().enumerate() {
        if is_indicator(index, ch, preceded_by_whitespace, followed_by_whitespace) {
            found.block_indicators = true;
        }
        if is_break(ch) {
            found.line_breaks = true;
        }
        // allow_unicode=False: everything outside printable ASCII is "special".
        if !(ch == '\n' || (' '..='~').contains(&ch)) {
            found.special_characters = true;
        }
        if ch == ' ' {
            found.leading_space |= index == 0;
            found.trailing_space |= index == last;
            found.break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            found.leading_break |= index == 0;
            found.trailing_break |= index == last;
            found.space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_ws(Some(ch));
        followed_by_whitespace = is_ws(text.get(index + 2).copied());
    }
    found
}

/// Whether `ch` at `index` is a YAML indicator that forbids the plain block style.
fn is_indicator(index: usize, ch: char, preceded_by_ws: bool, followed_by_ws: bool) -> bool {
    if index == 0 {
        "#,[]{}&*!|>'\"%@`".contains(ch)
            || ("?:".contains(ch) && followed_by_ws)
            || (ch == '-' && followed_by_ws)
    } else {
        (ch == ':' && followed_by_ws) || (ch == '#' && preceded_by_ws)
    }
}

/// PyYAML's decision from the findings.
fn allowed_styles(found: &Findings) -> Analysis {
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if found.leading_space || found.leading_break || found.trailing_space || found.trailing_break {
        allow_block_plain = false;
    }
    if found.break_space {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if found.space_break || found.special_characters {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if found.line_breaks || found.block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        empty: false,
        multiline: found.line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}
