//! Expected strings generated with PyYAML 6.0.3:
//! `yaml.safe_dump(json.loads(INPUT), default_flow_style=False)` (a trailing `...` line
//! removed, see the module doc of `yaml_emit`).

use super::safe_dump;

fn check(input: &str, expected: &str) {
    let value: serde_json::Value = serde_json::from_str(input).expect("test input is JSON");
    assert_eq!(safe_dump(&value), expected, "input: {input}");
}

#[test]
fn top_level_string() {
    check(
        r##""running""##,
        r##"running
"##,
    );
}

#[test]
fn top_level_int() {
    check(
        r##"5"##, r##"5
"##,
    );
}

#[test]
fn top_level_null() {
    check(
        r##"null"##,
        r##"null
"##,
    );
}

#[test]
fn top_level_numeric_string() {
    check(
        r##""10001""##,
        r##"'10001'
"##,
    );
}

#[test]
fn empty_list() {
    check(
        r##"[]"##, r##"[]
"##,
    );
}

#[test]
fn empty_dict() {
    check(
        r##"{}"##, r##"{}
"##,
    );
}

#[test]
fn db_list() {
    check(
        r##"["MY_DATABASE"]"##,
        r##"- MY_DATABASE
"##,
    );
}

#[test]
fn strings_that_resolve_elsewhere_are_quoted() {
    check(
        r##"{"vid": "10001", "expire": "", "y": "yes", "n": "null", "f": "1.5", "ts": "2026-11-25", "ts2": "2026-11-25 12:08", "tilde": "~", "star": "*", "oct": "0755", "not_oct": "08", "sexa": "1:30", "t": "True"}"##,
        r##"expire: ''
f: '1.5'
n: 'null'
not_oct: 08
oct: '0755'
sexa: '1:30'
star: '*'
t: 'True'
tilde: '~'
ts: '2026-11-25'
ts2: 2026-11-25 12:08
vid: '10001'
y: 'yes'
"##,
    );
}

#[test]
fn scalars() {
    check(
        r##"{"i": -3, "b": true, "c": false, "z": null, "f": 1.5, "g": 1e+20, "h": 1e-07, "big": 1234567890123, "fl": 100.0, "neg": -0.25}"##,
        r##"b: true
big: 1234567890123
c: false
f: 1.5
fl: 100.0
g: 1.0e+20
h: 1.0e-07
i: -3
neg: -0.25
z: null
"##,
    );
}

#[test]
fn special_characters() {
    check(
        r##"{"colon": "a: b", "colon_end": "a:", "hash": "a #b", "hash2": "a#b", "lead_dash": "- x", "dash": "-x", "bracket": "[x]", "inner": "a[b]", "amp": "&x", "q": "'x'", "dq": "\"x\"", "pct": "%x", "at": "@x", "bt": "`x", "qm": "? x", "qm2": "?x", "lead_sp": " x", "trail_sp": "x ", "comma": "a, b", "brace": "{a}", "docstart": "--- x", "dots": "...", "tab": "a\tb", "bslash": "a\\b", "pipe": "|x", "gt": ">x", "bang": "!x"}"##,
        r##"amp: '&x'
at: '@x'
bang: '!x'
brace: '{a}'
bracket: '[x]'
bslash: a\b
bt: '`x'
colon: 'a: b'
colon_end: 'a:'
comma: a, b
dash: -x
docstart: '--- x'
dots: '...'
dq: '"x"'
gt: '>x'
hash: 'a #b'
hash2: a#b
inner: a[b]
lead_dash: '- x'
lead_sp: ' x'
pct: '%x'
pipe: '|x'
q: '''x'''
qm: '? x'
qm2: ?x
tab: "a\tb"
trail_sp: 'x '
"##,
    );
}

#[test]
fn multiline_and_unicode() {
    check(
        r##"{"k": "a\nb", "k2": "line1\nline2\n", "u": "h\u00e9llo", "e": "\u20ac", "emoji": "\ud83d\ude00", "ctl": "a\u0001b", "sp_nl": "a \nb", "nl_sp": "a\n b"}"##,
        r##"ctl: "a\x01b"
e: "\u20AC"
emoji: "\U0001F600"
k: 'a

  b'
k2: 'line1

  line2

  '
nl_sp: "a\n b"
sp_nl: "a \nb"
u: "h\xE9llo"
"##,
    );
}

#[test]
fn nesting() {
    check(
        r##"{"l": [[1, 2], {"a": 1, "b": []}], "m": {}, "n": {"x": {"y": [1, {"z": "w"}]}}, "e": [[], {}]}"##,
        r##"e:
- []
- {}
l:
- - 1
  - 2
- a: 1
  b: []
m: {}
n:
  x:
    y:
    - 1
    - z: w
"##,
    );
}

#[test]
fn keys() {
    check(
        r##"{"": 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": 2, "x\ny": 3, "Volume ID": 10003, "Files": [], "10": "ten", "yes": 1, "a: b": 2, "-": 3}"##,
        r##"? ''
: 1
'-': 3
'10': ten
Files: []
Volume ID: 10003
'a: b': 2
? aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
: 2
? 'x

  y'
: 3
'yes': 1
"##,
    );
}

#[test]
fn folding() {
    check(
        r##"{"desc": "word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word ", "q": "it's: x it's: x it's: x it's: x it's: x it's: x it's: x it's: x it's: x it's: x it's: x it's: x ", "u": "h\u00e9llo w\u00f6rld h\u00e9llo w\u00f6rld h\u00e9llo w\u00f6rld h\u00e9llo w\u00f6rld h\u00e9llo w\u00f6rld h\u00e9llo w\u00f6rld h\u00e9llo w\u00f6rld h\u00e9llo w\u00f6rld h\u00e9llo w\u00f6rld h\u00e9llo w\u00f6rld ", "plain": "alpha beta gamma alpha beta gamma alpha beta gamma alpha beta gamma alpha beta gamma alpha beta gamma alpha beta gamma alpha beta gamma ", "nested": {"deeper": "one two three one two three one two three one two three one two three one two three one two three one two three one two three one two three "}, "list": ["item value item value item value item value item value item value item value item value item value item value item value item value "]}"##,
        r##"desc: 'word word word word word word word word word word word word word word word
  word word word word word word word word word word word word word word word '
list:
- 'item value item value item value item value item value item value item value item
  value item value item value item value item value '
nested:
  deeper: 'one two three one two three one two three one two three one two three one
    two three one two three one two three one two three one two three '
plain: 'alpha beta gamma alpha beta gamma alpha beta gamma alpha beta gamma alpha
  beta gamma alpha beta gamma alpha beta gamma alpha beta gamma '
q: 'it''s: x it''s: x it''s: x it''s: x it''s: x it''s: x it''s: x it''s: x it''s:
  x it''s: x it''s: x it''s: x '
u: "h\xE9llo w\xF6rld h\xE9llo w\xF6rld h\xE9llo w\xF6rld h\xE9llo w\xF6rld h\xE9\
  llo w\xF6rld h\xE9llo w\xF6rld h\xE9llo w\xF6rld h\xE9llo w\xF6rld h\xE9llo w\xF6\
  rld h\xE9llo w\xF6rld "
"##,
    );
}

#[test]
fn backup_list() {
    check(
        r##"[{"bid": 478, "comment": "", "dependencies": "-", "expire": "", "expire_alterable": "10001 DB/id_478/level_0", "expired": false, "id": "10001 DB/id_478/level_0/node_0/backup_202611251208 DB", "last_item": true, "level": 0, "path": "DB/id_478/level_0/node_0/backup_202611251208", "system": "DB", "timestamp": "2026-11-25 12:08", "ts": "202611251208", "usable": true, "usage": "0.011 GiB", "volume": "r0001"}]"##,
        r##"- bid: 478
  comment: ''
  dependencies: '-'
  expire: ''
  expire_alterable: 10001 DB/id_478/level_0
  expired: false
  id: 10001 DB/id_478/level_0/node_0/backup_202611251208 DB
  last_item: true
  level: 0
  path: DB/id_478/level_0/node_0/backup_202611251208
  system: DB
  timestamp: 2026-11-25 12:08
  ts: '202611251208'
  usable: true
  usage: 0.011 GiB
  volume: r0001
"##,
    );
}

#[test]
fn progress() {
    check(
        r##"{"Comment": "Backup has been started", "Files": [], "Level": 1, "Name": "db/id_490/level_1/node_0/backup_202504162230", "Progress": 42, "Type": "Backup", "Volume ID": 10003}"##,
        r##"Comment: Backup has been started
Files: []
Level: 1
Name: db/id_490/level_1/node_0/backup_202504162230
Progress: 42
Type: Backup
Volume ID: 10003
"##,
    );
}
