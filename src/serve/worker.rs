//! The one thread that owns the [`Session`]: it takes every job waiting in
//! the queue, scores them all in one `rewards` call (so requests arriving
//! together are embedded in one batch) and hands each job its answers.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::evaluate::session::{RewardedCompletion, UnknownSample};
use crate::evaluate::{Completion, Session};

/// A completion's reward, or why its sample is unknown.
pub type Scored = std::result::Result<RewardedCompletion, UnknownSample>;

/// Completions scored together at most: a burst of requests is split into
/// batches of about this size, so one answer never waits for a huge batch.
const MAX_BATCH: usize = 4096;

/// One request's completions and where its answers go.
struct Job {
    completions: Vec<Completion>,
    reply: oneshot::Sender<std::result::Result<Vec<Scored>, String>>,
}

/// Why a job was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The queue is full: the client should retry later.
    Busy,
    /// The worker has stopped.
    Stopped,
}

/// The handle request handlers score through.
#[derive(Clone)]
pub struct Worker {
    jobs: SyncSender<Job>,
}

impl Worker {
    /// Starts the worker thread with a queue of `capacity` requests. The
    /// thread ends when every [`Worker`] handle is dropped and the queue is
    /// drained.
    pub fn start(session: Session, capacity: usize) -> (Worker, JoinHandle<()>) {
        let (jobs, queue) = sync_channel(capacity);
        let thread = std::thread::spawn(move || work(session, queue));
        (Worker { jobs }, thread)
    }

    /// Queues `completions` and waits for their answers, in order; `Err`
    /// carries a session failure (e.g. the model could not run).
    pub async fn score(
        &self,
        completions: Vec<Completion>,
    ) -> std::result::Result<std::result::Result<Vec<Scored>, String>, Refused> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .try_send(Job { completions, reply })
            .map_err(|e| match e {
                TrySendError::Full(_) => Refused::Busy,
                TrySendError::Disconnected(_) => Refused::Stopped,
            })?;
        answer.await.map_err(|_| Refused::Stopped)
    }
}

/// How long the worker waits idle after scoring before it gives the
/// memory a burst used back to the operating system.
const IDLE_RELEASE: Duration = Duration::from_secs(1);

fn work(mut session: Session, queue: Receiver<Job>) {
    let mut worked = false;
    loop {
        let first = match queue.recv_timeout(if worked { IDLE_RELEASE } else { Duration::MAX }) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                release_memory();
                worked = false;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        worked = true;
        let mut jobs = vec![first];
        let mut size = jobs[0].completions.len();
        while size < MAX_BATCH
            && let Ok(job) = queue.try_recv()
        {
            size += job.completions.len();
            jobs.push(job);
        }
        let lengths: Vec<usize> = jobs.iter().map(|j| j.completions.len()).collect();
        let all: Vec<Completion> = jobs
            .iter_mut()
            .flat_map(|j| std::mem::take(&mut j.completions))
            .collect();
        match session.rewards(&all) {
            Ok(scored) => {
                let mut scored = scored.into_iter();
                for (job, n) in jobs.into_iter().zip(lengths) {
                    // A client that went away does not need its answer.
                    let _ = job.reply.send(Ok(scored.by_ref().take(n).collect()));
                }
            }
            Err(e) => {
                for job in jobs {
                    let _ = job.reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// Returns the free memory the allocator holds to the operating system
/// (glibc keeps what a burst of requests freed; docs/python-and-server.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_memory() {
    // SAFETY: malloc_trim takes a plain integer, touches only the
    // allocator's own free lists (under its locks) and may be called at
    // any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return memory on their own: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_memory() {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedding::HashEmbedder;
    use crate::evaluate::SessionOptions;
    use crate::formats::predictions::PredictionContent;
    use crate::tasks::Task;

    fn session() -> Session {
        let gt = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/annotations.json");
        let mut options = SessionOptions::new(gt);
        options.embed.no_cache = true;
        options.embed.quiet = true;
        Session::with_embedder(options, Box::new(HashEmbedder::new())).expect("opens")
    }

    fn completion(id: &str, event: &str) -> Completion {
        Completion {
            id: id.into(),
            task: Task::Event,
            content: PredictionContent::Response(format!(
                "<answer>[{{\"event\": \"{event}\"}}]</answer>"
            )),
        }
    }

    #[test]
    fn jobs_scored_together_get_their_own_answers_in_order() {
        // Three requests queued at once: each gets exactly the rewards a
        // session gives its completions alone, in its own order.
        let jobs = [
            vec![completion("vid_0001", "climbing"), completion("nope", "x")],
            vec![completion("vid_0002", "crossing road")],
            vec![
                completion("vid_0001", "rock climbing"),
                completion("vid_0002", "fight"),
            ],
        ];
        let mut alone = session();
        let want: Vec<Vec<Scored>> = jobs
            .iter()
            .map(|j| alone.rewards(j).expect("rewards"))
            .collect();
        let (worker, thread) = Worker::start(session(), 8);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let got = runtime.block_on(async {
            tokio::join!(
                worker.score(jobs[0].clone()),
                worker.score(jobs[1].clone()),
                worker.score(jobs[2].clone())
            )
        });
        let got = [got.0, got.1, got.2].map(|g| g.expect("taken").expect("scored"));
        assert_eq!(got.to_vec(), want);
        drop(worker);
        thread
            .join()
            .expect("the worker ends when its handles are gone");
    }

    #[test]
    fn a_full_queue_is_busy_and_a_stopped_worker_says_so() {
        // No worker thread drains this queue of one: fill it, then ask.
        let (jobs, queue) = sync_channel(1);
        let (reply, _answer) = oneshot::channel();
        let filler = Job {
            completions: Vec::new(),
            reply,
        };
        jobs.try_send(filler).map_err(drop).expect("room for one");
        let worker = Worker { jobs };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let ask = || runtime.block_on(worker.score(vec![completion("vid_0001", "a")]));
        assert_eq!(ask().unwrap_err(), Refused::Busy);
        drop(queue);
        assert_eq!(ask().unwrap_err(), Refused::Stopped);
    }
}
