//! Data a page loads when it opens: [`Load`].

use std::future::Future;
use std::rc::Rc;

use leptos::prelude::*;

/// The answer of a request a page makes when it opens, and may make again ([`Load::reload`]):
/// `None` until the first answer; while loading again, the previous answer stays. An answer that
/// arrives after a newer request was made is dropped, and so is one that arrives after the page
/// closed.
pub struct Load<T: 'static> {
    value: RwSignal<Option<T>, LocalStorage>,
    start: StoredValue<Rc<dyn Fn()>, LocalStorage>,
}

impl<T: 'static> Clone for Load<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Load<T> {}

impl<T: 'static> Load<T> {
    /// Starts `fetch` now, and again on each [`Load::reload`].
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = T> + 'static,
    {
        let value = RwSignal::new_local(None);
        let latest = StoredValue::new(0_u32);
        let start: Rc<dyn Fn()> = Rc::new(move || {
            let Some(n) = latest.try_update_value(|n| {
                *n = n.wrapping_add(1);
                *n
            }) else {
                return;
            };
            let answer = fetch();
            leptos::task::spawn_local(async move {
                let answer = answer.await;
                if latest.try_get_value() == Some(n) {
                    let _ = value.try_set(Some(answer));
                }
            });
        });
        start();
        Load {
            value,
            start: StoredValue::new_local(start),
        }
    }

    /// Makes the request again.
    pub fn reload(&self) {
        if let Some(start) = self.start.try_get_value() {
            start();
        }
    }

    /// Reads the answer so far (tracked).
    pub fn with<R>(&self, f: impl FnOnce(&Option<T>) -> R) -> R {
        self.value.with(f)
    }
}

impl<T: Clone + 'static> Load<T> {
    /// The answer so far (tracked).
    pub fn get(&self) -> Option<T> {
        self.value.get()
    }
}
