//! The axon's signature checks, batched under load. Requests that arrive while a check is
//! running, or while the checker yields to the connection tasks before taking its next
//! batch, queue up and are checked together in one multi-scalar multiplication, with a
//! repeat caller's key terms merged: at 16 signatures from one validator that costs about
//! 20 µs a signature instead of 50 µs. A lone request is checked on its own at once. A
//! batch holding a bad signature is checked again one by one to find it: the single
//! checks plus one batch check, never more.

use std::sync::{Arc, Mutex};

use bt_primitives::{verify_batch_keys, Signature, VerifyingKey};
use tokio::sync::oneshot;

/// Most signatures checked in one batch: the gain per signature stops growing here.
const MAX_BATCH: usize = 16;
/// Times a checker yields before taking a batch. Under load, the connection tasks that run
/// meanwhile queue more requests, so batches fill (cheaper per signature); when the axon is
/// idle a yield returns at once and a lone request waits for nothing.
const FILL_YIELDS: usize = 4;

/// One signature waiting for its check.
struct Job {
    key: VerifyingKey,
    message: String,
    signature: Signature,
    done: oneshot::Sender<bool>,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    /// Tasks now draining the queue.
    checkers: usize,
}

/// Checks sr25519 request signatures, batching those that wait together.
pub(crate) struct Verifier {
    queue: Mutex<Queue>,
    /// Most tasks checking at once: with more, batches stay small and gain nothing.
    max_checkers: usize,
}

impl Verifier {
    /// A verifier using about half the machine's cores for checks at most.
    pub(crate) fn new() -> Arc<Verifier> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Arc::new(Verifier { queue: Mutex::default(), max_checkers: (cores / 2).max(1) })
    }

    /// Whether `signature` signs `message` under `key`.
    pub(crate) async fn verify(
        self: &Arc<Self>,
        key: VerifyingKey,
        message: String,
        signature: Signature,
    ) -> bool {
        let (done, result) = oneshot::channel();
        let start_checker = {
            let mut queue = self.lock();
            queue.jobs.push(Job { key, message, signature, done });
            let start = queue.checkers < self.max_checkers;
            queue.checkers += usize::from(start);
            start
        };
        if start_checker {
            tokio::spawn(self.clone().drain());
        }
        // A dropped job (the runtime shutting down) counts as a failed check.
        result.await.unwrap_or(false)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks batches until the queue is empty, letting other tasks run between batches.
    async fn drain(self: Arc<Self>) {
        loop {
            for _ in 0..FILL_YIELDS {
                if self.lock().jobs.len() >= MAX_BATCH {
                    break;
                }
                tokio::task::yield_now().await;
            }
            let batch: Vec<Job> = {
                let mut queue = self.lock();
                if queue.jobs.is_empty() {
                    queue.checkers -= 1;
                    return;
                }
                let take = queue.jobs.len().min(MAX_BATCH);
                queue.jobs.drain(..take).collect()
            };
            check(batch);
        }
    }
}

/// Answers every job: all at once when the batch holds, else one by one to find the bad.
fn check(batch: Vec<Job>) {
    let all_valid = batch.len() > 1
        && verify_batch_keys(batch.iter().map(|job| (&job.key, job.message.as_bytes(), &job.signature)));
    for job in batch {
        let valid = all_valid || job.key.verify(job.message.as_bytes(), &job.signature);
        let _ = job.done.send(valid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bt_primitives::Keypair;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_checks_find_exactly_the_bad_signatures() {
        let verifier = Verifier::new();
        let pair = Keypair::from_seed(&[5; 32]);
        let key = VerifyingKey::new(&pair.account()).unwrap();
        let mut checks = Vec::new();
        for i in 0..200u32 {
            let message = format!("request {i}");
            // Every seventh signature signs another message.
            let signed = if i % 7 == 3 { format!("other {i}") } else { message.clone() };
            let signature = pair.sign(signed.as_bytes());
            let (verifier, key) = (verifier.clone(), key.clone());
            checks.push(tokio::spawn(async move { verifier.verify(key, message, signature).await }));
        }
        for (i, check) in checks.into_iter().enumerate() {
            assert_eq!(check.await.unwrap(), i % 7 != 3, "request {i}");
        }
        // The last checker stops once it finds the queue empty.
        for _ in 0..1000 {
            if verifier.lock().checkers == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        panic!("a checker is left running");
    }
}
