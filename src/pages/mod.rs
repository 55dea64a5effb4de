//! One module per route (see the route table in `lib.rs`).

pub mod account;
pub mod activate;
pub mod banks;
pub mod consents;
pub mod dev_inbox;
pub mod linked_banks;
pub mod not_found;
pub mod return_error;
pub mod security;
pub mod signin;
pub mod status;
pub mod step1_phone;
pub mod step2_consent;
