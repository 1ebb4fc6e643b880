//! Job parameters from the command line: `key: value` words, `-a YAML`, `-A JSON`.
//!
//! Exasol's client reads parameters with PyYAML's `safe_load`, i.e. YAML 1.1: `True`, `yes`
//! and `on` are booleans, `0755` is octal. yaml-rust2 follows YAML 1.2's core schema, so its
//! `Yaml` loader would disagree with PyYAML on exactly the inputs users type (`show_foreign:
//! True` works in both, `enabled: yes` would not). We therefore use only its event
//! `Parser`, which reports whether each scalar was plain or quoted, and resolve plain
//! scalars ourselves with PyYAML's table (`yaml11`). Quoted scalars stay strings, which is
//! how users force a string (`day: "'*'"`, spec 2.2).

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use crate::yaml11::{self, Kind};

/// Joins positional words into a YAML flow mapping (spec 2.2, design 5.3).
///
/// A word ending in `:` starts a key; the words up to the next key are its value, joined by
/// single spaces (the shell split them, YAML only needs them back in one line). A single
/// word starting with `{` is already the whole mapping.
pub fn words_to_yaml(words: &[String]) -> Result<String, String> {
    if let [only] = words
        && only.trim_start().starts_with('{')
    {
        return Ok(only.clone());
    }
    let mut pairs: Vec<(String, Vec<&str>)> = Vec::new();
    for word in words {
        if let Some(key) = word.strip_suffix(':')
            && !key.is_empty()
        {
            pairs.push((key.to_string(), Vec::new()));
        } else if let Some((_, value)) = pairs.last_mut() {
            value.push(word);
        } else {
            return Err(format!("parameter '{word}' has no key: write 'key: value'"));
        }
    }
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.join(" ")))
        .collect();
    Ok(format!("{{{}}}", body.join(", ")))
}

/// Parses a YAML document that must be a mapping (or empty, meaning no parameters).
pub fn parse_yaml_mapping(text: &str) -> Result<Map<String, Value>, String> {
    match parse_yaml(text)? {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(other) => Err(format!(
            "parameters must be a mapping ('key: value'), not {}",
            kind_name(&other)
        )),
    }
}

pub fn parse_json_mapping(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(other) => Err(format!(
            "JSON parameters must be an object, not {}",
            kind_name(&other)
        )),
        Err(e) => Err(format!("JSON parameters do not parse: {e}")),
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

enum Frame {
    Seq {
        anchor: usize,
        items: Vec<Value>,
    },
    Map {
        anchor: usize,
        map: Map<String, Value>,
        key: Option<String>,
    },
}

/// A small `safe_load`: one document, anchors and aliases, YAML 1.1 scalars. Timestamps stay
/// strings (XML-RPC would need a `dateTime` and no ConfD parameter takes one).
pub fn parse_yaml(text: &str) -> Result<Option<Value>, String> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut root: Option<Value> = None;
    let mut documents = 0;
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| format!("parameters are not valid YAML: {e}"))?;
        let completed: Option<(Value, Option<String>)> = match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err("parameters must be a single YAML document".into());
                }
                None
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(&text, style, tag.as_ref())?;
                if anchor != 0 {
                    anchors.insert(anchor, value.clone());
                }
                Some((value, Some(text)))
            }
            Event::Alias(id) => {
                let value = anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| format!("unknown alias at line {}", mark.line()))?;
                let key = value.as_str().map(str::to_string);
                Some((value, key))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq {
                    anchor,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map {
                    anchor,
                    map: Map::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { anchor, items }) => {
                    finish(Value::Array(items), anchor, &mut anchors)
                }
                Some(Frame::Map { anchor, map, .. }) => {
                    finish(Value::Object(map), anchor, &mut anchors)
                }
                None => None,
            },
            _ => None,
        };
        let Some((value, key_text)) = completed else {
            continue;
        };
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => match key.take() {
                Some(k) => {
                    map.insert(k, value);
                }
                // XML-RPC struct members are named by strings; a scalar key keeps its text
                // (`10: x` names member "10"), a collection cannot be a key.
                None => *key = Some(key_text.ok_or("a mapping key must be a scalar")?),
            },
        }
    }
    Ok(root)
}

fn finish(
    value: Value,
    anchor: usize,
    anchors: &mut HashMap<usize, Value>,
) -> Option<(Value, Option<String>)> {
    if anchor != 0 {
        anchors.insert(anchor, value.clone());
    }
    Some((value, None))
}

fn scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let tag = tag
        .filter(|t| t.handle == "tag:yaml.org,2002:" || t.handle == "!!")
        .map(|t| t.suffix.as_str());
    let kind = match (tag, style) {
        (Some("str"), _) => Kind::Str,
        (Some("int"), _) => Kind::Int,
        (Some("float"), _) => Kind::Float,
        (Some("bool"), _) => Kind::Bool,
        (Some("null"), _) => Kind::Null,
        (_, TScalarStyle::Plain) => yaml11::resolve(text),
        _ => Kind::Str,
    };
    let bad = |what: &str| format!("'{text}' is not a valid {what}");
    Ok(match kind {
        Kind::Bool => Value::Bool(yaml11::is_bool(text).ok_or_else(|| bad("boolean"))?),
        Kind::Null => Value::Null,
        Kind::Int => Value::Number(Number::from(
            yaml11::construct_int(text).ok_or_else(|| bad("64-bit integer"))?,
        )),
        Kind::Float => {
            let f = yaml11::construct_float(text).ok_or_else(|| bad("number"))?;
            Value::Number(
                Number::from_f64(f)
                    .ok_or_else(|| format!("'{text}' cannot be sent over XML-RPC"))?,
            )
        }
        Kind::Str | Kind::Timestamp | Kind::Merge | Kind::Value | Kind::Yaml => {
            Value::String(text.to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn words(ws: &[&str]) -> Vec<String> {
        ws.iter().map(|s| s.to_string()).collect()
    }

    fn params(ws: &[&str]) -> Value {
        let yaml = words_to_yaml(&words(ws)).unwrap();
        Value::Object(parse_yaml_mapping(&yaml).unwrap())
    }

    #[test]
    fn words_become_a_flow_mapping() {
        assert_eq!(
            words_to_yaml(&words(&["db_name:", "MY_DB", "level:", "0"])).unwrap(),
            "{db_name: MY_DB, level: 0}"
        );
        assert_eq!(
            words_to_yaml(&words(&["a:", "b", "c", "d:"])).unwrap(),
            "{a: b c, d: }"
        );
        assert_eq!(words_to_yaml(&words(&["{a: 1}"])).unwrap(), "{a: 1}");
        assert!(words_to_yaml(&words(&["MY_DB"])).is_err());
        assert_eq!(words_to_yaml(&[]).unwrap(), "{}");
    }

    // Expectations from PyYAML 6.0.3: yaml.safe_load(words joined as above).
    #[test]
    fn scalars_resolve_like_pyyaml() {
        let p = params(&[
            "db_name:",
            "MY_DB",
            "level:",
            "0",
            "show_foreign:",
            "True",
            "enabled:",
            "yes",
            "f:",
            "1.5",
            "n:",
            "~",
            "e:",
            "q:",
            "'10001'",
            "day:",
            "'*'",
            "oct:",
            "0755",
            "expire:",
            "1w 3d",
            "ts:",
            "2026-11-25",
        ]);
        assert_eq!(
            p,
            json!({"db_name": "MY_DB", "level": 0, "show_foreign": true, "enabled": true, "f": 1.5, "n": null,
                   "e": null, "q": "10001", "day": "*", "oct": 493, "expire": "1w 3d", "ts": "2026-11-25"})
        );
    }

    #[test]
    fn flow_sequences_of_plain_scalars_with_spaces() {
        let p = params(&[
            "db_name:",
            "DB",
            "backup_list:",
            "[10001 DB/id_1/level_0/node_0/backup_202611251208 DB, 10001 DB/id_2/level_0/node_0/backup_202611251300 DB]",
        ]);
        assert_eq!(
            p["backup_list"],
            json!([
                "10001 DB/id_1/level_0/node_0/backup_202611251208 DB",
                "10001 DB/id_2/level_0/node_0/backup_202611251300 DB"
            ])
        );
        assert_eq!(params(&["owner:", "[500,500]"])["owner"], json!([500, 500]));
    }

    #[test]
    fn yaml_and_json_options() {
        assert_eq!(
            parse_yaml_mapping("{db_name: X, level: 0}").unwrap()["level"],
            json!(0)
        );
        assert_eq!(
            parse_yaml_mapping("db_name: X\nnodes: [11, 12]\n").unwrap()["nodes"],
            json!([11, 12])
        );
        assert!(parse_yaml_mapping("").unwrap().is_empty());
        assert!(parse_yaml_mapping("[1, 2]").is_err());
        assert!(parse_yaml_mapping("{a: [1").is_err());
        assert!(parse_yaml_mapping("a: 1\n---\nb: 2\n").is_err());
        assert_eq!(
            parse_yaml_mapping("a: &x [1]\nb: *x\nc: !!str 5").unwrap(),
            json!({"a": [1], "b": [1], "c": "5"})
                .as_object()
                .unwrap()
                .clone()
        );
        assert_eq!(
            parse_json_mapping(r#"{"level": 0}"#).unwrap()["level"],
            json!(0)
        );
        assert!(parse_json_mapping("[1]").is_err());
        assert!(parse_json_mapping("{").is_err());
    }
}
