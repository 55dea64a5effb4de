//! State shared between pages: the bank list (fetched once), the registration draft and the
//! signed-in session.

use bankid_api::types::{BankInfo, Boot, Brand, Country, SessionInfo, BOOT_ELEMENT_ID};
use bankid_api::ErrorCode;
use leptos::prelude::*;

use crate::api::{self, ApiError};

/// The partner banks: from the page's boot data, or loaded once per visit when the page has none.
#[derive(Clone, Copy)]
pub struct Banks {
    list: RwSignal<Option<Result<Vec<BankInfo>, ApiError>>>,
    /// A load is in flight (the first one, or one started by [`Banks::refetch`]).
    loading: RwSignal<bool>,
}

impl Banks {
    fn new() -> Self {
        let banks = Banks {
            list: RwSignal::new(None),
            loading: RwSignal::new(false),
        };
        match boot() {
            Some(b) => banks.list.set(Some(Ok(b.banks.clone()))),
            None => banks.load(),
        }
        banks
    }

    /// Asks the API for the list (its requests are never cancelled: the list serves the visit).
    fn load(self) {
        self.loading.set(true);
        leptos::task::spawn_local(async move {
            let result = api::banks(&api::Cancel::new()).await;
            let _ = self.list.try_set(Some(result));
            let _ = self.loading.try_set(false);
        });
    }

    /// `None` while loading.
    pub fn get(&self) -> Option<Result<Vec<BankInfo>, ApiError>> {
        self.list.get()
    }

    /// Whether a load is in flight.
    pub fn loading(&self) -> bool {
        self.loading.get()
    }

    /// The bank with `id`: `None` while loading, `Some(None)` when there is no such bank.
    pub fn find(&self, id: &str) -> Option<Option<BankInfo>> {
        match self.list.get() {
            None => None,
            Some(Ok(list)) => Some(list.into_iter().find(|b| b.id == id)),
            // The list failed to load: carry on without the bank's details.
            Some(Err(_)) => Some(None),
        }
    }

    /// The name of bank `id` in `lang`; the id itself while the list is not there.
    pub fn name(&self, lang: bankid_api::Lang, id: &str) -> String {
        self.find(id)
            .flatten()
            .map(|b| b.name.get(lang).to_string())
            .unwrap_or_else(|| id.to_string())
    }

    /// Why registration through bank `id` cannot go on: unknown or unavailable bank.
    /// `None` while loading, when the list failed to load, or when the bank is fine.
    pub fn problem(&self, id: &str) -> Option<ErrorCode> {
        match self.list.get() {
            Some(Ok(list)) => match list.iter().find(|b| b.id == id) {
                None => Some(ErrorCode::FieldBankUnknown),
                Some(b) if !b.workable => Some(ErrorCode::BankUnavailable),
                Some(_) => None,
            },
            _ => None,
        }
    }

    /// Loads the list again (after an error); does nothing while a load is in flight.
    pub fn refetch(&self) {
        if self.loading.get_untracked() {
            return;
        }
        self.load();
    }
}

/// What the citizen has entered so far. Kept in this tab's `sessionStorage` too (never
/// `localStorage`), so reloading the consent step keeps the phone; gone when the tab closes, and
/// forgotten once the registration is started ([`Draft::clear`]).
#[derive(Clone, Copy)]
pub struct Draft {
    /// The phone exactly as typed, to redisplay it.
    pub typed: RwSignal<String>,
    /// The normalized (E.164) phone, set when step 1 is passed.
    pub phone: RwSignal<Option<String>>,
}

/// The `sessionStorage` entry of the draft: the E.164 phone, a newline, the phone as typed.
const DRAFT_KEY: &str = "bp-draft";

fn draft_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

impl Draft {
    fn new() -> Self {
        let stored = draft_storage()
            .and_then(|s| s.get_item(DRAFT_KEY).ok().flatten())
            .and_then(|v| {
                let (phone, typed) = v.split_once('\n')?;
                // Only what step 1 itself would have kept.
                let phone = bankid_api::validate::normalize_phone(phone).ok()?;
                Some((phone, typed.to_string()))
            });
        let (phone, typed) = match stored {
            Some((phone, typed)) => (Some(phone), typed),
            None => (None, String::new()),
        };
        Draft {
            typed: RwSignal::new(typed),
            phone: RwSignal::new(phone),
        }
    }

    /// Step 1 is passed with `e164`, typed as `typed`: kept in memory and in this tab.
    pub fn set(self, typed: String, e164: String) {
        if let Some(s) = draft_storage() {
            let _ = s.set_item(DRAFT_KEY, &format!("{e164}\n{typed}"));
        }
        self.typed.set(typed);
        self.phone.set(Some(e164));
    }

    /// Forgets the draft (the registration has started), in this tab's storage too; what is on
    /// screen stays.
    pub fn clear(self) {
        if let Some(s) = draft_storage() {
            let _ = s.remove_item(DRAFT_KEY);
        }
    }
}

/// Provides [`Banks`] and [`Draft`] for the whole app.
pub fn provide_state() {
    provide_context(Banks::new());
    provide_context(Draft::new());
    let session = Session::new();
    provide_context(session);
    if boot().is_none() {
        session.reload();
    }
}

/// The page's boot data (`<script id="bp-boot" type="application/json">`, written by the server
/// into every page it serves), read once. `None` when the page has none (a page served by another
/// server, the component tests) or it does not parse: then everything is asked of the API.
pub fn boot() -> Option<&'static Boot> {
    thread_local! {
        static BOOT: Option<&'static Boot> = read_boot().map(|b| &*Box::leak(Box::new(b)));
    }
    BOOT.with(|b| *b)
}

fn read_boot() -> Option<Boot> {
    let text = web_sys::window()?
        .document()?
        .get_element_by_id(BOOT_ELEMENT_ID)?
        .text_content()?;
    serde_json::from_str(&text).ok()
}

/// The portal's identity in this deployment: from the boot data, or the Russian portal's.
pub fn brand() -> Brand {
    boot()
        .map(|b| b.brand.clone())
        .unwrap_or_else(|| Brand::of(Country::Ru))
}

/// The bank list from context (created on demand when a component is mounted alone).
pub fn use_banks() -> Banks {
    use_context::<Banks>().unwrap_or_else(|| {
        let banks = Banks::new();
        provide_context(banks);
        banks
    })
}

/// The registration draft from context (created on demand when mounted alone).
pub fn use_draft() -> Draft {
    use_context::<Draft>().unwrap_or_else(|| {
        let draft = Draft::new();
        provide_context(draft);
        draft
    })
}

/// Who is signed in: as the page's boot data said, then as `GET /api/v1/session` last said.
#[derive(Clone, Copy)]
pub struct Session {
    /// `None` while nobody is signed in (or the answer is not there yet).
    pub info: RwSignal<Option<SessionInfo>>,
    /// The first answer has arrived (before it, pages wait instead of asking to sign in). With
    /// boot data it is there from the start.
    pub checked: RwSignal<bool>,
}

impl Session {
    fn new() -> Self {
        let boot = boot();
        Session {
            info: RwSignal::new(boot.and_then(|b| b.session.clone())),
            checked: RwSignal::new(boot.is_some()),
        }
    }

    /// Asks the server again (this also keeps the idle timer going) and returns the answer:
    /// nobody signed in (204) is `AUTH_SESSION_REQUIRED`; other failures keep what was known.
    pub async fn load(self) -> Result<SessionInfo, ApiError> {
        let result = api::session(&api::Cancel::new()).await;
        let result = match result {
            Ok(Some(info)) => {
                let _ = self.info.try_set(Some(info.clone()));
                Ok(info)
            }
            Ok(None) => {
                let _ = self.info.try_set(None);
                Err(ApiError::local(ErrorCode::AuthSessionRequired))
            }
            Err(e) => {
                if e.status == 401 {
                    let _ = self.info.try_set(None);
                }
                Err(e)
            }
        };
        if self.checked.try_get_untracked() == Some(false) {
            let _ = self.checked.try_set(true);
        }
        result
    }

    /// [`Session::load`] in the background.
    pub fn reload(self) {
        leptos::task::spawn_local(async move {
            let _ = self.load().await;
        });
    }

    /// Forgets the session (after signing out).
    pub fn clear(self) {
        self.info.set(None);
        self.checked.set(true);
    }
}

/// The session from context (created on demand when mounted alone; then not loaded).
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(|| {
        let session = Session::new();
        provide_context(session);
        session
    })
}
