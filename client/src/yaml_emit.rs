//! `yaml.safe_dump(value, default_flow_style=False)`, byte for byte.
//!
//! Exasol's confd_client prints results with PyYAML, and scripts parse that text, so we port
//! the parts of PyYAML's `Emitter` (`yaml/emitter.py`) that a JSON-shaped value can reach:
//! block collections, empty collections in flow style, the three scalar styles with their
//! line folding at 80 columns, and complex (`? `) keys. Method names and the order of
//! checks follow the Python source so the two can be compared side by side; the state
//! machine is replaced by recursion. Defaults of `safe_dump`: indent 2, width 80,
//! `allow_unicode=False` (non-ASCII is escaped in double quotes), keys sorted.
//!
//! One deliberate difference: PyYAML ends a document whose root is a plain scalar with
//! `...`; Exasol's client prints bare scalars (`running`), so we never write that marker.

use serde_json::Value;

use crate::yaml_scalar::{analyze_scalar, is_break, represent};

const BEST_INDENT: usize = 2;
const BEST_WIDTH: usize = 80;

pub fn safe_dump(value: &Value) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: None,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        mapping_context: false,
        simple_key_context: false,
    };
    e.expect_node(value, false, false);
    // expect_document_end
    e.write_indent();
    e.out
}

struct Emitter {
    out: String,
    column: usize,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    whitespace: bool,
    indention: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

enum Style {
    Plain,
    Single,
    Double,
}

impl Emitter {
    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None if flow => Some(BEST_INDENT),
            None => Some(0),
            Some(i) if !indentless => Some(i + BEST_INDENT),
            Some(i) => Some(i),
        };
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    fn write(&mut self, data: &str) {
        self.column += data.chars().count();
        self.out.push_str(data);
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        if !self.whitespace && need_whitespace {
            self.write(" ");
        }
        self.write(indicator);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.write(&pad);
        }
    }

    fn write_line_break(&mut self) {
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
        self.out.push('\n');
    }

    fn expect_node(&mut self, value: &Value, mapping: bool, simple_key: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match value {
            Value::Array(items) if items.is_empty() => self.expect_empty_flow("[", "]"),
            Value::Object(map) if map.is_empty() => self.expect_empty_flow("{", "}"),
            Value::Array(items) => self.expect_block_sequence(items),
            Value::Object(map) => self.expect_block_mapping(map),
            scalar => {
                self.increase_indent(true, false);
                self.process_scalar(scalar);
                self.pop_indent();
            }
        }
    }

    fn expect_empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn expect_block_sequence(&mut self, items: &[Value]) {
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.expect_node(item, false, false);
        }
        self.pop_indent();
    }

    fn expect_block_mapping(&mut self, map: &serde_json::Map<String, Value>) {
        self.increase_indent(false, false);
        // sort_keys=True; Python compares str by code point, as Rust compares UTF-8 bytes.
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        for key in keys {
            let value = &map[key];
            self.write_indent();
            let chars: Vec<char> = key.chars().collect();
            let a = analyze_scalar(&chars);
            let simple = chars.len() < 128 && !a.empty && !a.multiline;
            let key_value = Value::String(key.clone());
            if simple {
                self.expect_node(&key_value, true, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.expect_node(&key_value, true, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.expect_node(value, true, false);
        }
        self.pop_indent();
    }

    fn process_scalar(&mut self, value: &Value) {
        let (text, implicit) = represent(value);
        let chars: Vec<char> = text.chars().collect();
        let a = analyze_scalar(&chars);
        let style = if implicit
            && !(self.simple_key_context && (a.empty || a.multiline))
            && a.allow_block_plain
        {
            Style::Plain
        } else if a.allow_single_quoted && !(self.simple_key_context && a.multiline) {
            Style::Single
        } else {
            Style::Double
        };
        let split = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(&chars, split),
            Style::Single => self.write_single_quoted(&chars, split),
            Style::Double => self.write_double_quoted(&chars, split),
        }
    }

    fn write_plain(&mut self, text: &[char], split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > BEST_WIDTH && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.write(&text[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if breaks {
                // Unreachable in practice: analyze_scalar never allows plain with breaks.
                if !ch.is_some_and(is_break) {
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c)) {
                self.write(&text[start..end].iter().collect::<String>());
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
    }

    fn write_single_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > BEST_WIDTH
                        && split
                        && start != 0
                        && end != text.len()
                    {
                        self.write_indent();
                    } else {
                        self.write(&text[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    if text[start] == '\n' {
                        self.write_line_break();
                    }
                    for _ in start..end {
                        // Only '\n' can get here: other breaks are non-ASCII, hence "special",
                        // hence double-quoted.
                        self.write_line_break();
                    }
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || is_break(c)) && start < end {
                self.write(&text[start..end].iter().collect::<String>());
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("\"", true, false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            let needs_escape = ch.is_none_or(|c| {
                "\"\\\u{85}\u{2028}\u{2029}\u{feff}".contains(c) || !(' '..='~').contains(&c)
            });
            if needs_escape {
                if start < end {
                    self.write(&text[start..end].iter().collect::<String>());
                    start = end;
                }
                if let Some(c) = ch {
                    let data = match c {
                        '\0' => "\\0".to_string(),
                        '\x07' => "\\a".into(),
                        '\x08' => "\\b".into(),
                        '\t' => "\\t".into(),
                        '\n' => "\\n".into(),
                        '\x0b' => "\\v".into(),
                        '\x0c' => "\\f".into(),
                        '\r' => "\\r".into(),
                        '\x1b' => "\\e".into(),
                        '"' => "\\\"".into(),
                        '\\' => "\\\\".into(),
                        '\u{85}' => "\\N".into(),
                        '\u{a0}' => "\\_".into(),
                        '\u{2028}' => "\\L".into(),
                        '\u{2029}' => "\\P".into(),
                        c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                        c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                        c => format!("\\U{:08X}", c as u32),
                    };
                    self.write(&data);
                    start = end + 1;
                }
            }
            if 0 < end
                && end + 1 < text.len()
                && (ch == Some(' ') || start >= end)
                && self.column + end.saturating_sub(start) > BEST_WIDTH
                && split
            {
                let mut data: String = text[start.min(end)..end].iter().collect();
                data.push('\\');
                if start < end {
                    start = end;
                }
                self.write(&data);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if text.get(start) == Some(&' ') {
                    self.write("\\");
                }
            }
        }
        self.write_indicator("\"", false, false, false);
    }
}

#[cfg(test)]
#[path = "yaml_emit_tests.rs"]
mod tests;
