//! A bank confirms only numbers of its own country (issue #13): a registration's start and its
//! re-verification refuse a Ukrainian number for a Russian bank, a Russian number for a Ukrainian
//! bank and a number of any other country, each with its own field code, and write nothing.

use bankid_api::types::CONSENT_VERSION;
use bankid_api::{ErrorBody, ErrorCode};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{env, json_of, Env};

impl Env {
    /// Starts a registration through `bank` with `phone` in `lang`: the status and error body.
    async fn start_refused(&self, bank: &str, phone: &str, lang: &str) -> (StatusCode, ErrorBody) {
        let resp = self
            .browser
            .post(format!("{}/api/v1/registrations", self.portal))
            .header("accept-language", lang)
            .json(&json!({"bank_id": bank, "phone": phone, "consent": {"accepted": true, "version": CONSENT_VERSION}}))
            .send()
            .await
            .expect("post");
        let status = resp.status();
        (status, resp.json().await.expect("error body"))
    }

    /// Every row a start (even a refused one) could write.
    async fn started_rows(&self) -> [i64; 3] {
        [
            self.count("registrations").await,
            self.count("auth_flows").await,
            self.count("journal").await,
        ]
    }
}

fn phone_field(b: &ErrorBody) -> Option<ErrorCode> {
    b.fields.as_ref().and_then(|f| f.get("phone")).copied()
}

#[tokio::test]
async fn a_phone_of_another_country_than_the_bank_is_refused_and_changes_nothing() {
    let env = env().await;
    let cases = [
        // A Ukrainian number for Russian banks, in any spelling.
        (
            "sber",
            "+380 67 123 45 67",
            ErrorCode::FieldPhoneUaForRuBank,
        ),
        ("vtb", "067 123 45 67", ErrorCode::FieldPhoneUaForRuBank),
        // A Russian number for Ukrainian banks.
        (
            "privatbank",
            "+7 916 123-45-67",
            ErrorCode::FieldPhoneRuForUaBank,
        ),
        (
            "monobank",
            "8 (916) 123-45-67",
            ErrorCode::FieldPhoneRuForUaBank,
        ),
        // Any other country, whatever the bank.
        ("sber", "+1 202 555 0100", ErrorCode::FieldPhoneCountry),
        (
            "privatbank",
            "+44 20 7946 0958",
            ErrorCode::FieldPhoneCountry,
        ),
        ("sber", "+7 701 123 45 67", ErrorCode::FieldPhoneCountry),
    ];
    for (bank, phone, code) in cases {
        let (s, b) = env.start_refused(bank, phone, "en").await;
        assert_eq!(
            (s, b.code, phone_field(&b)),
            (
                StatusCode::BAD_REQUEST,
                ErrorCode::ReqInvalidFields,
                Some(code)
            ),
            "{bank} {phone}"
        );
        assert!(!b.trace_id.is_empty());
    }
    assert_eq!(env.started_rows().await, [0, 0, 0]);
    assert_eq!(env.written().await, [0, 0, 0, 0]);

    // The words say which way round, in the request's language.
    assert!(ErrorCode::FieldPhoneUaForRuBank
        .message(bankid_api::Lang::Uk)
        .contains("український номер (+380)"));
    let (_, b) = env.start_refused("sber", "+380671234567", "uk").await;
    assert_eq!(phone_field(&b), Some(ErrorCode::FieldPhoneUaForRuBank));
    assert_eq!(
        b.message,
        ErrorCode::ReqInvalidFields.message(bankid_api::Lang::Uk)
    );

    // The same numbers with a bank of their own country start.
    env.start("privatbank", "+380 67 123 45 67").await;
    env.start("sber", "+7 916 123-45-67").await;
    assert_eq!(env.count("registrations").await, 2);
}

#[tokio::test]
async fn going_through_the_bank_again_keeps_to_the_banks_country() {
    let env = env().await;
    // Typed another (Russian) number than the bank's: rejected, and may go through again.
    let first = env.register("sber", "otherphone", "+79161234567").await;
    assert_eq!(first.reason, Some(ErrorCode::RegPhoneMismatch));
    let path = format!("/api/v1/registrations/{}/reverify", first.registration_id);
    let consent = json!({"accepted": true, "version": CONSENT_VERSION});
    let flows = env.count("auth_flows").await;
    for (phone, code) in [
        ("+380 67 123 45 67", ErrorCode::FieldPhoneUaForRuBank),
        ("+1 202 555 0100", ErrorCode::FieldPhoneCountry),
    ] {
        let resp = env
            .api(
                Method::POST,
                &path,
                Some(json!({"consent": consent, "phone": phone})),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{phone}");
        let b: ErrorBody = resp.json().await.expect("error body");
        assert_eq!(
            (b.code, phone_field(&b)),
            (ErrorCode::ReqInvalidFields, Some(code)),
            "{phone}"
        );
    }
    // Nothing changed: no new bank trip, the same outcome.
    assert_eq!(env.count("auth_flows").await, flows);
    let st = env.status(&first.registration_id).await;
    assert_eq!(st.reason, Some(ErrorCode::RegPhoneMismatch));
    // A Russian number goes on.
    let again: bankid_api::types::RegistrationStarted = json_of(
        env.api(
            Method::POST,
            &path,
            Some(json!({"consent": consent, "phone": "+7 903 555-00-00"})),
        )
        .await,
    )
    .await;
    assert_eq!(again.registration_id, first.registration_id);
}
