//! Output and interaction: tables or JSON, TAO amounts, prompts, and a spinner.

use std::future::Future;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use anyhow::{bail, Context};
use bt_primitives::RAO_PER_TAO;
use comfy_table::Table;

/// How to talk to the user.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Ask before spending.
    pub prompt: bool,
    /// Print JSON instead of tables and text.
    pub json: bool,
    /// Print only results.
    pub quiet: bool,
}

impl Ui {
    /// Prints `json` with `--json-output`, otherwise the human form.
    pub fn show(&self, json: &impl serde::Serialize, human: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string(json) {
                Ok(text) => println!("{text}"),
                Err(error) => eprintln!("Error: cannot write JSON: {error}"),
            }
        } else {
            println!("{}", human());
        }
    }

    /// A progress note on stderr (not with `--quiet` or `--json-output`).
    pub fn note(&self, text: &str) {
        if !self.quiet && !self.json {
            eprintln!("{text}");
        }
    }

    /// Asks a yes/no question; `--no-prompt` answers yes.
    pub fn confirm(&self, question: &str) -> anyhow::Result<()> {
        if !self.prompt {
            return Ok(());
        }
        eprint!("{question} [y/N]: ");
        std::io::stderr().flush().ok();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).context("reading the answer")?;
        if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
            Ok(())
        } else {
            bail!("cancelled")
        }
    }

    /// Runs `future` while a spinner turns on a terminal.
    pub async fn wait<T>(&self, message: &str, future: impl Future<Output = T>) -> T {
        if self.quiet || self.json || !std::io::stderr().is_terminal() {
            return future.await;
        }
        let spinner = async {
            let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            for frame in frames.iter().cycle() {
                eprint!("\r{frame} {message}");
                std::io::stderr().flush().ok();
                tokio::time::sleep(Duration::from_millis(80)).await;
            }
        };
        let result = tokio::select! {
            result = future => result,
            _ = spinner => unreachable!("the spinner never ends"),
        };
        eprint!("\r\x1b[2K");
        result
    }
}

/// Reads a password: without echo on a terminal, else one line of standard input.
pub fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).context("reading the password")
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password")?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }
}

/// `τ1.2345` (four decimals, like btcli).
pub fn tao(rao: u64) -> String {
    format!("τ{:.4}", rao as f64 / RAO_PER_TAO as f64)
}

/// Parses a TAO amount (`1`, `0.5`, `12.000000001`) into rao, exactly.
pub fn parse_tao(text: &str) -> anyhow::Result<u64> {
    let text = text.trim().trim_start_matches('τ');
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(whole) || whole.is_empty() && digits(fraction)) || !(fraction.is_empty() || digits(fraction))
    {
        bail!("{text:?} is not an amount of TAO");
    }
    if fraction.len() > 9 {
        bail!("{text:?} has more than 9 decimals (1 rao = 0.000000001 TAO)");
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().context("amount too large")? };
    let fraction: u64 = format!("{fraction:0<9}").parse().unwrap_or(0);
    whole.checked_mul(RAO_PER_TAO).and_then(|w| w.checked_add(fraction)).context("amount too large")
}

/// A table with a header row.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(header.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly_and_refuse_junk() {
        assert_eq!(parse_tao("1").unwrap(), RAO_PER_TAO);
        assert_eq!(parse_tao("0.5").unwrap(), RAO_PER_TAO / 2);
        assert_eq!(parse_tao(".25").unwrap(), RAO_PER_TAO / 4);
        assert_eq!(parse_tao("12.000000001").unwrap(), 12 * RAO_PER_TAO + 1);
        for bad in ["", "abc", "1.2.3", "-1", "1.0000000001", "99999999999999999999"] {
            assert!(parse_tao(bad).is_err(), "{bad}");
        }
        assert_eq!(tao(1_500_000_000), "τ1.5000");
    }
}
