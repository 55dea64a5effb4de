//! The account lifecycle as a state machine: which event may happen in which state. Every change
//! of a registration or account goes through [`next`], so an illegal transition cannot be written.

use bankid_api::ErrorCode;

/// Where a registration stands (the wire type `bankid_api::types::RegistrationState` shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationState {
    AwaitingBank,
    PendingConfirmation,
    Active,
    Rejected,
    Failed,
}

/// What can happen to a registration (and the account behind it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The bank's verified data allows an account.
    BankAccepted { account_active: bool },
    /// The bank's verified data does not allow an account.
    BankRejected(ErrorCode),
    /// The bank round trip failed (cancelled, bank error, bad token).
    BankFailed(ErrorCode),
    /// The citizen asks to go through the bank again after a rejection or a failure.
    Reverify,
    /// The one-time code was confirmed.
    Activated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: RegistrationState,
    pub event: Event,
}

/// The state after `event`, or [`Illegal`].
pub fn next(from: RegistrationState, event: Event) -> Result<RegistrationState, Illegal> {
    use RegistrationState::*;
    let to = match (from, event) {
        (
            AwaitingBank,
            Event::BankAccepted {
                account_active: false,
            },
        ) => PendingConfirmation,
        (
            AwaitingBank,
            Event::BankAccepted {
                account_active: true,
            },
        ) => Active,
        (AwaitingBank, Event::BankRejected(code)) if is_rejection(code) => Rejected,
        (AwaitingBank, Event::BankFailed(_)) => Failed,
        (Rejected | Failed, Event::Reverify) => AwaitingBank,
        (PendingConfirmation, Event::Activated) => Active,
        _ => return Err(Illegal { from, event }),
    };
    Ok(to)
}

/// Reasons that are rejections of the person (as opposed to failures of the round trip).
pub fn is_rejection(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::RegPhoneMismatch
            | ErrorCode::RegAccountInactive
            | ErrorCode::RegCardBlocked
            | ErrorCode::RegUnderAge
            | ErrorCode::RegMissingData
            | ErrorCode::RegInvalidData
    )
}

pub fn state_name(s: RegistrationState) -> &'static str {
    match s {
        RegistrationState::AwaitingBank => "awaiting_bank",
        RegistrationState::PendingConfirmation => "pending_confirmation",
        RegistrationState::Active => "active",
        RegistrationState::Rejected => "rejected",
        RegistrationState::Failed => "failed",
    }
}

/// The state a registration shows, from its row and its account's. A registration row keeps
/// `pending_confirmation` once it has an account; the account row says whether that is active.
pub fn effective(registration: &str, account: Option<&str>) -> Option<RegistrationState> {
    use RegistrationState::*;
    match (parse_state(registration)?, account) {
        (Active, _) => None,
        (PendingConfirmation, Some("active")) => Some(Active),
        (s, _) => Some(s),
    }
}

/// How a state is kept in a registration row (see [`effective`]).
pub fn row_state(s: RegistrationState) -> &'static str {
    match s {
        RegistrationState::Active => "pending_confirmation",
        other => state_name(other),
    }
}

pub fn parse_state(s: &str) -> Option<RegistrationState> {
    use RegistrationState::*;
    [AwaitingBank, PendingConfirmation, Active, Rejected, Failed]
        .into_iter()
        .find(|st| state_name(*st) == s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use RegistrationState::*;

    fn event() -> impl Strategy<Value = Event> {
        let codes = prop::sample::select(ErrorCode::ALL.to_vec());
        prop_oneof![
            any::<bool>().prop_map(|a| Event::BankAccepted { account_active: a }),
            codes.clone().prop_map(Event::BankRejected),
            codes.prop_map(Event::BankFailed),
            Just(Event::Reverify),
            Just(Event::Activated),
        ]
    }

    #[test]
    fn rows_and_accounts_read_as_one_state() {
        assert_eq!(
            effective("pending_confirmation", Some("active")),
            Some(Active)
        );
        assert_eq!(
            effective("pending_confirmation", Some("pending_confirmation")),
            Some(PendingConfirmation)
        );
        assert_eq!(effective("awaiting_bank", None), Some(AwaitingBank));
        assert_eq!(
            effective("active", None),
            None,
            "never stored in a registration row"
        );
        assert_eq!(effective("other", None), None);
        for s in [AwaitingBank, PendingConfirmation, Active, Rejected, Failed] {
            let account = (s == Active).then_some("active");
            assert_eq!(effective(row_state(s), account), Some(s));
        }
    }

    proptest! {
        /// Whatever happens, in whatever order: an account is never un-activated, activation only
        /// follows a bank confirmation, a rejection always has a rejection reason, and refused
        /// events leave the state as it was.
        #[test]
        fn random_event_sequences_keep_the_invariants(events in prop::collection::vec(event(), 0..40)) {
            let mut state = AwaitingBank;
            let mut was_active = false;
            for e in events {
                match next(state, e) {
                    Ok(to) => {
                        if was_active {
                            prop_assert!(false, "an active registration accepted {e:?}");
                        }
                        if to == Active && !matches!(e, Event::Activated | Event::BankAccepted { account_active: true }) {
                            prop_assert!(false, "{state:?} became active by {e:?}");
                        }
                        if let (Rejected, Event::BankRejected(code)) = (to, e) {
                            prop_assert!(is_rejection(code));
                        }
                        if e == Event::Activated {
                            prop_assert_eq!(state, PendingConfirmation);
                        }
                        was_active = to == Active;
                        state = to;
                    }
                    Err(illegal) => prop_assert_eq!(illegal.from, state),
                }
            }
        }
    }

    #[test]
    fn the_table() {
        assert_eq!(
            next(
                AwaitingBank,
                Event::BankAccepted {
                    account_active: false
                }
            ),
            Ok(PendingConfirmation)
        );
        assert_eq!(
            next(AwaitingBank, Event::BankRejected(ErrorCode::RegUnderAge)),
            Ok(Rejected)
        );
        assert!(next(AwaitingBank, Event::BankRejected(ErrorCode::BankError)).is_err());
        assert_eq!(next(Rejected, Event::Reverify), Ok(AwaitingBank));
        assert_eq!(next(Failed, Event::Reverify), Ok(AwaitingBank));
        assert_eq!(next(PendingConfirmation, Event::Activated), Ok(Active));
        assert!(next(AwaitingBank, Event::Activated).is_err());
        assert!(next(Rejected, Event::Activated).is_err());
        assert!(next(Active, Event::Reverify).is_err());
        assert!(next(PendingConfirmation, Event::Reverify).is_err());
        for s in [AwaitingBank, PendingConfirmation, Active, Rejected, Failed] {
            assert_eq!(parse_state(state_name(s)), Some(s));
        }
    }
}
