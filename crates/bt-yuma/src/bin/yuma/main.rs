//! `yuma`: replays Yuma Consensus scenarios epoch by epoch, bit-exact with the chain.
//!
//! `yuma simulate SCENARIO.json` prints one JSON object per `epoch` step; `--csv` prints
//! the same data flat; `--plot FILE.svg|FILE.png` draws dividends, incentive and bonds.
//! A scenario that cannot be read exits with status 2 and names the offending field.

mod csv;
mod plot;
mod png;
mod raster;
mod svg;

use anyhow::{bail, Context};
use bt_yuma::scenario::{EpochRecord, Scenario};
use clap::{Parser, Subcommand};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "yuma", version, about = "Yuma Consensus simulator, bit-exact with the subtensor chain")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a scenario and print the chain's state after every `epoch` step, one JSON
    /// object per line.
    Simulate {
        /// Scenario file (JSON): n, tempo, registered_block, stake, emission,
        /// hyperparameters and steps (epoch, set_weights, replace, set_stake, reset_bonds).
        scenario: PathBuf,
        /// Print CSV instead of JSON: one row per epoch and uid.
        #[arg(long)]
        csv: bool,
        /// Also draw dividends, incentive and bonds over the epochs into FILE (.svg or .png).
        #[arg(long, value_name = "FILE")]
        plot: Option<PathBuf>,
    },
}

/// A failure that is the user's input: reported with exit status 2.
#[derive(Debug)]
struct InputError(String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<InputError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let Command::Simulate { scenario, csv, plot } = cli.command;
    let format = plot.as_deref().map(plot_format).transpose()?;
    let text = std::fs::read_to_string(&scenario)
        .map_err(|e| InputError(format!("cannot read scenario {}: {e}", scenario.display())))?;
    let records = Scenario::parse(&text).and_then(|s| s.run()).map_err(|e| {
        InputError(format!("invalid scenario {}: field `{}`: {}", scenario.display(), e.field, e.message))
    })?;

    let mut out = io::BufWriter::new(io::stdout().lock());
    if csv {
        csv::write(&mut out, &records)?;
    } else {
        write_json_lines(&mut out, &records)?;
    }
    out.flush()?;

    if let (Some(path), Some(format)) = (plot, format) {
        let figure = plot::Figure::from_records(&records);
        let bytes = match format {
            PlotFormat::Svg => svg::render(&figure).into_bytes(),
            PlotFormat::Png => png::encode(&raster::render(&figure)),
        };
        std::fs::write(&path, bytes).with_context(|| format!("cannot write plot {}", path.display()))?;
    }
    Ok(())
}

fn write_json_lines(out: &mut impl Write, records: &[EpochRecord]) -> anyhow::Result<()> {
    for record in records {
        serde_json::to_writer(&mut *out, record)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

enum PlotFormat {
    Svg,
    Png,
}

fn plot_format(path: &Path) -> anyhow::Result<PlotFormat> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => Ok(PlotFormat::Svg),
        Some("png") => Ok(PlotFormat::Png),
        _ => bail!(InputError(format!("--plot {}: the file name must end in .svg or .png", path.display()))),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>().and_then(|j| j.io_error_kind())
                == Some(io::ErrorKind::BrokenPipe)
    })
}
