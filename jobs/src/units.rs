//! Sizes with binary units, as ConfD shows them (`10 GiB`, `512 KiB`).

/// `"10 GiB"`, `"512 KiB"`, `"1.5 GiB"`: binary units, at most one decimal.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if (value - value.round()).abs() < 0.05 {
        format!("{} {}", value.round() as u64, UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Parses `"1 GiB"`, `"512MiB"`, `"10 G"`, `"4096"` (bytes) into bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size such as '10 GiB'"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "'{other}' in '{text}' is not a size unit (KiB, MiB, GiB, TiB)"
            ));
        }
    };
    let bytes = number * factor as f64;
    if !(1.0..=(1u64 << 60) as f64).contains(&bytes) {
        return Err(format!("'{text}' is not a usable volume size"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_trip_in_binary_units() {
        assert_eq!(parse_size("1 GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(format_size(10 << 30), "10 GiB");
        assert_eq!(format_size(512 << 10), "512 KiB");
        assert_eq!(format_size(3 << 29), "1.5 GiB");
        assert!(parse_size("ten").unwrap_err().contains("'ten'"));
        assert!(parse_size("1 parsec").unwrap_err().contains("parsec"));
        assert!(parse_size("0").is_err());
    }
}
