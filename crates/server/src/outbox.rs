//! Outgoing messages: handlers write them to the `outbox` table in the same transaction as the
//! change they announce; a delivery worker hands them to a [`Sender`] (real SMS/email gateways
//! implement it) and erases the text once delivered. In sandbox mode the [`DevInbox`] sender keeps
//! them for the dev inbox page instead.

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

/// Delivers pending messages until the process ends.
pub fn spawn_worker(app: AppState) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = deliver_pending(&app).await {
                tracing::warn!(error = %e, "outbox");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
}

/// One pass over the outbox. Public so tests can drive delivery deterministically.
pub async fn deliver_pending(app: &AppState) -> Result<usize, sqlx::Error> {
    let pending = app.store.outbox_pending(20).await?;
    let mut sent = 0;
    for (id, msg) in pending {
        match app.sender.send(&msg).await {
            Ok(()) => {
                app.store.outbox_sent(id, app.now_ms()).await?;
                sent += 1;
            }
            Err(e) => app.store.outbox_failed(id, &e).await?,
        }
    }
    Ok(sent)
}
