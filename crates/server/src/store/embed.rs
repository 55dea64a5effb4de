//! The embedded mode's rows: the one-time launch of a framed registration's bank round trip (on
//! `auth_flows`, written with the registration) and the one-time hand-back codes.

use super::db::{args, DbError};
use super::Store;

/// `auth_flows.browser_hash` of a framed registration's flow until its launch link is opened: no
/// browser cookie hashes to it, so the callback cannot take the flow before the launch.
pub const UNLAUNCHED: &str = "unlaunched";

/// The launch part of a framed registration's flow ([`super::NewRegistration::embed`]).
pub struct EmbedLaunch<'a> {
    pub launch_hash: &'a str,
    /// The bank's authorization URL, sealed with the vault (key id, sealed bytes).
    pub sealed_url: (&'a str, &'a [u8]),
    pub expires_at: i64,
    /// `popup` or `top`.
    pub mode: &'a str,
    /// For `top`: the bank's page to come back to.
    pub return_url: Option<&'a str>,
}

/// What a launch link opens: the sealed authorization URL (key id, bytes) and the flow's state hash,
/// which the vault used as associated data.
pub struct Launched {
    pub state_hash: String,
    pub key_id: String,
    pub sealed: Vec<u8>,
}

impl Store {
    /// Takes a launch link once, before it expires and while its flow is pending: binds the flow
    /// to `browser_hash` (the browser that opened the link) and returns the sealed URL.
    pub async fn launch(
        &self,
        launch_hash: &str,
        browser_hash: &str,
        now: i64,
    ) -> Result<Option<Launched>, DbError> {
        self.write(|tx| {
            let row: Option<(String, Option<String>, Option<Vec<u8>>)> = tx.opt(
                "SELECT state_hash, launch_key, launch_sealed FROM auth_flows
                 WHERE launch_hash = ?1 AND launch_expires_at > ?2 AND expires_at > ?2
                   AND consumed_at IS NULL",
                args![launch_hash, now],
            )?;
            let Some((state_hash, Some(key_id), Some(sealed))) = row else {
                return Ok(None);
            };
            tx.exec(
                "UPDATE auth_flows SET browser_hash = ?1, launch_hash = NULL, launch_key = NULL,
                    launch_sealed = NULL
                 WHERE state_hash = ?2",
                args![browser_hash, &state_hash],
            )?;
            Ok(Some(Launched {
                state_hash,
                key_id,
                sealed,
            }))
        })
        .await
    }

    /// A one-time hand-back code for a framed registration's outcome.
    pub async fn new_handback(
        &self,
        code_hash: &str,
        registration_id: &str,
        expires_at: i64,
    ) -> Result<(), DbError> {
        self.write(|tx| tx.exec("INSERT INTO embed_handbacks (code_hash, registration_id, expires_at) VALUES (?1, ?2, ?3)", args![code_hash, registration_id, expires_at])).await?;
        Ok(())
    }

    /// Uses a hand-back code once, before it expires, and only with the credential of the frame
    /// that started its registration (`frame_hash`); the registration id, or `None` (nothing
    /// changed: a code presented by another frame stays usable by its own).
    pub async fn take_handback(
        &self,
        code_hash: &str,
        frame_hash: &str,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        self.write(|tx| {
            tx.scalar_opt(
                "UPDATE embed_handbacks SET used_at = ?3
             WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?3
               AND EXISTS (SELECT 1 FROM registrations r
                           WHERE r.id = embed_handbacks.registration_id AND r.browser_hash = ?2)
             RETURNING registration_id",
                args![code_hash, frame_hash, now],
            )
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;

    async fn store() -> Store {
        Store::connect("sqlite::memory:").await.expect("store")
    }

    async fn framed(s: &Store, id: &str, frame_hash: &str, launch: &str, now: i64) {
        s.start_registration(&NewRegistration {
            id,
            bank_id: "sber",
            phone: "+79161234567",
            browser_hash: frame_hash,
            consent_version: "v",
            lang: "ru",
            trace_id: "t",
            state_hash: &format!("state-{id}"),
            nonce: "n",
            pkce_verifier: "v",
            flow_ttl_ms: 600_000,
            now,
            embed: Some(EmbedLaunch {
                launch_hash: launch,
                sealed_url: ("k1", b"sealed"),
                expires_at: now + 120_000,
                mode: "popup",
                return_url: None,
            }),
        })
        .await
        .expect("start");
    }

    #[tokio::test]
    async fn a_launch_link_works_once_and_binds_the_flow_to_its_browser() {
        let s = store().await;
        framed(&s, "reg-000000000001", "frame-a", "launch-1", 1_000).await;
        // Before the launch no browser can take the flow.
        assert_eq!(
            s.take_flow("state-reg-000000000001", Some("browser-x"), 2_000)
                .await
                .unwrap(),
            TakeFlow::OtherBrowser
        );
        assert!(s
            .launch("launch-1", "browser-x", 121_000)
            .await
            .unwrap()
            .is_none());
        let l = s
            .launch("launch-1", "browser-x", 2_000)
            .await
            .unwrap()
            .expect("launched");
        assert_eq!(
            (l.key_id.as_str(), l.sealed.as_slice()),
            ("k1", &b"sealed"[..])
        );
        assert!(s
            .launch("launch-1", "browser-y", 2_001)
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            s.take_flow("state-reg-000000000001", Some("frame-a"), 3_000)
                .await
                .unwrap(),
            TakeFlow::OtherBrowser
        );
        assert!(matches!(
            s.take_flow("state-reg-000000000001", Some("browser-x"), 3_000)
                .await
                .unwrap(),
            TakeFlow::Taken(f) if f.embed_mode.as_deref() == Some("popup")
        ));
    }

    #[tokio::test]
    async fn a_launch_link_expires() {
        let s = store().await;
        framed(&s, "reg-000000000002", "frame-a", "launch-2", 1_000).await;
        assert!(s.launch("launch-2", "b", 121_000).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_handback_code_is_single_use_expires_and_belongs_to_its_frame() {
        let s = store().await;
        framed(&s, "reg-000000000003", "frame-a", "launch-3", 1_000).await;
        framed(&s, "reg-000000000004", "frame-b", "launch-4", 1_000).await;
        s.new_handback("code-1", "reg-000000000003", 61_000)
            .await
            .unwrap();
        s.new_handback("code-2", "reg-000000000003", 61_000)
            .await
            .unwrap();
        // Another frame's credential: refused, and the code stays usable by its own frame.
        assert_eq!(
            s.take_handback("code-1", "frame-b", 2_000).await.unwrap(),
            None
        );
        assert_eq!(
            s.take_handback("code-1", "frame-a", 2_000)
                .await
                .unwrap()
                .as_deref(),
            Some("reg-000000000003")
        );
        assert_eq!(
            s.take_handback("code-1", "frame-a", 2_001).await.unwrap(),
            None
        );
        // Expired at 60 s.
        assert_eq!(
            s.take_handback("code-2", "frame-a", 61_000).await.unwrap(),
            None
        );
        assert_eq!(
            s.take_handback("unknown", "frame-a", 2_000).await.unwrap(),
            None
        );
    }
}
