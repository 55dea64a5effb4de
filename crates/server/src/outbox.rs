//! Outgoing messages: handlers write them to the `outbox` table in the same transaction as the
//! change they announce; a delivery worker hands them to a [`Sender`] (real SMS/email gateways
//! implement it) and erases the text once delivered, or once delivery has failed for good. In
//! sandbox mode the [`DevInbox`] sender keeps them for the dev inbox page instead. The retention
//! worker (`retention.rs`) gives up on messages older than a code's lifetime and deletes old rows.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::store::Store;
use crate::AppState;

pub struct Message {
    pub channel: String,
    pub destination: String,
    pub body: String,
}

pub type SendResult<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// A way to deliver a message (SMS gateway, mail server, …).
pub trait Sender: Send + Sync {
    fn send<'a>(&'a self, msg: &'a Message) -> SendResult<'a>;
}

/// Sandbox: "delivers" into the `dev_inbox` table, shown at `GET /api/v1/dev/inbox`.
pub struct DevInbox {
    pub store: Store,
    pub clock: Arc<dyn crate::Clock>,
}

impl Sender for DevInbox {
    fn send<'a>(&'a self, msg: &'a Message) -> SendResult<'a> {
        Box::pin(async move {
            let now = (self.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
            self.store
                .dev_inbox_add(&msg.channel, &msg.destination, &msg.body, now)
                .await
                .map_err(|e| format!("dev inbox: {e}"))
        })
    }
}

/// No gateway configured: nothing can be delivered. Says so in the log (without the text).
pub struct NoGateway;

impl Sender for NoGateway {
    fn send<'a>(&'a self, msg: &'a Message) -> SendResult<'a> {
        Box::pin(async move {
            tracing::error!(channel = %msg.channel, "no message gateway configured; message not delivered");
            Err("no gateway".to_string())
        })
    }
}

/// Messages fetched per pass.
const BATCH: i64 = 20;
/// Deliveries tried per message; after the last failure its text (with the code) is erased
/// (`Store::outbox_failed`). The store's pending query uses the same number.
pub const MAX_ATTEMPTS: i64 = 10;
/// The longest a [`Sender`] may take for one message before it counts as a failed attempt, so a
/// hanging gateway cannot stall the worker.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers pending messages until the process ends: at once when this process writes one
/// (`AppState::outbox_wake`), and every `server.outbox_poll_seconds` for rows written by other
/// processes and for retries of failed deliveries.
pub fn spawn_worker(app: AppState) {
    let poll = Duration::from_secs(app.config.server.outbox_poll_seconds.max(1));
    tokio::spawn(async move {
        loop {
            // A full batch with progress means more may be waiting: go on at once.
            loop {
                match deliver_batch(&app, SEND_TIMEOUT).await {
                    Ok((fetched, sent)) if fetched == BATCH as usize && sent > 0 => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox");
                        break;
                    }
                }
            }
            // A wake-up that came while delivering is kept by the Notify and ends this at once.
            tokio::select! {
                _ = app.outbox_wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    });
}

/// One pass over the outbox. Public so tests can drive delivery deterministically.
pub async fn deliver_pending(app: &AppState) -> Result<usize, crate::store::DbError> {
    Ok(deliver_batch(app, SEND_TIMEOUT).await?.1)
}

/// One pass with a given per-message time limit: (messages fetched, messages delivered).
pub async fn deliver_batch(
    app: &AppState,
    send_timeout: Duration,
) -> Result<(usize, usize), crate::store::DbError> {
    // Claimed for as long as the batch may take, so another replica's worker leaves it alone.
    let lease_ms =
        BATCH * i64::try_from(send_timeout.as_millis()).unwrap_or(i64::MAX / BATCH / 2) + 30_000;
    let pending = app
        .store
        .outbox_claim(BATCH, app.now_ms(), lease_ms)
        .await?;
    let fetched = pending.len();
    let mut sent = 0;
    for (id, msg) in pending {
        match tokio::time::timeout(send_timeout, app.sender.send(&msg)).await {
            Ok(Ok(())) => {
                app.store.outbox_sent(id, app.now_ms()).await?;
                sent += 1;
            }
            Ok(Err(e)) => app.store.outbox_failed(id, &e, MAX_ATTEMPTS).await?,
            Err(_) => {
                tracing::warn!(channel = %msg.channel, "outbox: the sender timed out");
                app.store.outbox_failed(id, "timeout", MAX_ATTEMPTS).await?
            }
        }
    }
    Ok((fetched, sent))
}
