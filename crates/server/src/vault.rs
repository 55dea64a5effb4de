//! Personal data at rest: passport, INN/RNOKPP and SNILS are sealed with ChaCha20-Poly1305 (AEAD)
//! under a key named by its id, with the account id as associated data, so a sealed value cannot
//! be moved to another account. Several keys may be configured: the first seals, all open, which
//! is how keys are rotated. Lookups use keyed hashes (`crypto::keyed_hash`), never these values.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};

use crate::crypto::Rng;

pub struct Vault {
    /// (key id, cipher); the first one seals.
    keys: Vec<(String, ChaCha20Poly1305)>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct VaultError(pub String);

impl std::fmt::Display for VaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Vault {
    /// Keys as `id:base64(32 bytes)`, the sealing key first.
    pub fn from_specs(specs: &[String]) -> Result<Vault, VaultError> {
        let mut keys = Vec::new();
        for spec in specs {
            let (id, b64) = spec
                .split_once(':')
                .ok_or_else(|| VaultError("a data key must look like id:base64".into()))?;
            let bytes = STANDARD
                .decode(b64.trim())
                .map_err(|_| VaultError(format!("data key {id}: not base64")))?;
            if bytes.len() != 32 || id.is_empty() || id.len() > 16 {
                return Err(VaultError(format!(
                    "data key {id}: needs a 1-16 character id and 32 bytes"
                )));
            }
            let cipher = ChaCha20Poly1305::new_from_slice(&bytes)
                .map_err(|_| VaultError(format!("data key {id}: needs 32 bytes")))?;
            keys.push((id.to_string(), cipher));
        }
        if keys.is_empty() {
            return Err(VaultError("no data key configured".into()));
        }
        Ok(Vault { keys })
    }

    /// Seals `plain` for `account_id`: returns (key id, nonce ‖ ciphertext).
    pub fn seal(
        &self,
        rng: &dyn Rng,
        account_id: &str,
        plain: &[u8],
    ) -> Result<(String, Vec<u8>), VaultError> {
        let (id, cipher) = &self.keys[0];
        let mut nonce = [0u8; 12];
        rng.fill(&mut nonce);
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: account_id.as_bytes(),
                },
            )
            .map_err(|_| VaultError("seal failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok((id.clone(), out))
    }

    pub fn open(
        &self,
        key_id: &str,
        account_id: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(id, _)| id == key_id)
            .ok_or_else(|| VaultError(format!("data key {key_id} is not configured")))?;
        if sealed.len() < 12 + 16 {
            return Err(VaultError("sealed value too short".into()));
        }
        let (nonce, body) = sealed.split_at(12);
        let nonce: [u8; 12] = nonce
            .try_into()
            .map_err(|_| VaultError("bad nonce".into()))?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: body,
                    aad: account_id.as_bytes(),
                },
            )
            .map_err(|_| VaultError("cannot open: wrong key, account or tampered data".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::OsRng;

    fn spec(id: &str, byte: u8) -> String {
        format!("{id}:{}", STANDARD.encode([byte; 32]))
    }

    #[test]
    fn seals_opens_and_rotates() {
        let old = Vault::from_specs(&[spec("k1", 1)]).unwrap();
        let (id, sealed) = old.seal(&OsRng, "acct", b"4510123456").unwrap();
        assert_eq!(id, "k1");
        assert!(!sealed.windows(10).any(|w| w == b"4510123456"));
        // A new sealing key; the old one still opens what it sealed.
        let rotated = Vault::from_specs(&[spec("k2", 2), spec("k1", 1)]).unwrap();
        assert_eq!(rotated.open("k1", "acct", &sealed).unwrap(), b"4510123456");
        assert_eq!(rotated.seal(&OsRng, "acct", b"x").unwrap().0, "k2");
    }

    #[test]
    fn refuses_other_account_tampering_and_bad_keys() {
        let v = Vault::from_specs(&[spec("k1", 1)]).unwrap();
        let (_, mut sealed) = v.seal(&OsRng, "acct", b"secret").unwrap();
        assert!(v.open("k1", "other", &sealed).is_err());
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(v.open("k1", "acct", &sealed).is_err());
        assert!(v.open("k9", "acct", &sealed).is_err());
        assert!(Vault::from_specs(&["k1:short".into()]).is_err());
        assert!(Vault::from_specs(&[]).is_err());
    }
}
