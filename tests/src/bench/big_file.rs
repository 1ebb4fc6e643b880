//! The `big` data set: one node holding one large file, alternating segments of CSV text
//! (rows like `storage::datagen`'s tables) and random bytes, half each, the way a large
//! database file mixes compressible and incompressible pages. A restore of it cannot
//! spread over files, only over the chunks of one file.

use std::fs::{self, File};
use std::io::{BufWriter, Write as _};
use std::path::Path;

use anyhow::Context as _;
use confd_storage::datagen::Rng;

use super::data::SEED;

/// Length of one text or random segment: a few chunks each, so both kinds run through
/// the whole file.
pub const SEGMENT: u64 = 16 << 20;

/// Relative path of the file inside the node directory.
pub const FILE: &str = "data/big_file.dat";

/// Writes `root/node_0/data/big_file.dat` of `bytes` bytes.
pub fn build(root: &Path, bytes: u64) -> anyhow::Result<()> {
    let path = root.join("node_0").join(FILE);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| parent.display().to_string())?;
    }
    let file = File::create(&path).with_context(|| path.display().to_string())?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut rng = Rng::new(SEED ^ 0xB16F);
    let mut random = vec![0u8; 1 << 20];
    let mut text = Vec::with_capacity(SEGMENT as usize + 128);
    let (mut written, mut row, mut segment) = (0u64, 0u64, 0u64);
    while written < bytes {
        let len = SEGMENT.min(bytes - written);
        if segment % 2 == 0 {
            text.clear();
            while (text.len() as u64) < len {
                csv_row(&mut text, row, &mut rng);
                row += 1;
            }
            out.write_all(&text[..len as usize])
                .with_context(|| path.display().to_string())?;
        } else {
            let mut left = len;
            while left > 0 {
                let n = left.min(random.len() as u64) as usize;
                rng.fill(&mut random[..n]);
                out.write_all(&random[..n])
                    .with_context(|| path.display().to_string())?;
                left -= n as u64;
            }
        }
        written += len;
        segment += 1;
    }
    out.flush().with_context(|| path.display().to_string())?;
    Ok(())
}

/// Appends CSV row `row` of a table like `storage::datagen`'s.
pub fn csv_row(out: &mut Vec<u8>, row: u64, rng: &mut Rng) {
    const STATUSES: [&str; 4] = ["ACTIVE", "CLOSED", "PENDING", "ARCHIVED"];
    const CITIES: [&str; 6] = [
        "BERLIN",
        "NUERNBERG",
        "LONDON",
        "PARIS",
        "MADRID",
        "WARSZAWA",
    ];
    let amount = rng.below(10_000_000);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let customer = rng.below(50_000);
    let status = STATUSES[rng.below(4) as usize];
    let city = CITIES[rng.below(6) as usize];
    // Writing to a Vec cannot fail.
    let _ = writeln!(
        out,
        "{row},2026-{month:02}-{day:02},CUSTOMER_{customer:06},{status},{city},{}.{:02}",
        amount / 100,
        amount % 100
    );
}
