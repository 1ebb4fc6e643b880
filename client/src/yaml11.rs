//! YAML 1.1 implicit scalar resolution, as PyYAML 6 does it (`yaml/resolver.py`).
//!
//! Exasol's confd_client is Python: it reads parameters with `yaml.safe_load` and prints
//! results with `yaml.safe_dump`. Both sides depend on the same table of implicit types
//! (`yes` is a bool, `0755` an octal int, `1:30` a sexagesimal int, `2026-11-25` a date), and
//! that table is YAML 1.1, not the YAML 1.2 core schema that yaml-rust2 implements. So the
//! regular expressions of PyYAML's `Resolver` are re-implemented here by hand (the workspace
//! has no regex crate, and the patterns are small and need no backtracking), and used twice:
//! `params` turns plain scalars into typed values, `yaml_emit` quotes strings that would read
//! back as another type.

/// The tag a plain scalar resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
    /// `<<`, the merge key.
    Merge,
    /// `=`, the "value" key of YAML 1.1.
    Value,
    /// `!`, `&`, `*`: PyYAML registers these only for documentation, but its representer
    /// still consults them, so a string `*` gets quoted.
    Yaml,
    Str,
}

/// PyYAML's `Resolver.resolve(ScalarNode, value, (True, False))`.
pub fn resolve(s: &str) -> Kind {
    // The order follows the registration order in resolver.py; the first match wins.
    if is_bool(s).is_some() {
        Kind::Bool
    } else if is_float(s) {
        Kind::Float
    } else if is_int(s) {
        Kind::Int
    } else if s == "<<" {
        Kind::Merge
    } else if is_null(s) {
        Kind::Null
    } else if is_timestamp(s) {
        Kind::Timestamp
    } else if s == "=" {
        Kind::Value
    } else if matches!(s, "!" | "&" | "*") {
        Kind::Yaml
    } else {
        Kind::Str
    }
}

pub fn is_bool(s: &str) -> Option<bool> {
    match s {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

pub fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// A cursor over ASCII bytes; every pattern here is ASCII, so any other byte fails a match.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(s: &'a str) -> Self {
        Cur {
            b: s.as_bytes(),
            i: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, f: impl Fn(u8) -> bool) -> bool {
        match self.peek() {
            Some(c) if f(c) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }
    fn eat_many(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.eat(&f) {}
        self.i - start
    }
    fn eat_str(&mut self, s: &str) -> bool {
        if self.b[self.i..].starts_with(s.as_bytes()) {
            self.i += s.len();
            true
        } else {
            false
        }
    }
    fn sign(&mut self) {
        self.eat(|c| c == b'-' || c == b'+');
    }
    fn end(&self) -> bool {
        self.i == self.b.len()
    }
    /// `(?::[0-5]?[0-9])+`; greedy is exact because the group must be followed by `:`, `.`
    /// or the end, never by a digit.
    fn sexagesimal(&mut self) -> bool {
        let mut n = 0;
        while self.peek() == Some(b':') {
            let save = self.i;
            self.i += 1;
            let two = matches!(self.b.get(self.i..self.i + 2), Some([a, b]) if (b'0'..=b'5').contains(a) && b.is_ascii_digit());
            if two {
                self.i += 2;
            } else if !self.eat(|c| c.is_ascii_digit()) {
                self.i = save;
                break;
            }
            n += 1;
        }
        n > 0
    }
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}
fn digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

/// `[eE][-+][0-9]+` (optional). PyYAML requires the sign in the exponent.
fn exponent(c: &mut Cur) -> bool {
    let save = c.i;
    if c.eat(|x| x == b'e' || x == b'E')
        && c.eat(|x| x == b'-' || x == b'+')
        && c.eat_many(digit) > 0
    {
        return true;
    }
    c.i = save;
    false
}

pub fn is_float(s: &str) -> bool {
    let alt = |f: &dyn Fn(&mut Cur) -> bool| {
        let mut c = Cur::new(s);
        f(&mut c) && c.end()
    };
    // [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    alt(&|c| {
        c.sign();
        c.eat(digit) && {
            c.eat_many(digit_);
            c.eat(|x| x == b'.')
        } && {
            c.eat_many(digit_);
            exponent(c);
            true
        }
    }) ||
    // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    alt(&|c| {
        c.eat(|x| x == b'.') && c.eat(digit) && {
            c.eat_many(digit_);
            exponent(c);
            true
        }
    }) ||
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    alt(&|c| {
        c.sign();
        c.eat(digit) && {
            c.eat_many(digit_);
            c.sexagesimal()
        } && c.eat(|x| x == b'.') && {
            c.eat_many(digit_);
            true
        }
    }) ||
    // [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
    alt(&|c| {
        c.sign();
        c.eat_str(".inf") || c.eat_str(".Inf") || c.eat_str(".INF")
    }) || matches!(s, ".nan" | ".NaN" | ".NAN")
}

pub fn is_int(s: &str) -> bool {
    let alt = |f: &dyn Fn(&mut Cur) -> bool| {
        let mut c = Cur::new(s);
        c.sign();
        f(&mut c) && c.end()
    };
    alt(&|c| c.eat_str("0b") && c.eat_many(|x| matches!(x, b'0' | b'1' | b'_')) > 0)
        || alt(&|c| c.eat(|x| x == b'0') && c.eat_many(|x| matches!(x, b'0'..=b'7' | b'_')) > 0)
        || alt(&|c| c.eat(|x| x == b'0'))
        || alt(&|c| {
            c.eat(|x| (b'1'..=b'9').contains(&x)) && {
                c.eat_many(digit_);
                true
            }
        })
        || alt(&|c| c.eat_str("0x") && c.eat_many(|x| x.is_ascii_hexdigit() || x == b'_') > 0)
        || alt(&|c| {
            c.eat(|x| (b'1'..=b'9').contains(&x)) && {
                c.eat_many(digit_);
                c.sexagesimal()
            }
        })
}

pub fn is_timestamp(s: &str) -> bool {
    let n_digits = |c: &mut Cur, n: usize| (0..n).all(|_| c.eat(digit));
    let one_or_two = |c: &mut Cur| {
        let n = c.eat_many(digit);
        (1..=2).contains(&n)
    };
    let dash = |c: &mut Cur| c.eat(|x| x == b'-');
    let mut c = Cur::new(s);
    if n_digits(&mut c, 4)
        && dash(&mut c)
        && n_digits(&mut c, 2)
        && dash(&mut c)
        && n_digits(&mut c, 2)
        && c.end()
    {
        return true;
    }
    let mut c = Cur::new(s);
    let date = n_digits(&mut c, 4)
        && dash(&mut c)
        && one_or_two(&mut c)
        && dash(&mut c)
        && one_or_two(&mut c);
    let sep =
        date && (c.eat(|x| x == b'T' || x == b't') || c.eat_many(|x| x == b' ' || x == b'\t') > 0);
    let colon = |c: &mut Cur| c.eat(|x| x == b':');
    let time = sep
        && one_or_two(&mut c)
        && colon(&mut c)
        && n_digits(&mut c, 2)
        && colon(&mut c)
        && n_digits(&mut c, 2);
    if !time {
        return false;
    }
    if c.eat(|x| x == b'.') {
        c.eat_many(digit);
    }
    c.eat_many(|x| x == b' ' || x == b'\t');
    if c.eat(|x| x == b'Z') {
    } else if c.eat(|x| x == b'-' || x == b'+') {
        if !one_or_two(&mut c) {
            return false;
        }
        let save = c.i;
        if !(colon(&mut c) && n_digits(&mut c, 2)) {
            c.i = save;
        }
    }
    c.end()
}

/// PyYAML's `construct_yaml_int`. `None` when the text does not fit an `i64` (Python's ints
/// are unbounded, XML-RPC's are not) or is a degenerate match such as `0b_`.
pub fn construct_int(s: &str) -> Option<i64> {
    let v: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, v) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, &v[..]),
    };
    let n: i128 = if v == "0" {
        0
    } else if let Some(b) = v.strip_prefix("0b") {
        i128::from_str_radix(b, 2).ok()?
    } else if let Some(h) = v.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if v.starts_with('0') {
        i128::from_str_radix(v, 8).ok()?
    } else if v.contains(':') {
        let mut acc: i128 = 0;
        for part in v.split(':') {
            acc = acc
                .checked_mul(60)?
                .checked_add(part.parse::<i128>().ok()?)?;
        }
        acc
    } else {
        v.parse().ok()?
    };
    i64::try_from(if neg { -n } else { n }).ok()
}

/// PyYAML's `construct_yaml_float`.
pub fn construct_float(s: &str) -> Option<f64> {
    let v: String = s
        .chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .to_lowercase();
    let (sign, v) = match v.as_bytes().first() {
        Some(b'-') => (-1.0, &v[1..]),
        Some(b'+') => (1.0, &v[1..]),
        _ => (1.0, &v[..]),
    };
    if v == ".inf" {
        return Some(sign * f64::INFINITY);
    }
    if v == ".nan" {
        return Some(f64::NAN);
    }
    if v.contains(':') {
        let mut acc = 0.0;
        for part in v.split(':') {
            acc = acc * 60.0 + py_float(part)?;
        }
        return Some(sign * acc);
    }
    Some(sign * py_float(v)?)
}

/// Python's `float()` accepts `1.`, `.5` and `1.e+3`; Rust's parser wants digits around the dot.
fn py_float(s: &str) -> Option<f64> {
    let fixed = s.replace(".e", ".0e");
    let fixed = if fixed.ends_with('.') {
        format!("{fixed}0")
    } else {
        fixed
    };
    let fixed = if fixed.starts_with('.') {
        format!("0{fixed}")
    } else {
        fixed
    };
    fixed.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expectations from PyYAML 6.0.3:
    // [yaml.resolver.Resolver().resolve(yaml.ScalarNode, s, (True, False)) for s in ...]
    #[test]
    fn resolves_like_pyyaml() {
        let cases = [
            ("yes", Kind::Bool),
            ("Off", Kind::Bool),
            ("y", Kind::Str),
            ("1.5", Kind::Float),
            ("1.", Kind::Float),
            (".5", Kind::Float),
            ("1e5", Kind::Str),
            ("1.0e+20", Kind::Float),
            ("1.0e20", Kind::Str),
            ("-.inf", Kind::Float),
            (".nan", Kind::Float),
            ("190:20:30.15", Kind::Float),
            ("10001", Kind::Int),
            ("0755", Kind::Int),
            ("08", Kind::Str),
            ("0x1F", Kind::Int),
            ("0b101", Kind::Int),
            ("1:30", Kind::Int),
            ("1:60", Kind::Str),
            ("1_000", Kind::Int),
            ("-0", Kind::Int),
            ("~", Kind::Null),
            ("", Kind::Null),
            ("null", Kind::Null),
            ("nil", Kind::Str),
            ("2026-11-25", Kind::Timestamp),
            ("2026-11-25 12:08", Kind::Str),
            ("2026-11-25 12:08:00", Kind::Timestamp),
            ("2001-12-14t21:59:43.10-05:00", Kind::Timestamp),
            ("2001-12-14 21:59:43.10 Z", Kind::Timestamp),
            ("<<", Kind::Merge),
            ("=", Kind::Value),
            ("*", Kind::Yaml),
            ("MY_DATABASE", Kind::Str),
            ("10001 DB/id_1/level_0", Kind::Str),
        ];
        for (s, kind) in cases {
            assert_eq!(resolve(s), kind, "{s:?}");
        }
    }

    #[test]
    fn constructs_like_pyyaml() {
        assert_eq!(construct_int("0755"), Some(493));
        assert_eq!(construct_int("-0x1F"), Some(-31));
        assert_eq!(construct_int("0b101"), Some(5));
        assert_eq!(construct_int("1:30"), Some(90));
        assert_eq!(construct_int("1_000"), Some(1000));
        assert_eq!(construct_int("99999999999999999999"), None);
        assert_eq!(construct_float("1."), Some(1.0));
        assert_eq!(construct_float(".5"), Some(0.5));
        assert_eq!(construct_float("1.e+3"), Some(1000.0));
        assert_eq!(construct_float("1:30.5"), Some(90.5));
        assert_eq!(construct_float("-.INF"), Some(f64::NEG_INFINITY));
    }
}
