//! The `yuma` binary, driven as a user would.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios")
}

fn yuma(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yuma")).args(args).output().expect("yuma runs")
}

/// A fresh path in the temporary directory; the file is removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let k = COUNTER.fetch_add(1, Ordering::SeqCst);
        TempFile(std::env::temp_dir().join(format!("yuma-cli-{}-{k}-{name}", std::process::id())))
    }

    fn with(name: &str, contents: &str) -> TempFile {
        let file = TempFile::new(name);
        std::fs::write(&file.0, contents).expect("temp file written");
        file
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

fn example(name: &str) -> String {
    examples().join(name).to_str().expect("utf-8 path").to_string()
}

#[test]
fn every_shipped_example_replays() {
    let mut count = 0;
    for entry in std::fs::read_dir(examples()).expect("examples/scenarios exists") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let out = yuma(&["simulate", path.to_str().expect("utf-8")]);
            assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
            let records = json_lines(&out);
            assert_eq!(records.len(), 41, "{}", path.display());
            count += 1;
        }
    }
    assert!(count >= 8, "only {count} example scenarios");
}

#[test]
fn case_1_reproduces_the_chains_yuma3_vector() {
    // The first six epochs of case 1 are the chain's TV7a (chain.md §3.4).
    let out = yuma(&["simulate", &example("case01_kappa_moves_first.json")]);
    let records = json_lines(&out);
    let want = [
        [52428, 6553, 6553],
        [65535, 0, 0],
        [61486, 4048, 0],
        [57796, 5068, 2669],
        [56122, 5531, 3881],
        [55170, 5795, 4569],
    ];
    for (k, w) in want.iter().enumerate() {
        let d = &records[k + 1]["dividends"];
        assert_eq!([&d[0], &d[1], &d[2]], [w[0], w[1], w[2]].map(Value::from).each_ref(), "epoch {k}");
    }
    let first = &records[1];
    let keys: Vec<&str> = first.as_object().expect("object").keys().map(String::as_str).collect();
    for key in [
        "block",
        "incentive",
        "dividends",
        "consensus",
        "validator_trust",
        "stake_weight",
        "active",
        "validator_permit",
        "emission",
        "server_emission",
        "validator_emission",
        "bonds",
    ] {
        assert!(keys.contains(&key), "missing {key}");
    }
    assert_eq!(first["bonds"][0], serde_json::json!([[3, 6640]]));
}

#[test]
fn csv_has_a_row_per_epoch_and_uid() {
    let out = yuma(&["simulate", "--csv", &example("case04_all_validators_switch.json")]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("epoch,block,uid,incentive,dividends"));
    assert_eq!(lines.len(), 1 + 41 * 5);
    assert_eq!(lines[1].split(',').count(), lines[0].split(',').count());
}

#[test]
fn plots_are_written_as_svg_and_png() {
    let svg = TempFile::new("plot.svg");
    let png = TempFile::new("plot.PNG");
    for file in [&svg, &png] {
        let out = yuma(&["simulate", &example("case02_kappa_moves_second.json"), "--plot", file.path()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(json_lines(&out).len(), 41, "the records are still printed");
    }
    let svg = std::fs::read_to_string(&svg.0).expect("svg written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for title in ["dividends", "incentive", "bonds"] {
        assert!(svg.contains(title), "{title}");
    }
    let png = std::fs::read(&png.0).expect("png written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

fn refused(args: &[&str]) -> String {
    let out = yuma(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "nothing is printed for a refused scenario");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn malformed_scenarios_exit_2_naming_the_field() {
    let bad_type =
        TempFile::with("bad.json", r#"{"n":2,"stake":[1,0],"hyperparameters":{"kappa":-3},"steps":[]}"#);
    assert!(refused(&["simulate", bad_type.path()]).contains("`hyperparameters.kappa`"));

    let late_error = TempFile::with(
        "late.json",
        r#"{"n":2,"stake":[1,0],"steps":[{"op":"epoch","block":1},{"op":"set_weights","block":2,"uid":0,"dests":[7],"weights":[1]}]}"#,
    );
    let stderr = refused(&["simulate", late_error.path()]);
    assert!(stderr.contains("`steps[1].dests`") && stderr.contains("uid 7 does not exist"), "{stderr}");

    let not_json = TempFile::with("garbage.json", "stake = 5");
    assert!(refused(&["simulate", not_json.path()]).contains("line 1"));

    assert!(refused(&["simulate", "/nonexistent/scenario.json"]).contains("cannot read scenario"));
    let plot = refused(&["simulate", &example("case01_kappa_moves_first.json"), "--plot", "out.gif"]);
    assert!(plot.contains(".svg or .png"), "{plot}");
    assert!(!Path::new("out.gif").exists());
}

#[test]
fn help_describes_the_command() {
    let out = yuma(&["simulate", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--csv", "--plot", "SCENARIO"] {
        assert!(help.contains(flag), "{flag}");
    }
}
