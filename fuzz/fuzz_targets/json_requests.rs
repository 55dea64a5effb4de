//! Arbitrary bytes as the body of `POST /api/v1/registrations`: serde_json must refuse or accept
//! without panicking, and an accepted request survives a serialize/deserialize round trip and
//! can go through the phone rule.
#![no_main]

use bankid_api::types::StartRegistration;
use bankid_api::validate::normalize_phone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<StartRegistration>(data) else {
        return;
    };
    let json = serde_json::to_vec(&request).expect("a parsed request serializes");
    let again: StartRegistration = serde_json::from_slice(&json).expect("and parses back");
    assert_eq!(again, request);
    let _ = normalize_phone(&request.phone);
});
