//! Starting real `subtensor` processes on free loopback ports and talking to them.

#![allow(dead_code)] // each test binary uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bt_primitives::{hex, Keypair};
use bt_rpc::{ChainApiClient, SubtensorApiClient, TransactionStatus};
use bt_runtime::{Call, ChainId, SignedTransaction, SPEC_VERSION};
use jsonrpsee_ws_client::{WsClient, WsClientBuilder};
use parity_scale_codec::Encode;

pub const TAO: u64 = 1_000_000_000;

/// A running node process. Killed when dropped.
pub struct NodeProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<String>>,
}

impl NodeProcess {
    /// Starts `subtensor --dev --rpc-port 0` with extra arguments and waits for its RPC
    /// address in the log.
    pub fn start(args: &[&str]) -> NodeProcess {
        let mut all = vec!["--dev"];
        all.extend_from_slice(args);
        Self::start_with(&all)
    }

    /// Starts `subtensor --rpc-port 0 --block-time-ms 50` with these arguments.
    pub fn start_with(args: &[&str]) -> NodeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_subtensor"))
            .args(["--rpc-port", "0", "--block-time-ms", "50"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start subtensor");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (sender, receiver) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("Running JSON-RPC server: addr=").nth(1) {
                    let _ = sender.send(addr.trim().to_string());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = receiver
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("node did not start: {}", log.lock().unwrap()));
        NodeProcess { child, addr: addr.parse().expect("address"), log }
    }

    pub async fn client(&self) -> WsClient {
        WsClientBuilder::default().build(format!("ws://{}", self.addr)).await.expect("connect")
    }

    /// Sends SIGKILL and waits for the process to end.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGINT (Ctrl-C) and waits for a clean exit.
    pub fn interrupt(&mut self) {
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn base_path_args(dir: &Path) -> Vec<String> {
    vec!["--base-path".into(), dir.display().to_string()]
}

pub async fn chain_id(client: &WsClient) -> ChainId {
    let genesis = ChainApiClient::block_hash(client, Some(0)).await.unwrap().expect("genesis");
    ChainId { genesis_hash: hex::decode32(&genesis).unwrap(), spec_version: SPEC_VERSION }
}

/// Signs `call` with the signer's next nonce and submits it; returns its hash.
pub async fn submit(client: &WsClient, pair: &Keypair, call: Call) -> String {
    let tx = sign(client, pair, call).await;
    ChainApiClient::submit_extrinsic(client, hex::encode(&tx.encode())).await.expect("submit")
}

pub async fn sign(client: &WsClient, pair: &Keypair, call: Call) -> SignedTransaction {
    let chain = chain_id(client).await;
    let nonce = ChainApiClient::account_next_index(client, pair.account().to_ss58()).await.unwrap();
    SignedTransaction::sign(pair, call, nonce, 0, &chain)
}

/// Submits `call` and waits until it is final; panics if it is refused or fails.
pub async fn execute(client: &WsClient, pair: &Keypair, call: Call) {
    let hash = submit(client, pair, call.clone()).await;
    let status = wait_final(client, &hash).await;
    let TransactionStatus::Finalized(block) = status else { panic!("{call:?}: {status:?}") };
    let events = SubtensorApiClient::block_events(client, Some(block)).await.unwrap().unwrap();
    let outcome = events.extrinsics.iter().find(|e| e.hash == hash).expect("in block");
    assert!(outcome.success, "{call:?} failed: {:?}", outcome.error);
}

/// Polls a transaction's status until it is final, invalid or dropped.
pub async fn wait_final(client: &WsClient, hash: &str) -> TransactionStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = SubtensorApiClient::transaction_status(client, hash.to_string()).await.unwrap();
        match status {
            Some(
                s @ (TransactionStatus::Finalized(_)
                | TransactionStatus::Invalid(_)
                | TransactionStatus::Dropped(_)),
            ) => return s,
            _ if Instant::now() > deadline => panic!("{hash} not final: {status:?}"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// The best block number.
pub async fn best(client: &WsClient) -> u64 {
    ChainApiClient::header(client, None).await.unwrap().and_then(|h| h.number()).unwrap()
}

/// One raw HTTP/1.1 request; returns the status code and body.
pub fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}
