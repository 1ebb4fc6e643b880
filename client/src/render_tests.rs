//! Expected strings generated with Python 3.11: `repr(float)`, `json.dumps(v)`, `repr(v)`
//! (dicts built with sorted keys, as they arrive from a dxr server).

use super::*;

#[test]
fn float_repr_matches_python() {
    let cases: &[(f64, &str)] = &[
        (1.5_f64, "1.5"),
        (1e+20_f64, "1e+20"),
        (1e-07_f64, "1e-07"),
        (100.0_f64, "100.0"),
        (0.1_f64, "0.1"),
        (1e+16_f64, "1e+16"),
        (1000000000000000.0_f64, "1000000000000000.0"),
        (123456789.125_f64, "123456789.125"),
        (-0.25_f64, "-0.25"),
        (0.0001_f64, "0.0001"),
        (1e-05_f64, "1e-05"),
        (2.5e-300_f64, "2.5e-300"),
        (1.7976931348623157e+308_f64, "1.7976931348623157e+308"),
        (3.0_f64, "3.0"),
        (-1e+22_f64, "-1e+22"),
        (5e-324_f64, "5e-324"),
    ];
    for (f, expected) in cases {
        assert_eq!(py_float_repr(*f), *expected);
    }
}

fn value(s: &str) -> Value {
    serde_json::from_str(s).expect("test input is JSON")
}

#[test]
fn json_and_python_match_python() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r##"["MY_DATABASE"]"##,
            r##"["MY_DATABASE"]"##,
            r##"['MY_DATABASE']"##,
        ),
        (r##""running""##, r##""running""##, r##"'running'"##),
        (
            r##"{"a": 1, "b": true, "c": null, "d": 1.5, "e": [], "f": {}}"##,
            r##"{"a": 1, "b": true, "c": null, "d": 1.5, "e": [], "f": {}}"##,
            r##"{'a': 1, 'b': True, 'c': None, 'd': 1.5, 'e': [], 'f': {}}"##,
        ),
        (
            r##"{"ctl": "\u0001\u007f", "n": "a\nb\t\\", "nb": "\u00a0", "s": "it's", "t": "say \"hi\"", "u": "both ' and \"", "x": "h\u00e9llo \u20ac \ud83d\ude00"}"##,
            r##"{"ctl": "\u0001\u007f", "n": "a\nb\t\\", "nb": "\u00a0", "s": "it's", "t": "say \"hi\"", "u": "both ' and \"", "x": "h\u00e9llo \u20ac \ud83d\ude00"}"##,
            r##"{'ctl': '\x01\x7f', 'n': 'a\nb\t\\', 'nb': '\xa0', 's': "it's", 't': 'say "hi"', 'u': 'both \' and "', 'x': 'héllo € 😀'}"##,
        ),
        (
            r##"[{"Files": [], "Progress": 42, "Volume ID": 10003}]"##,
            r##"[{"Files": [], "Progress": 42, "Volume ID": 10003}]"##,
            r##"[{'Files': [], 'Progress': 42, 'Volume ID': 10003}]"##,
        ),
    ];
    for (input, json, python) in cases {
        let v = value(input);
        assert_eq!(json_dumps(&v), *json, "json of {input}");
        assert_eq!(py_repr(&v), *python, "repr of {input}");
    }
}

#[test]
fn flat_prints_one_line_per_leaf() {
    let v = value(r#"{"b": [1, {"x": "y z"}], "a": {"c": null, "d": []}, "e": {}}"#);
    assert_eq!(flat(&v), "a.c: null\na.d: []\nb.0: 1\nb.1.x: y z\ne: {}\n");
    assert_eq!(flat(&value(r#""running""#)), "running\n");
    assert_eq!(flat(&value("[]")), "[]\n");
}

#[test]
fn formats_end_with_a_newline() {
    let v = value(r#"["MY_DATABASE"]"#);
    assert_eq!(render(&v, Format::Yaml), "- MY_DATABASE\n");
    assert_eq!(render(&v, Format::Json), "[\"MY_DATABASE\"]\n");
    assert_eq!(render(&v, Format::Python), "['MY_DATABASE']\n");
    assert_eq!(render(&v, Format::Flat), "0: MY_DATABASE\n");
}
