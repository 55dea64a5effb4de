//! One module per route (see the route table in `lib.rs`).

pub mod banks;
pub mod not_found;
pub mod return_error;
pub mod status;
pub mod step1_phone;
pub mod step2_consent;
