//! Changes made while the server cannot be reached: kept on disk for it (the offline
//! queue), and taken back by undo before they are sent.

use super::protocol::{DoneResult, QueuedOp, WorkerCommand, WorkerEvent};
use super::worker::State;

/// Keeps a change to messages on disk for the server, and says so; what cannot wait
/// (a search, a fetch, a folder change) fails with `error`.
pub(super) fn keep_for_later(st: &mut State, id: u64, c: &WorkerCommand, error: String) {
    let event = match super::queue::QueuedOp::from_command(c) {
        Some(op) => match st.queue.push(op.clone()) {
            Ok(()) => {
                let _ = st.events.send(WorkerEvent::Pending(st.queue.ops.clone()));
                WorkerEvent::Queued {
                    id,
                    waiting: st.queue.ops.len(),
                    op: Some(op),
                }
            }
            Err(e) => WorkerEvent::Failed {
                id,
                error: format!("offline, and the change could not be kept for later: {e}"),
            },
        },
        None => WorkerEvent::Failed { id, error },
    };
    let _ = st.events.send(event);
}

/// Takes back a kept change before it is sent (the last one equal to `op`).
pub(super) fn unqueue(st: &mut State, id: u64, op: &QueuedOp) {
    let event = match st.queue.ops.iter().rposition(|o| o == op) {
        Some(at) => {
            st.queue.ops.remove(at);
            match st.queue.save() {
                Ok(()) => {
                    let _ = st.events.send(WorkerEvent::Pending(st.queue.ops.clone()));
                    WorkerEvent::Done {
                        id,
                        result: DoneResult::Ok,
                    }
                }
                Err(e) => {
                    // Not written: it stays kept, as the file says.
                    st.queue.ops.insert(at, op.clone());
                    WorkerEvent::Failed {
                        id,
                        error: format!(
                            "not undone: the file of kept changes could not be written ({e})"
                        ),
                    }
                }
            }
        }
        None => WorkerEvent::Failed {
            id,
            error: "not undone: the change was sent to the server meanwhile".into(),
        },
    };
    let _ = st.events.send(event);
}
