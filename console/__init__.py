"""The operators' console (Django admin as "SessAI — Consola"): the site and its sign-in
(`site`), the operations dashboard (`dashboard`), the audit trail (`audit`), the practice page
(`practices`) and what each domain contributes (`registry`). It sits above every domain app and
reads them all; nothing imports it."""
