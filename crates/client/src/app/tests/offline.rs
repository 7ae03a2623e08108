//! Changes kept offline for the server: taken back with `u` before they are sent.

use super::truth::cache_read;
use super::*;
use tern_core::imap::protocol::QueuedOp;

#[test]
fn u_takes_back_a_change_kept_offline_before_it_is_sent() {
    let mut s = state(0);
    s.set_messages(cache_read(3));
    let WorkerCommand::Move { id, messages, dest } = command(s.act(Action::Archive)) else {
        panic!()
    };
    let op = QueuedOp::Move { messages, dest };
    s.on_worker(WorkerEvent::Pending(vec![op.clone()]));
    s.on_worker(WorkerEvent::Queued {
        id,
        waiting: 1,
        op: Some(op.clone()),
    });
    assert_eq!(s.shown_len(), 2);
    let WorkerCommand::Unqueue { id, op: back } = command(s.act(Action::Undo)) else {
        panic!()
    };
    assert_eq!(back, op);
    // The worker dropped it: the list is read again without it laid over.
    assert_eq!(
        s.on_worker(WorkerEvent::Pending(Vec::new())),
        vec![Effect::ReloadFolder]
    );
    s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Ok,
    });
    assert_eq!(
        s.status.as_deref(),
        Some("undone: the change kept offline will not be sent")
    );
    s.set_messages(cache_read(3));
    assert_eq!(s.shown_len(), 3);
}
