//! `--csv`: the epoch records flattened to one row per epoch and uid.

use bt_yuma::scenario::EpochRecord;
use std::io::{self, Write};

/// Column names, in order. `bonds` holds the uid's bond row as `uid:value` pairs
/// separated by spaces.
const HEADER: &str = "epoch,block,uid,incentive,dividends,consensus,validator_trust,stake_weight,active,\
validator_permit,emission,server_emission,validator_emission,bonds";

/// Writes the header and one row per epoch and uid.
pub fn write(out: &mut impl Write, records: &[EpochRecord]) -> io::Result<()> {
    writeln!(out, "{HEADER}")?;
    for (epoch, r) in records.iter().enumerate() {
        for uid in 0..r.incentive.len() {
            let bonds: Vec<String> = r.bonds[uid].iter().map(|(j, v)| format!("{j}:{v}")).collect();
            writeln!(
                out,
                "{epoch},{},{uid},{},{},{},{},{},{},{},{},{},{},{}",
                r.block,
                r.incentive[uid],
                r.dividends[uid],
                r.consensus[uid],
                r.validator_trust[uid],
                r.stake_weight[uid],
                r.active[uid],
                r.validator_permit[uid],
                r.emission[uid],
                r.server_emission[uid],
                r.validator_emission[uid],
                bonds.join(" "),
            )?;
        }
    }
    Ok(())
}
