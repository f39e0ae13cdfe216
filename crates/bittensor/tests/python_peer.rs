//! Axon and dendrite against the real Python SDK (PyPI `bittensor` 10.5.0), both ways.
//!
//! Needs `BT_PYTHON` pointing at a Python where `import bittensor` works (`.ci/run` builds
//! one). Without it each test says so and does nothing. The Python peers are the scripts
//! in `tests/python/` (`bt_peer.py`, `raw_request.py`).

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bittensor::axon::{ChunkSender, HandlerError};
use bittensor::dendrite::Target;
use bittensor::peer::{Dummy, Slow, Tokens, Unknown};
use bittensor::synapse::Synapse;
use bittensor::wallet::Wallet;
use bittensor::{Axon, Caller, Dendrite};
use bt_primitives::{AccountId, Keypair};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The Python peer's `Echo`: `text` has no default there, so the Python axon needs the
/// `bt_header_input_obj_text` header to build the synapse.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Echo {
    text: String,
    reply: Option<String>,
}

impl Synapse for Echo {
    const NAME: &'static str = "Echo";
    const REQUIRED_FIELDS: &'static [&'static str] = &["text"];
    type Output = Option<String>;
    fn deserialize(self) -> Option<String> {
        self.reply
    }
}

fn python() -> Option<String> {
    let python = std::env::var("BT_PYTHON").ok()?;
    let ok = Command::new(&python)
        .args(["-c", "import bittensor"])
        .env("READ_ONLY", "1")
        .env("BT_NO_PARSE_CLI_ARGS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(python)
}

fn script(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(name).display().to_string()
}

fn python_command(python: &str, home: &Path) -> Command {
    let mut command = Command::new(python);
    command.env("READ_ONLY", "1").env("HOME", home).env("BT_NO_PARSE_CLI_ARGS", "1");
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs a Python script to completion; returns the last JSON value it printed.
fn run_json(mut command: Command) -> Value {
    let output = command.output().expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let start = stdout
        .find('{')
        .unwrap_or_else(|| panic!("no JSON: {stdout} {}", String::from_utf8_lossy(&output.stderr)));
    serde_json::from_str(&stdout[start..]).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

struct PythonAxon(Child);

impl Drop for PythonAxon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rust_dendrite_queries_a_python_axon() {
    let Some(python) = python() else {
        eprintln!("skipped: set BT_PYTHON to a Python with bittensor 10.x installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let blocked = Keypair::from_uri("//blocked-validator").unwrap();
    let mut child = python_command(&python, dir.path())
        .args([&script("bt_peer.py"), "axon", "--port", &port.to_string(), "--wallets"])
        .arg(dir.path().join("w"))
        .args(["--seconds", "120"])
        .env("PEER_BLACKLIST", blocked.account().to_ss58())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _axon = PythonAxon(child);
    let info: Value = serde_json::from_str(&line).expect("axon JSON line");
    let hotkey: AccountId = info["hotkey"].as_str().unwrap().parse().unwrap();
    let target = Target { addr: ([127, 0, 0, 1], port).into(), hotkey };
    // The line comes before uvicorn listens; wait for the port.
    for _ in 0..100 {
        if std::net::TcpStream::connect(target.addr).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let dendrite = Dendrite::new(Keypair::from_uri("//rust-validator").unwrap());
    let timeout = Duration::from_secs(10);

    let answer = dendrite.call(&target, Dummy { input: 21, output: None }, timeout).await;
    assert!(answer.is_success(), "{:?}", answer.axon);
    assert!(answer.axon.process_time.is_some());
    assert_eq!(answer.output(), Some(42));
    let echo = dendrite.call(&target, Echo { text: "required field".into(), reply: None }, timeout).await;
    assert_eq!(echo.output(), Some("REQUIRED FIELD".into()), "a synapse with a required field");
    assert_eq!(dendrite.call(&target, Unknown {}, timeout).await.status_code(), 404);
    let failing = dendrite.call(&target, Dummy { input: 13, output: None }, timeout).await;
    assert_eq!(failing.status_code(), 500);
    assert!(failing.axon.status_message.unwrap().starts_with("Internal Server Error"));
    let late = dendrite.call(&target, Slow { delay: 3.0, done: false }, Duration::from_millis(500)).await;
    assert_eq!(late.status_code(), 408);
    let done = dendrite.call(&target, Slow { delay: 0.01, done: false }, timeout).await;
    assert!(done.output());
    let mut stream =
        dendrite.call_stream(&target, Tokens { prompt: "hello from python".into() }, timeout).await.unwrap();
    let mut text = String::new();
    while let Some(chunk) = stream.chunk().await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert_eq!(text, "hello from python ");
    let banned = Dendrite::new(blocked).call(&target, Dummy { input: 1, output: None }, timeout).await;
    assert_eq!(banned.status_code(), 403);
    assert!(banned.axon.status_message.unwrap().contains("blacklisted"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_python_dendrite_queries_the_rust_axon() {
    let Some(python) = python() else {
        eprintln!("skipped: set BT_PYTHON to a Python with bittensor 10.x installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let wallets = dir.path().join("w");
    let blacklist: Arc<Mutex<HashSet<AccountId>>> = Arc::default();
    let banned = blacklist.clone();
    let axon_key = Keypair::from_uri("//rust-miner").unwrap();
    let axon = Axon::new(axon_key.clone())
        .attach(|mut synapse: Dummy, _: Caller| async move {
            match synapse.input {
                13 => return Err::<Dummy, HandlerError>("unlucky".into()),
                99 => tokio::time::sleep(Duration::from_secs(3)).await,
                _ => {}
            }
            synapse.output = Some(2 * synapse.input);
            Ok(synapse)
        })
        .attach(|mut synapse: Echo, _: Caller| async move {
            synapse.reply = Some(synapse.text.to_uppercase());
            Ok::<_, HandlerError>(synapse)
        })
        .attach_stream(|synapse: Tokens, _: Caller, chunks: ChunkSender| async move {
            for word in synapse.prompt.split(' ') {
                chunks.send(format!("{word} ").into()).await?;
            }
            Ok::<_, HandlerError>(())
        })
        .blacklist(move |caller: &Caller| {
            banned.lock().unwrap().contains(&caller.hotkey).then(|| "banned".into())
        })
        .serve("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let port = axon.addr.port().to_string();
    let axon_hotkey = axon_key.account().to_ss58();
    let home = dir.path().to_path_buf();
    let call_with = move |extra: &[&str], timeout: f64| {
        let mut command = python_command(&python, &home);
        command.args([&script("bt_peer.py"), "call", "--port", &port, "--axon-hotkey", &axon_hotkey]);
        command.args(extra).args(["--timeout", &timeout.to_string(), "--wallets"]).arg(&wallets);
        command
    };
    let call = {
        let call_with = call_with.clone();
        move |input: i64, timeout: f64| call_with(&["--input", &input.to_string()], timeout)
    };
    let raw_request = {
        let (python, port, home, wallets) = (
            std::env::var("BT_PYTHON").unwrap(),
            axon.addr.port().to_string(),
            dir.path().to_path_buf(),
            dir.path().join("w"),
        );
        move |extra: &[&str], axon_hotkey: &str| {
            let mut command = python_command(&python, &home);
            command
                .args([&script("raw_request.py"), "--port", &port, "--axon-hotkey", axon_hotkey, "--wallets"])
                .arg(&wallets);
            command.args(extra);
            run_json(command)
        }
    };
    let calls = tokio::task::spawn_blocking(move || {
        let ok = run_json(call(21, 10.0));
        let error = run_json(call(13, 10.0));
        let late = run_json(call(99, 0.5));
        let echo = run_json(call_with(&["--synapse", "echo", "--text", "required field"], 10.0));
        let streamed = run_json(call_with(&["--synapse", "tokens", "--text", "hello from rust"], 10.0));
        (ok, error, late, echo, streamed, call)
    });
    let (ok, error, late, echo, streamed, call) = calls.await.unwrap();
    assert_eq!((ok["status"].as_i64(), ok["output"].as_i64()), (Some(200), Some(42)), "{ok}");
    assert_eq!(error["status"], 500, "{error}");
    assert_eq!(late["status"], 408, "{late}");
    assert_eq!(
        (echo["status"].as_i64(), echo["reply"].as_str()),
        (Some(200), Some("REQUIRED FIELD")),
        "{echo}"
    );
    let chunks: Vec<&str> =
        streamed["chunks"].as_array().unwrap().iter().filter_map(|c| c.as_str()).collect();
    assert_eq!(
        (streamed["status"].as_i64(), chunks.concat()),
        (Some(200), "hello from rust ".into()),
        "{streamed}"
    );

    // The Python dendrite's hotkey, from the wallet it created, goes on the blacklist.
    let python_hotkey =
        Wallet::new(Some("dendrite"), Some("hk"), Some(&dir.path().join("w"))).hotkeypub().unwrap();
    blacklist.lock().unwrap().insert(python_hotkey);
    let blocked = tokio::task::spawn_blocking(move || run_json(call(1, 10.0))).await.unwrap();
    assert_eq!(blocked["status"], 403, "{blocked}");
    assert_eq!(blocked["message"], "Forbidden. Key is blacklisted: banned.");

    // Hand-built requests: bad signature, stale and replayed nonces, wrong target hotkey,
    // a body that does not match its hash, an unknown route.
    let me = axon_key.account().to_ss58();
    let other = Keypair::from_uri("//someone-else").unwrap().account().to_ss58();
    let replies = tokio::task::spawn_blocking(move || {
        vec![
            ("good", raw_request(&[], &me)),
            ("unsigned", raw_request(&["--no-sign"], &me)),
            ("wrong target", raw_request(&[], &other)),
            ("stale", raw_request(&["--nonce-age", "60"], &me)),
            ("first", raw_request(&["--uuid", "fixed-uuid"], &me)),
            ("replayed", raw_request(&["--uuid", "fixed-uuid", "--nonce-age", "5"], &me)),
            ("bad hash", raw_request(&["--bad-hash"], &me)),
            ("unknown route", raw_request(&["--route", "Nope"], &me)),
        ]
    })
    .await
    .unwrap();
    let expected = [
        ("good", 200, "\"output\": 10"),
        ("unsigned", 401, "Missing Signature"),
        ("wrong target", 401, "Signature mismatch"),
        ("stale", 401, "Nonce is too old"),
        ("first", 200, ""),
        ("replayed", 401, "Nonce is too old"),
        ("bad hash", 500, "Internal Server Error"),
        ("unknown route", 404, "not found"),
    ];
    for ((name, reply), (expected_name, status, text)) in replies.iter().zip(expected) {
        assert_eq!(*name, expected_name);
        assert_eq!(reply["http_status"], status, "{name}: {reply}");
        let body = reply["body"].as_str().unwrap_or_default().replace(' ', "");
        assert!(body.contains(&text.replace(' ', "")), "{name}: {reply}");
        assert_eq!(reply["headers"]["content-type"], "application/json", "{name}: {reply}");
    }
}

/// A synapse whose hashed fields exercise Python's `str()` of floats, lists, dicts,
/// strings with quotes, booleans and None.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Mixed {
    small: f64,
    big: f64,
    items: Vec<serde_json::Value>,
    table: std::collections::BTreeMap<String, Vec<i64>>,
    quote: String,
    flag: bool,
    nothing: Option<i64>,
}

impl Synapse for Mixed {
    const NAME: &'static str = "Mixed";
    const HASH_FIELDS: &'static [&'static str] =
        &["small", "big", "items", "table", "quote", "flag", "nothing"];
    type Output = ();
    fn deserialize(self) {}
}

#[test]
fn body_hashes_equal_the_ones_python_computes() {
    let Some(python) = python() else {
        eprintln!("skipped: set BT_PYTHON to a Python with bittensor 10.x installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let program = r#"
import typing, bittensor as bt
class Mixed(bt.Synapse):
    small: float = 0.0
    big: float = 0.0
    items: list = []
    table: dict = {}
    quote: str = ""
    flag: bool = False
    nothing: typing.Optional[int] = None
    required_hash_fields: typing.ClassVar[typing.Tuple[str, ...]] = ("small", "big", "items", "table", "quote", "flag", "nothing")
print(Mixed(small=1e-05, big=1e16, items=[1, 2.5, "a"], table={"k": [1, 2]}, quote="it's", flag=True).body_hash)
print(Mixed(small=0.1, big=123456.789, items=[], table={}, quote="plain", flag=False, nothing=7).body_hash)
"#;
    let output = python_command(&python, dir.path()).args(["-c", program]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let hashes: Vec<&str> = stdout.lines().filter(|l| l.len() == 64).collect();
    assert_eq!(hashes.len(), 2, "{stdout} {}", String::from_utf8_lossy(&output.stderr));
    let first = Mixed {
        small: 1e-5,
        big: 1e16,
        items: vec![serde_json::json!(1), serde_json::json!(2.5), serde_json::json!("a")],
        table: [("k".to_string(), vec![1, 2])].into_iter().collect(),
        quote: "it's".into(),
        flag: true,
        nothing: None,
    };
    let second =
        Mixed { small: 0.1, big: 123456.789, quote: "plain".into(), nothing: Some(7), ..Mixed::default() };
    assert_eq!(bittensor::synapse::body_hash(&first), hashes[0]);
    assert_eq!(bittensor::synapse::body_hash(&second), hashes[1]);
}
