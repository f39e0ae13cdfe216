//! The programs localnet runs: finding (or building) their binaries, starting them with
//! their output captured, and stopping them with Ctrl-C.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// Where the binaries are: `dir` when given, else next to this program. Run through
/// cargo (`cargo run`, `cargo test`), localnet first builds them with the same profile,
/// so that they are never missing or stale.
pub fn locate(dir: Option<&Path>, names: &[&str], packages: &[&str]) -> anyhow::Result<PathBuf> {
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => {
            let dir = std::env::current_exe()?.parent().context("the program's directory")?.to_path_buf();
            if let Ok(cargo) = std::env::var("CARGO") {
                build(&cargo, &dir, packages)?;
            }
            dir
        }
    };
    match names.iter().find(|n| !dir.join(n).is_file()) {
        Some(name) => bail!(
            "{name} not found in {}; build it with `cargo build --release --bins`, or pass --bin-dir",
            dir.display()
        ),
        None => Ok(dir),
    }
}

fn build(cargo: &str, dir: &Path, packages: &[&str]) -> anyhow::Result<()> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let mut command = Command::new(cargo);
    command.arg("build").arg("--manifest-path").arg(manifest).arg("--bins");
    for package in packages {
        command.args(["-p", package]);
    }
    if dir.file_name().is_some_and(|n| n == "release") {
        command.arg("--release");
    }
    let status = command.status().context("running cargo build")?;
    anyhow::ensure!(status.success(), "cargo build of {} failed", packages.join(", "));
    Ok(())
}

/// A running child program.
pub struct Process {
    /// Its name in tables and logs.
    pub name: String,
    child: Child,
    /// Its stdout lines, as they come.
    pub lines: Receiver<String>,
}

impl Process {
    /// Starts `program` with `args`, stderr to `log`, stdout read line by line (and
    /// copied to the log too).
    pub fn start(name: &str, program: &Path, args: &[String], log: &Path) -> anyhow::Result<Process> {
        let log_file = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut copy = log_file.try_clone()?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let stdout = child.stdout.take().context("stdout")?;
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = writeln!(copy, "{line}");
                // The receiver may be gone (or never read); the log still gets every line.
                let _ = sender.send(line);
            }
        });
        Ok(Process { name: name.to_string(), child, lines })
    }

    /// The first stdout line that parses as a JSON object, within `timeout`.
    pub fn first_json(&mut self, timeout: Duration) -> anyhow::Result<serde_json::Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).map_err(|_| {
                let exited = self.child.try_wait().ok().flatten();
                anyhow::anyhow!("{} did not report ready (exit: {exited:?}); see its log", self.name)
            })?;
            if let Ok(value @ serde_json::Value::Object(_)) = serde_json::from_str(&line) {
                return Ok(value);
            }
        }
    }

    /// `Some(status)` if it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends Ctrl-C (SIGINT).
    pub fn interrupt(&mut self) {
        if self.exited().is_none() {
            let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        }
    }

    /// Waits up to `timeout` for it to exit after [`Process::interrupt`]; kills it after
    /// that. True when it exited by itself with status 0.
    pub fn wait_clean(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
