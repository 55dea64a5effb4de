-- A sign-in that re-authenticates for a page (e.g. a bank change) comes back to that page.
-- Only paths accepted by bankid_api::routes::is_return_path are stored.
ALTER TABLE auth_flows ADD COLUMN return_to TEXT;
