//! Abuse limits for one-time codes, kept in the database so they hold across restarts and
//! replicas: after a few failures each further try must wait longer (2 s, 4 s, 8 s … 15 min).

use crate::store::Store;

/// Failures counted over this window (in whole minutes: the current one and the 15 before it).
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Free failures per account before delays start.
pub const ACCOUNT_FREE: i64 = 3;
/// Free failures per client address (shared by everyone behind it) before delays start.
pub const IP_FREE: i64 = 10;
pub const MAX_DELAY_SECS: i64 = 15 * 60;

/// Seconds to wait after `failures` failures with `free` of them free of delay.
pub fn delay_secs(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let exp = (failures - free + 1).min(20) as u32;
    (1i64 << exp).min(MAX_DELAY_SECS)
}

/// The scopes a failure of `account` from `ip` counts against.
pub fn scopes(kind: &str, account: &str, ip: Option<&str>) -> Vec<(String, i64)> {
    let mut v = vec![(format!("{kind}:acct:{account}"), ACCOUNT_FREE)];
    if let Some(ip) = ip {
        v.push((format!("{kind}:ip:{ip}"), IP_FREE));
    }
    v
}

/// `Err(seconds)` when a try now would come too early.
pub async fn check(
    store: &Store,
    scopes: &[(String, i64)],
    now: i64,
) -> Result<Result<(), u32>, crate::store::DbError> {
    let mut wait = 0u32;
    for (scope, free) in scopes {
        let (n, last) = store.failures(scope, now - WINDOW_MS).await?;
        wait = wait.max(wait_secs(n, last, *free, now).unwrap_or(0));
    }
    Ok(if wait > 0 { Err(wait) } else { Ok(()) })
}

/// Seconds a try at `now` must still wait after `n` failures, the last at `last`, `free` of them
/// free of delay; `None` when it may go ahead.
fn wait_secs(n: i64, last: Option<i64>, free: i64, now: i64) -> Option<u32> {
    let delay = delay_secs(n, free);
    // No delay is due below the free allowance, whatever the clocks of the replicas say.
    let last = last.filter(|_| delay > 0)?;
    let wait = (last + delay * 1000 - now + 999) / 1000;
    (wait > 0).then(|| u32::try_from(wait).unwrap_or(u32::MAX))
}

pub async fn record_failure(
    store: &Store,
    scopes: &[(String, i64)],
    now: i64,
) -> Result<(), crate::store::DbError> {
    for (scope, _) in scopes {
        store.add_failure(scope, now).await?;
    }
    Ok(())
}

/// Counts a start of a bank round trip (registration, sign-in, bank link, re-verification) from
/// `ip`, `free` of them per window before delays start (`server.starts_per_address`: a start
/// writes rows and costs the bank a request; many citizens share one address behind carrier
/// NAT, so the allowance is generous). `Err(seconds)` when it comes too early, and then it is
/// not counted.
pub async fn start_allowed(
    store: &Store,
    ip: Option<&str>,
    free: u32,
    now: i64,
) -> Result<Result<(), u32>, crate::store::DbError> {
    let Some(ip) = ip else { return Ok(Ok(())) };
    let refused = store
        .count_unless(
            &format!("bankstart:ip:{ip}"),
            now - WINDOW_MS,
            now,
            |n, last| wait_secs(n, last, i64::from(free), now),
        )
        .await?;
    Ok(refused.map_or(Ok(()), Err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(delay_secs(0, 3), 0);
        assert_eq!(delay_secs(2, 3), 0);
        assert_eq!(delay_secs(3, 3), 2);
        assert_eq!(delay_secs(4, 3), 4);
        assert_eq!(delay_secs(6, 3), 16);
        assert_eq!(delay_secs(40, 3), MAX_DELAY_SECS);
    }
}
